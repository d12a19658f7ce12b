"""The member's own account beyond the password: the private calendar feed (its page and the feed itself),
and the password reset by e-mail for someone who cannot log in."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db, limiter, socketio
from ..services import account_tokens, calendar, password_reset
from ..services.errors import Gone, Invalid

account_bp = Blueprint("account", __name__)
ANSWER_FLOOR = 0.25  # seconds: a reset request answers no sooner, whether a mail was queued or not


# --- the calendar feed ------------------------------------------------------------------------------

def _calendar_page(new_url: str | None = None, status: int = 200):
    me = current_user._get_current_object()
    return render_template("account/calendar.html", subscription=calendar.feed_subscription(me),
                           new_url=new_url, active_page="account"), status


@account_bp.get("/account/calendar")
@login_required
def calendar_page():
    """Whether a feed is on (its address is shown only once, when made), and the buttons to renew or stop."""
    return _calendar_page()


@account_bp.post("/account/calendar/new")
@login_required
def calendar_new():
    """A new address, shown on this answer only (not redirected: the cookie is signed, not secret)."""
    raw = calendar.start_feed(current_user._get_current_object())
    db.session.commit()
    return _calendar_page(url_for("account.calendar_feed", token=raw, _external=True))


@account_bp.post("/account/calendar/off")
@login_required
def calendar_off():
    calendar.stop_feed(current_user._get_current_object())
    db.session.commit()
    flash(_("The calendar link is off: calendars subscribed to it get nothing more."), "success")
    return redirect(url_for("account.calendar_page"))


def _feed_address_key() -> str:
    return f"calendar|{request.remote_addr}"


def _feed_token_key() -> str:
    return f"calendar-token|{account_tokens.digest(str(request.view_args.get('token', '')))}"


@account_bp.get("/calendar/<token>.ics")
@limiter.limit(lambda: current_app.config["CALENDAR_RATE_LIMIT"], key_func=_feed_address_key)
@limiter.limit(lambda: current_app.config["CALENDAR_TOKEN_RATE_LIMIT"], key_func=_feed_token_key)
def calendar_feed(token: str):
    """The feed, for calendars: no login and no cookie (the token is the credential); 404 for any token
    that does not hold, 304 when the calendar's copy is current."""
    owner = calendar.feed_owner(token)
    if owner is None:
        return current_app.response_class("Not found\n", status=404, mimetype="text/plain")
    built = calendar.feed(owner, host=calendar.uid_host(),
                          base_url=current_app.config["BASE_URL"])
    db.session.rollback()  # read only: nothing to keep, the connection goes back now
    response = current_app.response_class(built.body, mimetype=calendar.ICS_MIMETYPE)
    response.set_etag(built.etag)
    if built.last_modified is not None:
        response.last_modified = built.last_modified
    # private: the address is a secret, no shared cache keeps it; no-cache: ask again, a 304 is cheap.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Disposition"] = 'inline; filename="cabinet.ics"'
    if request.if_none_match and request.if_none_match.contains(built.etag):
        response.status_code, response.data = 304, b""
    return response


# --- password reset by e-mail ---------------------------------------------------------------------

@account_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"],
               key_func=lambda: f"password-reset|{request.remote_addr}")
def forgot_password():
    """Ask for a link: one answer for every name, after at least ANSWER_FLOOR seconds either way."""
    if not password_reset.offered():
        return render_template("error.html", status=404, message=None), 404
    if request.method == "POST":
        started = time.monotonic()
        password_reset.request_reset(request.form.get("identifier"))
        db.session.commit()
        socketio.sleep(max(0.0, ANSWER_FLOOR - (time.monotonic() - started)))  # green under eventlet
        return render_template("auth/forgot.html", sent=True)
    return render_template("auth/forgot.html", sent=False)


@account_bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_IP_RATE_LIMIT"], key_func=lambda: f"reset-link|{request.remote_addr}")
def reset_password(token: str):
    """The link from the mail: the new password twice. Opening it uses nothing up (mail scanners open
    links); only a successful POST does. A link that does not hold is 410 with the way to a new one."""
    if not password_reset.offered():
        return render_template("error.html", status=404, message=None), 404
    headers = {"Referrer-Policy": "no-referrer"}  # the token is in this page's address
    errors = {}
    try:
        if request.method == "POST":
            try:
                password_reset.reset_password(token, request.form.get("password"), request.form.get("confirm"))
                db.session.commit()
                flash(_("Your password was reset. Log in with the new one."), "success")
                return redirect(url_for("auth.login"))
            except Invalid as err:
                db.session.rollback()
                errors[err.field] = err.message
        holder = password_reset.link_holder(token)
    except Gone as err:
        db.session.rollback()
        return render_template("auth/reset.html", gone=err.message, holder=None, errors={}), 410, headers
    return render_template("auth/reset.html", gone=None, holder=holder, errors=errors), \
        422 if errors else 200, headers
