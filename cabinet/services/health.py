"""What /healthz reports: does the database answer, does Redis answer (when configured), and how fast.

For a monitor (docs/OPERATIONS.md): each part says ok and its time in ms, never a URL, host or error
text that could carry a password. A dead Redis is noticed within REDIS_TIMEOUT: the client's socket
timeouts bound the wait, so the monitor's own timeout is not what ends the check.
"""
from __future__ import annotations

import logging
import time

from flask import current_app

from ..extensions import db

log = logging.getLogger(__name__)
REDIS_TIMEOUT = 0.5  # seconds, for connecting and for the answer each


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
        ok = True
    except Exception as exc:  # any failure is "not ok"; the log (not the answer) keeps the reason
        log.warning("health check %s failed: %s", check.__name__, type(exc).__name__)
        ok = False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    db.session.execute(db.text("SELECT 1"))


def _redis_client(url: str):
    """One client per app and URL (its connection pool is reused by every check)."""
    import redis
    clients = current_app.extensions.setdefault("cabinet_health_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                            socket_connect_timeout=REDIS_TIMEOUT, retry_on_timeout=False)
    return clients[url]


def report() -> tuple[dict, int]:
    """The health answer and its HTTP status: 200 when every configured part answers, 503 otherwise
    ("degraded": the database answers, Redis does not; "down": the database does not)."""
    database = _timed(_database)
    if not database["ok"]:
        try:
            db.session.rollback()  # the request's session stays usable for whatever runs after
        except Exception:
            pass
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        def _redis() -> None:
            _redis_client(redis_url).ping()
        redis_part = _timed(_redis)
        redis_ok = redis_part["ok"]
    else:
        redis_part, redis_ok = "not configured", True
    status = "down" if not database["ok"] else "ok" if redis_ok else "degraded"
    return {"status": status, "database": database, "redis": redis_part}, 200 if status == "ok" else 503
