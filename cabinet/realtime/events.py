"""Socket.IO handlers: thin, they authenticate, ask the permission module and call services."""
from __future__ import annotations

import logging

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from ..presentation.json import state_json
from ..extensions import db, socketio
from ..services import accounts, audit, ballot_box, inbox, live, meetings, speakers
from ..services.permissions import require
from ..services.errors import Conflict, DomainError, NotAuthenticated
from ..services.validation import is_id
from ..security import LOGIN_KEY
from ..outbox import room_for, user_room
from .rooms import login_room, meeting_user_room, token_room

log = logging.getLogger(__name__)
_tokens: dict[str, int] = {}  # socket id -> API token id, for connections authenticated by token
_logins: dict[str, str] = {}  # socket id -> browser login id, for connections authenticated by cookie


def _fresh_identity() -> None:
    """Decide who is calling from this event's own cookie or token. An app context can outlive one
    event (tests drive sockets inside theirs), and Flask-Login caches the user on `g`."""
    g.pop("_login_user", None)


def _actor() -> accounts.User:
    """Who sends this event, as a real User: never Flask-Login's proxy, which a service, the ballot box's
    writer or another greenlet would read as whoever *they* serve."""
    _fresh_identity()
    if current_user and current_user.is_authenticated:
        return audit.set_actor(current_user._get_current_object())  # the audit log's actor for this event
    token_id = _tokens.get(request.sid)
    user = accounts.user_for_token_id(token_id) if token_id else None  # expired or revoked since: refused
    if user is None:
        raise NotAuthenticated(_l("The token is invalid, expired or revoked."), code="invalid_token")
    return audit.set_actor(user)


def _fail(err: DomainError) -> dict:
    return {"ok": False, "error": err.as_dict()}


def origin_allowed(origin: str, environ: dict, allowed: tuple[str, ...]) -> bool:
    """May a page of `origin` open a live connection? The configured origins (CABINET_ALLOWED_ORIGINS), or
    else the server's own scheme://host as the tablet reached it. Behind nginx that comes from ProxyFix,
    which trusts X-Forwarded-* only for the CABINET_PROXY_COUNT hops declared (python-engineio's own
    same-origin rule trusts them always); the environ is the one ProxyFix rewrote."""
    if not origin:  # a same-origin GET (long-polling) carries none; a page elsewhere always sends one
        return True
    allowed = allowed or (f"{environ.get('wsgi.url_scheme', '')}://{environ.get('HTTP_HOST', '')}".lower(),)
    # Two Origin headers arrive joined by a comma (python-socketio's websocket client adds its own to the
    # caller's); a browser sends one. Each must be allowed.
    return all(part.strip() in allowed for part in origin.lower().split(","))


@socketio.on("connect")
def on_connect(auth=None):
    """Refuse anyone without a valid session cookie or `auth={"token": ...}`."""
    _fresh_identity()
    if current_user and current_user.is_authenticated:
        # The browser sends the cookie whatever page opens the socket: only our own pages may use it.
        # python-engineio checks the Origin first (cabinet/app.py); this holds even if that is loosened.
        origin, allowed = request.headers.get("Origin"), current_app.config["ALLOWED_ORIGINS"]
        if origin is not None and not origin_allowed(origin, request.environ, allowed):
            log.warning("socket connect refused: cookie from origin %r", origin)
            raise ConnectionRefusedError("origin_not_allowed")
        join_room(user_room(current_user.id))
        _logins[request.sid] = session.get(LOGIN_KEY)
        join_room(login_room(_logins[request.sid]))  # logging that browser out closes it: disconnects
        return True
    token = auth.get("token") if isinstance(auth, dict) else None
    user = accounts.user_for_token(token) if isinstance(token, str) else None
    if user is None:
        log.info("socket connect refused from %s", request.remote_addr)
        raise ConnectionRefusedError("not_authenticated")
    _tokens[request.sid] = accounts.token_id(token)
    join_room(user_room(user.id))
    join_room(token_room(_tokens[request.sid]))  # revoking the token closes this room: disconnects
    return True


@socketio.on("disconnect")
def on_disconnect(*_args):
    _tokens.pop(request.sid, None)
    _logins.pop(request.sid, None)


@socketio.on("join")
def on_join(data):
    """Enter a meeting's room and receive its state snapshot; only those who may see the meeting."""
    try:
        actor = _actor()
        meeting_id = data.get("meeting_id") if isinstance(data, dict) else None
        meeting = meetings.get_meeting(actor, meeting_id)
        join_room(room_for(meeting.id))
        join_room(meeting_user_room(meeting.id, actor.id))  # closed if the actor loses sight of the meeting
        return {"ok": True, "state": state_json(actor, meeting)}
    except DomainError as err:
        return _fail(err)


@socketio.on("leave")
def on_leave(data):
    meeting_id = data.get("meeting_id") if isinstance(data, dict) else None
    if is_id(meeting_id):
        leave_room(room_for(meeting_id))
    return {"ok": True}


def _handle(action):
    """Run one service call for a socket event: commit and answer ok, or roll back and answer the error."""
    try:
        result = action(_actor())
        db.session.commit()
        return {"ok": True, **(result or {})}
    except DomainError as err:
        db.session.rollback()
        log.info("socket event refused for %s: %s", request.sid, err.code)
        return _fail(err)
    except Exception:  # a tablet waiting for its ack must get one, as an HTTP caller gets its 500
        db.session.rollback()
        log.exception("socket event failed for %s", request.sid)
        return {"ok": False, "error": {"code": "internal_error",
                                       "message": str(_l("Something went wrong on the server; try again."))}}


def _field(data, name):
    return data.get(name) if isinstance(data, dict) else None


@socketio.on("inbox.ask")
def on_inbox_ask(_data=None):
    """The caller's "Việc cần làm" count, over the connection that just (re)connected: a page asks after
    each connection for what it missed. Over the socket, not HTTP: a tablet going offline at that moment
    fails quietly instead of logging a failed request."""
    def ask(actor):
        require(actor, "inbox.view")
        return {"count": inbox.count_for(actor)}
    return _handle(ask)


@socketio.on("ballot.cast")
def on_ballot_cast(data):
    """Same rules as POST /polls/{id}/ballots; the receipt comes back in the ack."""
    def cast(actor):
        return {"receipt": ballot_box.cast(actor, _field(data, "poll_id"), _field(data, "option"),
                                           _field(data, "key"))}
    return _handle(cast)


@socketio.on("speaker.request")
def on_speaker_request(data):
    def ask(actor):
        row = speakers.request_floor(actor, meetings.get_meeting(actor, _field(data, "meeting_id")),
                                     _field(data, "kind") or "speech")
        return {"id": row.id}
    return _handle(ask)


@socketio.on("speaker.withdraw")
def on_speaker_withdraw(data):
    def withdraw(actor):
        meeting = meetings.get_meeting(actor, _field(data, "meeting_id"))
        waiting, _current = speakers.queue_of(meeting)
        mine = next((r for r in waiting if r.user_id == actor.id), None)
        if mine is None:
            raise Conflict(_l("You are not waiting for the floor."), code="not_waiting")
        speakers.withdraw(actor, mine)
    return _handle(withdraw)


@socketio.on("present.page")
def on_present_page(data):
    def present(actor):
        meeting = meetings.get_meeting(actor, _field(data, "meeting_id"))
        live.present_page(actor, meeting, _field(data, "document_id"), _field(data, "page"))
    return _handle(present)
