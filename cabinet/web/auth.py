"""Logging in and out, and the language switch."""
from __future__ import annotations

import logging
from urllib.parse import urlparse

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..i18n import LANG_COOKIE
from ..security import LOGIN_KEY
from ..services import accounts, audit, password_reset
from ..services.errors import Invalid, NotAuthenticated, TooManyAttempts

log = logging.getLogger(__name__)
auth_bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and urlparse(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("meetings.index")


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                         request.remote_addr)
            audit.record_login(db.session, user)
            accounts.end_login(session.get(LOGIN_KEY))  # a login over another (a shared tablet) ends that one
            login_id = accounts.start_login(user)
            db.session.commit()  # the login, and a rehashed password if argon2's parameters changed
            session.clear()  # a new session at login: nothing planted before it carries over
            session[LOGIN_KEY] = login_id
            session.permanent = True  # the cookie expires with the login (PERMANENT_SESSION_LIFETIME)
            login_user(user, remember=False)
            log.info("login %s from %s", user.username, request.remote_addr)
            return redirect(_safe_next(request.args.get("next")))
        except NotAuthenticated as err:
            log.info("failed login for %r from %s", request.form.get("username", "")[:64], request.remote_addr)
            audit.record_login_failure(db.session, request.form.get("username", ""), err.code)
            db.session.commit()
            error = err.message
        except TooManyAttempts as err:
            log.info("login refused for %r from %s: too many attempts", request.form.get("username", "")[:64],
                     request.remote_addr)
            return _login_page(err.message, 429, {"Retry-After": str(err.retry_after)})
    return _login_page(error, 401 if error else 200)


def _login_page(error, status: int, headers=None):
    return render_template("auth/login.html", login_error=error, username=request.form.get("username", ""),
                           reset_offered=password_reset.offered()), status, headers or {}


@auth_bp.post("/logout")
@login_required
def logout():
    """End the session and wipe what this browser kept for offline reading (another member may use
    the same tablet next): Clear-Site-Data removes caches, storage and the service worker."""
    audit.record_logout(db.session, current_user._get_current_object())
    accounts.end_login(session.get(LOGIN_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@auth_bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; this browser stays logged in (a new login), every other one is ended."""
    errors = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            accounts.change_own_password(user, request.form.get("current_password"), request.form.get("password"),
                                         request.form.get("confirm"), request.remote_addr)
            accounts.end_login(session.get(LOGIN_KEY))
            login_id = accounts.start_login(user)
            db.session.commit()
            session.clear()
            session[LOGIN_KEY] = login_id
            session.permanent = True
            login_user(user, remember=False)
            flash(_("Your password was changed. Your other devices must log in again."), "success")
            return redirect(url_for("meetings.index"))
        except Invalid as err:
            db.session.rollback()
            errors[err.field] = err.message
        except TooManyAttempts as err:
            db.session.rollback()
            return render_template("auth/password.html", errors={"current_password": err.message}), 429, \
                {"Retry-After": str(err.retry_after)}
    return render_template("auth/password.html", errors=errors), 422 if errors else 200


@auth_bp.post("/lang/<code>")
def set_language(code: str):
    """Switch the interface language (cookie, a year); unknown codes fall back to Vietnamese."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    response = make_response(redirect(_safe_next(request.form.get("next"))))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response
