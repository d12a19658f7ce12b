"""Sockets whose credentials expired while they were open. Revoking a token, logging out or disabling an
account closes its sockets at once (realtime/rooms.py); expiry is no event, so each process sweeps the
sockets it holds now and then and disconnects those whose API token or browser login no longer holds.
Their events were refused already (events._actor); this stops what they would otherwise go on receiving."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import ApiToken, LoginSession, User
from ..models.types import utcnow

log = logging.getLogger(__name__)
EVERY = 60  # seconds between two sweeps under `cabinet serve`


def disconnect_expired(app) -> int:
    """Disconnect this process's sockets whose token or login expired, ended or lost its account;
    returns how many."""
    from .events import _logins, _tokens
    tokens, logins = dict(_tokens), dict(_logins)
    if not tokens and not logins:
        return 0
    with app.app_context():
        try:
            holding_tokens = _holding(ApiToken, set(tokens.values()), ApiToken.expires_at > utcnow(),
                                      ApiToken.revoked_at.is_(None))
            holding_logins = _holding(LoginSession, set(logins.values()), LoginSession.ended_at.is_(None),
                                      LoginSession.created_at > utcnow() - current_app.permanent_session_lifetime)
        finally:
            db.session.remove()
    ended = [sid for sid, token_id in tokens.items() if token_id not in holding_tokens]
    ended += [sid for sid, login_id in logins.items() if login_id not in holding_logins]
    for sid in ended:
        socketio.emit("session.ended", {"reason": "expired"}, to=sid)
        socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
    if ended:
        log.info("disconnected %d socket(s) whose token or login no longer holds", len(ended))
    return len(ended)


def _holding(model, ids: set, *conditions) -> set:
    """Which of `ids` (rows of `model`) still hold, their account active."""
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).join(User, User.id == model.user_id)
                                  .where(model.id.in_(ids), User.active.is_(True), *conditions)))


def sweep_forever(app, every: float = EVERY) -> None:
    """Run under `cabinet serve` for the life of the process."""
    while True:
        socketio.sleep(every)
        try:
            disconnect_expired(app)
        except Exception:  # keep sweeping: a database hiccup must not end it
            log.exception("sweep of expired sockets failed")
