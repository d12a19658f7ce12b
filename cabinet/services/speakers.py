"""The speaker queue of the current agenda item: request the floor (speech or question), withdraw,
and the chair grants it with a speaking time and ends the turn."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import SPEAKER_KINDS, LiveState, Meeting, SpeakerRequest, User
from ..models.types import utcnow
from ..outbox import publish
from . import validation as v
from .errors import Conflict, NotFound
from .live import ensure_live, live_state
from .permissions import require

DEFAULT_SECONDS = 180


def queue_of(meeting: Meeting) -> tuple[list[SpeakerRequest], SpeakerRequest | None]:
    """(waiting requests in order, the current speaker) for the meeting's current item."""
    item_id = _current_item_id(meeting)
    rows = db.session.scalars(select(SpeakerRequest).where(
        SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.item_id.is_(item_id) if item_id is None
        else SpeakerRequest.item_id == item_id,
        SpeakerRequest.status.in_(("waiting", "speaking"))).order_by(SpeakerRequest.requested_at,
                                                                       SpeakerRequest.id)).all()
    return [r for r in rows if r.status == "waiting"], next((r for r in rows if r.status == "speaking"), None)


def _current_item_id(meeting: Meeting) -> int | None:
    state = db.session.get(LiveState, meeting.id)  # read only: a GET must not create the row
    return state.current_item_id if state else None


def get_request(actor: User, request_id) -> SpeakerRequest:
    row = db.session.get(SpeakerRequest, request_id) if v.is_id(request_id) else None
    if row is None:
        raise NotFound(_l("Speaker request not found."), code="speaker_not_found")
    require(actor, "meeting.view", row.meeting)
    return row


def request_floor(actor: User, meeting: Meeting, kind: str = "speech") -> SpeakerRequest:
    require(actor, "speaker.request", meeting)
    ensure_live(meeting)
    kind = v.choice(kind or "speech", "kind", SPEAKER_KINDS)
    waiting, current = queue_of(meeting)
    if any(r.user_id == actor.id for r in waiting) or (current and current.user_id == actor.id):
        raise Conflict(_l("You are already on the list of speakers."), code="already_queued")
    row = SpeakerRequest(meeting_id=meeting.id, item_id=live_state(meeting).current_item_id, user_id=actor.id,
                         kind=kind, status="waiting")
    db.session.add(row)
    db.session.flush()
    _announce(meeting)
    return row


def withdraw(actor: User, row: SpeakerRequest) -> None:
    if row.user_id != actor.id:
        require(actor, "speaker.manage", row.meeting)
    if row.status != "waiting":
        raise Conflict(_l("Only a waiting request can be withdrawn."), code="not_waiting")
    row.status, row.finished_at = "withdrawn", utcnow()
    db.session.flush()
    _announce(row.meeting)


def grant(actor: User, row: SpeakerRequest, seconds=None) -> SpeakerRequest:
    """Give the floor; whoever was speaking is done."""
    meeting = row.meeting
    require(actor, "speaker.manage", meeting)
    ensure_live(meeting)
    if row.status != "waiting":
        raise Conflict(_l("This request is not waiting for the floor."), code="not_waiting")
    _waiting, current = queue_of(meeting)
    now = utcnow()
    if current is not None:
        current.status, current.finished_at = "done", now
    row.status, row.granted_at = "speaking", now
    row.seconds = v.integer(seconds, "seconds", minimum=15, maximum=3600, required=False) or DEFAULT_SECONDS
    db.session.flush()
    _announce(meeting)
    return row


def finish(actor: User, row: SpeakerRequest) -> None:
    if row.user_id != actor.id:
        require(actor, "speaker.manage", row.meeting)
    if row.status != "speaking":
        raise Conflict(_l("This person does not have the floor."), code="not_speaking")
    row.status, row.finished_at = "done", utcnow()
    db.session.flush()
    _announce(row.meeting)


def speakers_json(meeting: Meeting) -> dict:
    waiting, current = queue_of(meeting)

    def entry(r: SpeakerRequest) -> dict:
        return {"id": r.id, "user_id": r.user_id, "full_name": r.user.full_name, "kind": r.kind,
                "seconds": r.seconds, "granted_at": r.granted_at.isoformat() if r.granted_at else None}
    return {"item_id": _current_item_id(meeting), "queue": [entry(r) for r in waiting], "current": entry(current) if current else None}


def _announce(meeting: Meeting) -> None:
    publish(db.session, meeting, "speakers.updated", speakers_json(meeting))
