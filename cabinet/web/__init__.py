"""HTML pages for people, one blueprint per area."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from ..extensions import db
from ..services.errors import DomainError

log = logging.getLogger(__name__)


def register_web(app: Flask) -> None:
    from .account import account_bp
    from .admin import admin_bp
    from .archive import archive_bp
    from .auth import auth_bp
    from .consultations import consultations_bp
    from .documents import documents_bp
    from .inbox import inbox_bp
    from .live import live_bp
    from .meetings import meetings_bp
    from .minutes import minutes_bp
    from .offline import offline_bp
    from .uploads import uploads_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(minutes_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(inbox_bp)
    from ..presentation.polls import MAJORITY_LABELS
    app.jinja_env.globals["majority_labels"] = MAJORITY_LABELS  # the live page, the banner, the record

    @app.get("/")
    def index():
        return redirect(url_for("meetings.index"))

    @app.get("/healthz")
    def healthz():
        """For monitors and load balancers: no login, 503 when a configured part does not answer."""
        from ..services.health import report
        body, status = report()
        return jsonify(body), status

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        """A refused action on a page: the same message as the API, in a page of its own."""
        db.session.rollback()
        log.info("web %s %s -> %s %s", request.method, request.path, err.status, err.code)
        return render_template("error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        log.warning("web csrf refused: %s %s", request.method, request.path)
        return render_template("error.html", status=400, message=None, csrf=True), 400

    @app.errorhandler(404)
    @app.errorhandler(429)
    def not_found_or_rate_limited(err):
        if request.path.startswith("/api/"):
            from ..api import http_error
            return http_error(err)
        return render_template("error.html", status=err.code, message=None), err.code
