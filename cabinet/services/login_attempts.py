"""Failed logins, counted per address and username and per address, whichever door they come through (the
login page, the token API): three guesses a minute means three, not three per door. The counts live in the
rate limiter's storage (Redis when configured, so every process shares them) and their windows expire, so a
stranger's guessing never locks a member out for good, and guessing from one address leaves the member's
tablet at another address alone. The username comes from the door's own parsing of the (small) body, never
from a limiter's key function.

Guesses sent at the same moment must not all pass a check made before any of them is counted: an attempt
is counted (reserved) when its turn to be hashed comes, before its password is checked, and given back if
the password was right. Only the few hashes running at once (offload's slots) are ever in flight, so a
hall of tablets behind one address logging in at 08:00 does not use up the address's failures."""
from __future__ import annotations

import math
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from ..extensions import limiter
from .errors import TooManyAttempts


def _buckets(address: str | None, username) -> list:
    """(limit, key) pairs: this address at this username, and this address at any."""
    name = username.strip().lower()[:64] if isinstance(username, str) else ""
    address = address or "-"
    return [(item, ("login-failures", address, name)) for item in parse_many(current_app.config["LOGIN_RATE_LIMIT"])] \
        + [(item, ("login-failures-address", address))
           for item in parse_many(current_app.config["LOGIN_IP_RATE_LIMIT"])]


def _too_many(item, key) -> TooManyAttempts:
    """429 that says how long to wait (someone outside the meeting room needs a number, not "a little")."""
    reset_at, _ = limiter.limiter.get_window_stats(item, *key)
    wait = max(1, math.ceil(reset_at - time.time()))
    message = _l("Too many attempts; try again in %(n)d seconds.", n=wait) if wait <= 90 else \
        _l("Too many attempts; try again in %(n)d minutes.", n=math.ceil(wait / 60))
    return TooManyAttempts(message, retry_after=wait)


def refuse_if_exhausted(address: str | None, username) -> None:
    """TooManyAttempts (429) at once when the guesses are used up: no wait for a hashing slot."""
    if not limiter.enabled:
        return
    for item, key in _buckets(address, username):
        if not limiter.limiter.test(item, *key):
            raise _too_many(item, key)


def reserve(address: str | None, username) -> list:
    """Count this attempt as a failure before its password is checked; TooManyAttempts if that goes over a
    limit (and then nothing stays counted). Atomic in the storage, so attempts at once each see the others.
    Returns what was counted, with its window, for `release`."""
    if not limiter.enabled:
        return []
    taken = []
    for item, key in _buckets(address, username):
        counted = limiter.limiter.hit(item, *key)
        taken.append((item, key, _window(item, key)))
        if not counted:
            release(taken)
            raise _too_many(item, key)
    return taken


def release(reserved: list) -> None:
    """Give back what `reserve` counted (a right password: no failure) — into the window it was counted in
    only, and never below nothing: a window that ended meanwhile started again at zero, and giving back
    there would grant a guess."""
    for item, key, window in reserved:
        if _window(item, key) == window and limiter.limiter.storage.get(item.key_for(*key)) > 0:
            limiter.limiter.storage.incr(item.key_for(*key), item.get_expiry(), amount=-1)


def _window(item, key) -> int:
    """When the current window of this bucket ends (its identity: a new window ends later)."""
    return int(limiter.limiter.get_window_stats(item, *key)[0])
