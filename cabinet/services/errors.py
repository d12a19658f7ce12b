"""Typed domain errors, raised by services and mapped once to HTTP statuses and socket acks."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, code: str | None = None, field: str | None = None,
                 details: dict | None = None):
        super().__init__(str(message))
        self.message = message  # may be a lazy string, rendered in the reader's language
        if code:
            self.code = code
        self.field = field
        self.details = details  # structured facts a client acts on (what was empty, …), never prose

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class BadInput(DomainError):
    status, code = 400, "bad_request"


class NotAuthenticated(DomainError):
    status, code = 401, "not_authenticated"


class NotAllowed(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Gone(DomainError):
    """A one-use link that was used, replaced or expired (or never existed: the same answer)."""

    status, code = 410, "gone"


class Invalid(DomainError):
    status, code = 422, "invalid"


class UnsupportedMedia(DomainError):
    status, code = 415, "unsupported_media_type"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class Unavailable(DomainError):
    """Something on our side failed (a worker, a disk); the caller may retry. Nothing was changed."""

    status, code = 503, "unavailable"


class TooManyAttempts(DomainError):
    """Too many failed attempts: the next one counts in `retry_after` seconds (windows expire, nothing locks)."""

    status, code = 429, "rate_limited"

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
