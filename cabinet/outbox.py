"""The after-commit outbox that services use: meeting events numbered in the transaction and sent to
the meeting's room after commit, private events to one user's devices, and callbacks (jobs, socket
housekeeping) run only if the transaction commits.

A tablet that sees a gap in `seq` reloads the state snapshot, so an event must never be sent for a
change that was rolled back, and every event must carry the number it took.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import socketio
from .models import Meeting

log = logging.getLogger(__name__)
_MARKS = "cabinet_outbox_savepoints"
_PENDING = "cabinet_pending_events"


def room_for(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def user_room(user_id: int) -> str:
    """Every connection of a user joins this room: their own devices, and what only they may read.
    Closing it disconnects them (a disabled account)."""
    return f"user:{user_id}"


def publish(session: Session, meeting: Meeting, name: str, payload: dict,
            only_users: set[int] | None = None) -> None:
    """Queue `name` for the meeting's room (or, for what only some may read, those users' rooms);
    it takes the meeting's next seq and leaves after commit. Others see a gap and reload the state."""
    meeting.seq = (meeting.seq or 0) + 1
    message = {"meeting_id": meeting.id, "seq": meeting.seq, **payload}
    rooms = rooms_for(meeting.id, only_users)
    session.info.setdefault(_PENDING, []).extend((room, name, message) for room in rooms)


def after_commit(session: Session, callback) -> None:
    """Run `callback()` once the transaction commits (never if it rolls back)."""
    session.info.setdefault(_PENDING, []).append((None, callback, None))


def rooms_for(meeting_id: int, only_users: set[int] | None) -> list[str]:
    """The meeting's room, or the rooms of just the users who may read an event."""
    return [room_for(meeting_id)] if only_users is None else [user_room(u) for u in sorted(only_users)]


def announce_unnumbered(session: Session, meeting: Meeting, name: str, payload: dict,
                        only_users: set[int] | None = None) -> None:
    """Derived information (progress counts) for the room or `only_users`: carries the current seq, takes none."""
    message = {"meeting_id": meeting.id, "seq": meeting.seq, **payload}
    session.info.setdefault(_PENDING, []).extend((room, name, message) for room in rooms_for(meeting.id, only_users))


def notify_user(session: Session, user_id: int, name: str, payload: dict) -> None:
    """A private event to one user's devices after commit; not numbered (the meeting's seq is shared)."""
    session.info.setdefault(_PENDING, []).append((user_room(user_id), name, payload))


def notify_users(session: Session, user_ids, name: str, payload: dict) -> None:
    """The same private event to several users' devices after commit: one emit to all their rooms, so the
    message is encoded once however many receive it (500 members' inbox counts)."""
    rooms = [user_room(u) for u in sorted(user_ids)]
    if rooms:
        session.info.setdefault(_PENDING, []).append((rooms, name, payload))


def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release (SQLAlchemy calls it a commit): the events wait for the real one
    session.info.pop(_MARKS, None)
    for room, name, message in session.info.pop(_PENDING, []):
        try:
            if room is None:
                name()  # an after-commit callback
                continue
            socketio.emit(name, message, to=room)
        except Exception:  # a broken queue must not turn a committed change into an error page
            log.exception("could not emit %s to %s", name, room)


def _mark_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(_PENDING) or ())


def _drop_pending(session: Session, previous) -> None:
    """A rolled-back savepoint forgets what was queued inside it; a rolled-back transaction, everything."""
    if previous.nested:
        mark = session.info.get(_MARKS, {}).pop(id(previous), None)
        if mark is not None and session.info.get(_PENDING):
            del session.info[_PENDING][mark:]
    elif previous.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)


def install() -> None:
    """Hook commit and rollback of every session once per process (as services/audit.py does, a savepoint
    is neither: events queued before or inside it go out with the real commit)."""
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_transaction_create", _mark_savepoint)
        event.listen(Session, "after_soft_rollback", _drop_pending)
