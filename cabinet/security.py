"""Who is calling (session cookie or Bearer token) and the security headers every answer carries."""
from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from .services import accounts

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self' ws: wss:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'self' blob:",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


LOGIN_KEY = "login"  # the session cookie's key for the browser's LoginSession id


# The routes that take a file (a PDF to store or to verify): the only ones allowed CABINET_MAX_UPLOAD_MB.
UPLOAD_ENDPOINTS = frozenset({"api.upload_document", "api.add_version", "api.verify_pdf",
                              "minutes.verify_upload"})


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def asked_from_here() -> bool:
    """Whether the request comes from our own pages or straight from the person (typed, a bookmark, a link in
    a mail: Sec-Fetch-Site "none"), not from another site. A GET that records something (a table opened)
    must not be set off by a link or an image elsewhere, the session cookie riding along (SameSite=Lax lets
    it on top-level links). A browser that does not say counts as here; a Bearer token is never ambient."""
    return bearer_token() is not None or request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        return accounts.load_session_user(session_id, session.get(LOGIN_KEY),
                                          current_app.permanent_session_lifetime)

    @login_manager.request_loader
    def load_user_from_token(req):
        """API calls may authenticate with a Bearer token instead of the session cookie."""
        raw = bearer_token()
        if not raw:
            return None
        user = accounts.user_for_token(raw)
        if user is not None:
            g.auth_via_token = True
        return user

    @app.before_request
    def fresh_request_state():
        """Caller, language, CSRF token and the like are decided per request, even where one app context
        serves several requests (the test client reuses the test's context): nothing leaks from the last.
        And the body's limit, before anyone (a rate limiter's key, a login) reads it: small by default,
        the upload limit only where a route takes a file."""
        for key in list(g):
            g.pop(key, None)
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
        elif request.content_length is None and request.environ.get("wsgi.input_terminated"):
            _whole_small_body()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _whole_small_body() -> None:
    """A chunked body (no Content-Length) is read, up to the limit, before anyone parses it: Werkzeug stops
    at the limit without a word, and a form or JSON cut there was acted on. One byte past it is 413 (an
    upload's parser says so itself). Small bodies only: uploads never come here."""
    body = request.get_data(cache=True)  # form parsing reads this copy
    if request.max_content_length is not None and len(body) >= request.max_content_length:
        request.stream.read(1)  # past the limit: RequestEntityTooLarge, 413
