"""Publishing meeting events: numbered in the transaction, sent to the meeting's room after commit.

A tablet that sees a gap in `seq` reloads the state snapshot, so an event must never be sent for a
change that was rolled back, and every event must carry the number it took.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import socketio
from ..models import Meeting

log = logging.getLogger(__name__)
_PENDING = "cabinet_pending_events"


def room_for(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def user_room(user_id: int) -> str:
    """Every connection of a user joins this room: their own devices, and what only they may read.
    Closing it disconnects them (a disabled account)."""
    return f"user:{user_id}"


def meeting_user_room(meeting_id: int, user_id: int) -> str:
    """A user's connections that joined a meeting; closing it takes them out of the meeting's room."""
    return f"{room_for(meeting_id)}:user:{user_id}"


def token_room(token_id: int) -> str:
    """The connections authenticated with one API token; closing it disconnects them."""
    return f"token:{token_id}"


def publish(session: Session, meeting: Meeting, name: str, payload: dict,
            only_users: set[int] | None = None) -> None:
    """Queue `name` for the meeting's room (or, for what only some may read, those users' rooms);
    it takes the meeting's next seq and leaves after commit. Others see a gap and reload the state."""
    meeting.seq = (meeting.seq or 0) + 1
    message = {"meeting_id": meeting.id, "seq": meeting.seq, **payload}
    rooms = [room_for(meeting.id)] if only_users is None else [user_room(u) for u in sorted(only_users)]
    session.info.setdefault(_PENDING, []).extend((room, name, message) for room in rooms)


def after_commit(session: Session, callback) -> None:
    """Run `callback()` once the transaction commits (never if it rolls back)."""
    session.info.setdefault(_PENDING, []).append((None, callback, None))


def announce_unnumbered(session: Session, meeting: Meeting, name: str, payload: dict) -> None:
    """Derived information for the room (progress counts): carries the current seq, takes none."""
    session.info.setdefault(_PENDING, []).append(
        (room_for(meeting.id), name, {"meeting_id": meeting.id, "seq": meeting.seq, **payload}))


def notify_user(session: Session, user_id: int, name: str, payload: dict) -> None:
    """A private event to one user's devices after commit; not numbered (the meeting's seq is shared)."""
    session.info.setdefault(_PENDING, []).append((user_room(user_id), name, payload))


def _send_pending(session: Session) -> None:
    for room, name, message in session.info.pop(_PENDING, []):
        try:
            if room is None:
                name()  # an after-commit callback
                continue
            socketio.emit(name, message, to=room)
        except Exception:  # a broken queue must not turn a committed change into an error page
            log.exception("could not emit %s to %s", name, room)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Hook commit and rollback of every session once per process."""
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_soft_rollback", lambda session, previous: _drop_pending(session))


def end_user_connections(user_id: int) -> None:
    """A disabled account: tell its tablets the session ended, then disconnect them on every process."""
    socketio.emit("session.ended", {}, to=user_room(user_id))
    socketio.close_room(user_room(user_id))


def end_token_connections(token_id: int) -> None:
    """A revoked token: disconnect the sockets it authenticated, on every process."""
    socketio.close_room(token_room(token_id))


def close_meeting_to(meeting_id: int, user_id: int) -> None:
    """Someone who may no longer see the meeting: their sockets leave its room on every process (they
    stay connected; joining again is refused, and so is every event, by the services' own checks)."""
    socketio.close_room(meeting_user_room(meeting_id, user_id))


class _ClosingRooms:
    """Mixed into python-socketio's client manager. close_room is the one operation on a room by name that
    its message queue carries to every process (emit aside; disconnect, enter_room and leave_room name
    one socket, and a process only knows its own sockets). So the rooms above give closing a meaning:
    each process applies it to the members it holds, when its manager closes the room."""

    def basic_close_room(self, room, namespace):
        members = [sid for sid, _eio_sid in self.get_participants(namespace, room)]
        meeting, _, rest = room.partition(":user:") if room.startswith("meeting:") else ("", "", "")
        for sid in members:
            if rest:
                self.basic_leave_room(sid, namespace, meeting)
            elif room.startswith(("user:", "token:")):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        return super().basic_close_room(room, namespace)


def client_manager(message_queue: str | None):
    """python-socketio's client manager, alone or on the Redis message queue (Flask-SocketIO's channel),
    with the room closing above."""
    import socketio as python_socketio

    if message_queue is None:
        class ClientManager(_ClosingRooms, python_socketio.Manager):
            pass
        return ClientManager()

    class RedisClientManager(_ClosingRooms, python_socketio.RedisManager):
        pass
    return RedisClientManager(message_queue, channel="flask-socketio")
