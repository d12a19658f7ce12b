"""Failed logins, counted once per address and username whichever door they come through (the login page,
the token API): three guesses a minute means three, not three per door. The count lives in the rate
limiter's storage (Redis when configured, so every process shares it) and its windows expire, so a
stranger's guessing never locks a member out for good, and guessing from one address leaves the member's
tablet at another address alone. The username comes from the door's own parsing of the (small) body, never
from a limiter's key function."""
from __future__ import annotations

import math
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from ..extensions import limiter
from .errors import TooManyAttempts


def _limits():
    return parse_many(current_app.config["LOGIN_RATE_LIMIT"])


def _key(address: str | None, username) -> tuple[str, str, str]:
    name = username.strip().lower()[:64] if isinstance(username, str) else ""
    return "login-failures", address or "-", name


def refuse_if_exhausted(address: str | None, username) -> None:
    """TooManyAttempts (429) when this address has used up its guesses at this username."""
    if not limiter.enabled:
        return
    key = _key(address, username)
    for item in _limits():
        if not limiter.limiter.test(item, *key):
            reset_at, _ = limiter.limiter.get_window_stats(item, *key)
            raise TooManyAttempts(_l("Too many attempts; wait a little and try again."),
                                  retry_after=max(1, math.ceil(reset_at - time.time())))


def count_failure(address: str | None, username) -> None:
    if limiter.enabled:
        key = _key(address, username)
        for item in _limits():
            limiter.limiter.hit(item, *key)
