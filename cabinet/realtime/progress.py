"""Coalesced "cast N of M" progress of open polls: at most a few events a second per poll, whatever
the rate of ballots, so a vote of N tablets costs O(N) messages, not O(N²) (ARCHITECTURE.md, Fan-out).

Progress is derived, not a change of state: it carries the meeting's current seq without taking a new
one, so dropping intermediate counts never makes a tablet see a gap. `poll.closed` (numbered) carries
the final counts, and a last progress event with every ballot goes out just before it.
"""
from __future__ import annotations

import logging
import threading

from ..extensions import socketio

log = logging.getLogger(__name__)
INTERVAL = 0.25  # seconds between two progress events of one poll
_dirty: set[int] = set()
_lock = threading.Lock()
_started = False


def ballot_counted(poll_id: int) -> None:
    """Called after a ballot's transaction commits; the next tick announces the new count."""
    with _lock:
        _dirty.add(poll_id)
    _ensure_ticker()


def _ensure_ticker() -> None:
    global _started
    with _lock:
        if _started:
            return
        _started = True
    from flask import current_app
    socketio.start_background_task(_tick_forever, current_app._get_current_object())


def _tick_forever(app) -> None:
    while True:
        socketio.sleep(INTERVAL)
        with _lock:
            polls = list(_dirty)
            _dirty.clear()
        if polls:
            with app.app_context():
                try:
                    for poll_id in polls:
                        send_progress(poll_id)
                except Exception:  # keep ticking: one bad poll must not silence the others
                    log.exception("poll progress failed")
                finally:
                    from ..extensions import db
                    db.session.remove()


def progress_message(poll) -> dict:
    from ..services.live import present_count, voting_counts
    from ..services.polls import cast_count
    return {"meeting_id": poll.meeting_id, "seq": poll.meeting.seq, "poll_id": poll.id,
            "cast": cast_count(poll), "eligible": present_count(voting_counts(poll.meeting))}


def send_progress(poll_id: int) -> None:
    from ..extensions import db
    from ..models import Poll
    from ..outbox import rooms_for
    from ..services.polls import audience
    poll = db.session.get(Poll, poll_id)
    if poll is not None and poll.status == "open":
        message = progress_message(poll)
        for room in rooms_for(poll.meeting_id, audience(poll)):  # a confidential poll: those who may see it
            socketio.emit("poll.progress", message, to=room)
