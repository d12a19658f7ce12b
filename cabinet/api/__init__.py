"""The JSON API under /api/v1: authentication, JSON parsing, the documented error shape, and the unit of
work: the caller is resolved once into a real User (`caller()`), and the request's transaction is
committed here when the answer is a success and rolled back otherwise; routes never commit."""
from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, db
from ..security import bearer_token
from ..services.errors import BadInput, DomainError, NotAuthenticated, TooManyAttempts, UnsupportedMedia

log = logging.getLogger(__name__)
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # checked below, only for cookie-authenticated calls

PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi_document"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(status: int, code: str, message, field: str | None = None, details: dict | None = None):
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    return jsonify({"error": body}), status


@api_bp.before_request
def authenticate_and_check_csrf():
    """Bearer-token calls need no CSRF token; calls riding on the browser session do."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        g.caller = None
        return None
    if bearer_token() and not getattr(g, "auth_via_token", False) and not current_user.is_authenticated:
        raise NotAuthenticated(_l("The token is invalid, expired or revoked."), code="invalid_token")
    if not current_user.is_authenticated:
        raise NotAuthenticated(_l("Please log in to continue."))
    if request.method in UNSAFE_METHODS and not getattr(g, "auth_via_token", False):
        csrf.protect()
    g.caller = current_user._get_current_object()
    return None


def caller():
    """Who calls, as a real User (never Flask-Login's proxy, which names whoever asks where it is read)."""
    return g.caller


@api_bp.after_request
def finish_unit_of_work(response):
    """Commit what a successful request did before its answer leaves; roll back anything else."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def json_body() -> dict:
    """The request's JSON object, or 415 (not JSON) / 400 (malformed or not an object)."""
    if not request.is_json:
        raise UnsupportedMedia(_l("Send JSON with the header Content-Type: application/json."))
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: malformed, like any other bad JSON
        data = None
    if data is None:
        raise BadInput(_l("The request body is not valid JSON."), code="malformed_json")
    if not isinstance(data, dict):
        raise BadInput(_l("The request body must be a JSON object."), code="not_an_object")
    return data


@api_bp.errorhandler(DomainError)
def domain_error(err: DomainError):
    db.session.rollback()
    if err.status >= 400:
        log.info("api %s %s -> %s %s", request.method, request.path, err.status, err.code)
    response = error_response(err.status, err.code, err.message, err.field, err.details)
    if isinstance(err, TooManyAttempts):
        response[0].headers["Retry-After"] = str(err.retry_after)
    return response


@api_bp.errorhandler(CSRFError)
def csrf_error(err: CSRFError):
    db.session.rollback()
    log.warning("api csrf refused: %s %s", request.method, request.path)
    return error_response(400, "csrf_failed", _l("The security token is missing or expired; reload the page."))


@api_bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    db.session.rollback()
    if not request.path.startswith(api_bp.url_prefix):
        return err
    codes = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
             429: "rate_limited"}
    messages = {404: _l("Not found."), 405: _l("This method is not allowed here."),
                413: _l("The upload is too large."), 429: _l("Too many attempts; wait a little and try again.")}
    return error_response(err.code, codes.get(err.code, "http_error"), messages.get(err.code, err.description))


@api_bp.record_once
def _answer_unrouted_api_errors_in_json(state):
    """A 405 or 404 under /api/v1 happens before a blueprint is chosen: answer it in JSON too."""
    state.app.register_error_handler(HTTPException, http_error)


from . import (archive, audit, auth, consultations, documents, draft_comments, inbox, live, meetings,  # noqa: E402,F401
               minutes, openapi, users)  # (routes register on api_bp)
