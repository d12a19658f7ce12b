"""Tokens and the current user."""
from flask import current_app, jsonify

from ..extensions import db, limiter
from ..security import bearer_token
from ..services import accounts, audit
from ..services.errors import NotAuthenticated
from . import api_bp, caller, json_body
from ..presentation.json import user_json


def _login_key() -> str:
    """Limit per address *and* username: a stranger elsewhere cannot lock a member out of their tablet."""
    from flask import request
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        data = None
    username = data.get("username") if isinstance(data, dict) and isinstance(data.get("username"), str) else ""
    return f"{request.remote_addr}|{username.strip().lower()[:64]}"


@api_bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["LOGIN_IP_RATE_LIMIT"],
               deduct_when=lambda response: response.status_code == 401)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_key,
               deduct_when=lambda response: response.status_code == 401)
def issue_token():
    data = json_body()
    try:
        user = accounts.authenticate(data.get("username"), data.get("password"))
    except NotAuthenticated as err:
        audit.record_login_failure(db.session, data.get("username"), err.code)
        db.session.commit()  # the refusal rolls the request back: the entry is committed first
        raise
    audit.record_login(db.session, user, via="token")
    token = accounts.issue_token(user, days=current_app.config["API_TOKEN_DAYS"],
                                 label=str(data.get("label") or "api")[:100])
    return jsonify({"token": token, "user": user_json(user)}), 201


@api_bp.delete("/auth/token")
def revoke_token():
    """Revoke the token this request carries (log out a tablet)."""
    raw = bearer_token()
    if raw:
        accounts.revoke_token(raw)
        audit.record_logout(db.session, caller(), via="token")
    return "", 204


@api_bp.get("/me")
def me():
    return jsonify(user_json(caller()))
