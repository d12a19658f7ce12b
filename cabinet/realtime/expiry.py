"""Sockets whose API token expired while they were open. Revoking a token or disabling an account closes
its sockets at once (realtime/rooms.py); expiry is no event, so each process sweeps the token sockets it
holds now and then and disconnects those whose token no longer holds. Their events were refused already
(events._actor); this stops what they would otherwise go on receiving."""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db, socketio
from ..models import ApiToken, User
from ..models.types import utcnow

log = logging.getLogger(__name__)
EVERY = 60  # seconds between two sweeps under `cabinet serve`


def disconnect_expired(app) -> int:
    """Disconnect this process's sockets whose token expired, was revoked or whose account was disabled;
    returns how many."""
    from .events import _tokens
    held = dict(_tokens)
    if not held:
        return 0
    with app.app_context():
        try:
            holding = set(db.session.scalars(
                select(ApiToken.id).join(User, User.id == ApiToken.user_id)
                .where(ApiToken.id.in_(set(held.values())), ApiToken.revoked_at.is_(None),
                       ApiToken.expires_at > utcnow(), User.active.is_(True))))
        finally:
            db.session.remove()
    ended = [sid for sid, token_id in held.items() if token_id not in holding]
    for sid in ended:
        socketio.emit("session.ended", {"reason": "token_expired"}, to=sid)
        socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
    if ended:
        log.info("disconnected %d socket(s) whose token no longer holds", len(ended))
    return len(ended)


def sweep_forever(app, every: float = EVERY) -> None:
    """Run under `cabinet serve` for the life of the process."""
    while True:
        socketio.sleep(every)
        try:
            disconnect_expired(app)
        except Exception:  # keep sweeping: a database hiccup must not end it
            log.exception("sweep of expired socket tokens failed")
