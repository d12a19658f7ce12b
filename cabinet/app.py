"""The application factory: settings, extensions, blueprints, socket handlers, commands."""
from __future__ import annotations

import logging
import mimetypes

from flask import Flask

from . import resources
from .config import build_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings (defaults < CABINET_* env < `config`), extensions, blueprints, sockets, CLI."""
    mimetypes.add_type("application/manifest+json", ".webmanifest")  # the app installs on a tablet's home screen
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(resources.templates_dir()), static_folder=str(resources.static_dir()))
    app.config.update(build_config(app.instance_path, config))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import i18n, outbox, security
    from .realtime import rooms
    from .services import audit

    security.init_app(app, login_manager)  # first: its before_request must run before the others'
    db.init_app(app)
    from .models.archive import include_name
    migrate.init_app(app, db, directory=str(resources.migrations_dir()), render_as_batch=True,
                     compare_type=True, include_name=include_name)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    outbox.install()
    from .services import inbox
    inbox.install()  # the badge's counts, taken before each commit that changed someone's inbox
    audit.install(app)

    from .api import api_bp
    from .web import register_web
    app.register_blueprint(api_bp)
    register_web(app)

    from .realtime import events  # handlers must be registered before init_app
    allowed = app.config["ALLOWED_ORIGINS"]

    def origin_allowed(origin, environ):
        """python-engineio refuses every request whose Origin this says no to, before any socket exists:
        a page elsewhere must not ride on a member's cookie. (`[]` turns its check off; its default,
        None, trusts X-Forwarded-* headers even with no proxy in front.)"""
        return events.origin_allowed(origin, environ, allowed)

    socketio.init_app(app, async_mode=app.config["ASYNC_MODE"], message_queue=app.config["REDIS_URL"],
                      client_manager=rooms.client_manager(app.config["REDIS_URL"]),
                      cors_allowed_origins=origin_allowed, manage_session=False)

    from .cli import register_commands
    register_commands(app)

    if app.config["PROXY_COUNT"]:  # behind nginx: the tablet's address, scheme and host (docs/DEPLOYMENT.md)
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app
