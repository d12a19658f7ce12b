"""Tokens and the current user."""
from flask import current_app, jsonify, request

from ..extensions import db
from ..security import bearer_token
from ..services import accounts, audit
from ..services.errors import NotAuthenticated
from . import api_bp, caller, json_body
from ..presentation.json import user_json


@api_bp.post("/auth/token")
def issue_token():
    """Failures count in the same buckets as the login page's, per address and username and per address
    (login_attempts)."""
    data = json_body()
    try:
        user = accounts.authenticate(data.get("username"), data.get("password"), request.remote_addr)
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
