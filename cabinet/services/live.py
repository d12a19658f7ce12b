"""The running session: attendance and quorum, the current agenda item, presenter mode."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from sqlalchemy import func, select

from ..models import VOTING_ROLES, LiveState, Meeting, Participant, User
from ..models.types import utcnow
from ..outbox import publish
from . import rules
from . import validation as v
from .errors import Conflict, Invalid, NotAllowed
from .permissions import require

LIVE = ("live",)


def ensure_live(meeting: Meeting) -> None:
    if meeting.status not in LIVE:
        raise Conflict(_l("The session is not in progress."), code="not_live")


def live_state(meeting: Meeting) -> LiveState:
    state = db.session.get(LiveState, meeting.id)
    if state is None:
        state = LiveState(meeting_id=meeting.id)
        db.session.add(state)
        db.session.flush()
    return state


def voting_counts(meeting: Meeting) -> dict[str, int]:
    """Voting members by attendance, counted by the database: every join and every ballot asks, and a
    council of 500 must not load 500 rows each time."""
    rows = db.session.execute(select(Participant.attendance, func.count())
                              .where(Participant.meeting_id == meeting.id, Participant.role.in_(VOTING_ROLES))
                              .group_by(Participant.attendance))
    return {state: count for state, count in rows}


def present_count(counts: dict[str, int]) -> int:
    """Voting members present, from voting_counts(): those who may vote now."""
    return sum(counts.get(state, 0) for state in rules.PRESENT)


def attendance(meeting: Meeting) -> dict:
    """Present / expected voting members and whether the quorum is met."""
    counts = voting_counts(meeting)
    expected = sum(counts.values())
    present = present_count(counts)
    needed = rules.quorum_needed(expected, rules.quorum_ratio(meeting))
    return {"present": present, "expected": expected, "needed": needed,
            "quorum_met": rules.has_quorum(present, expected, rules.quorum_ratio(meeting)),
            "online": counts.get("online", 0), "absent": counts.get("absent", 0)}


def check_in(actor: User, meeting: Meeting, user_id=None, mode: str = "room", reason: str = "") -> dict:
    """Mark oneself present, or (chair, secretary, secretariat) mark anyone present, online or absent."""
    if user_id in (None, "", actor.id):
        require(actor, "meeting.checkin", meeting)
        target = meeting.participant_for(actor)
        if mode == "absent":
            raise Invalid(_l("Ask the secretary to record an absence."), code="self_absence", field="mode")
    else:
        require(actor, "meeting.attendance", meeting)
        target_id = v.integer(user_id, "user_id")
        target = db.session.scalar(select(Participant).where(Participant.meeting_id == meeting.id,
                                                             Participant.user_id == target_id))
        if target is None:
            raise Invalid(_l("This person is not invited to the meeting."), code="not_participant",
                          field="user_id")
    ensure_live(meeting)
    mode = v.choice(mode or "room", "mode", ("room", "online", "absent"))
    target.attendance = mode
    target.attendance_reason = v.text(reason, "reason", max_length=1000, required=mode == "absent") \
        if mode == "absent" else ""
    target.attendance_at = utcnow()
    db.session.flush()
    summary = attendance(meeting)
    publish(db.session, meeting, "attendance.updated",
            {k: summary[k] for k in ("present", "expected", "quorum_met")} | {"needed": summary["needed"]}
            | {"changed": {"user_id": target.user_id, "attendance": mode}})  # a tablet learns its own state
    return summary


def move_current_item(actor: User, meeting: Meeting, item_id) -> LiveState:
    """The chair moves the session to an agenda item; every tablet follows."""
    require(actor, "agenda.set_current", meeting)
    ensure_live(meeting)
    item_id = v.integer(item_id, "item_id")
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise Invalid(_l("The agenda item is not on this meeting's agenda."), code="unknown_item", field="item_id")
    state = live_state(meeting)
    state.current_item_id = item.id
    state.presenting_document_id, state.presenting_page = None, None
    db.session.flush()
    publish(db.session, meeting, "agenda.current", {"item_id": item.id})
    return state


def present_page(actor: User, meeting: Meeting, document_id, page) -> LiveState:
    """Presenter mode: followers' viewers open this document at this page."""
    from .documents import get_document
    require(actor, "meeting.present", meeting)
    ensure_live(meeting)
    document = get_document(actor, v.integer(document_id, "document_id"))
    if document.meeting_id != meeting.id:
        raise Invalid(_l("The document does not belong to this meeting."), code="other_meeting",
                      field="document_id")
    if document.access == "confidential" or document.withdrawn:
        raise NotAllowed(_l("A confidential or withdrawn document cannot be presented to the whole room."),
                         code="confidential_presentation")
    page = v.integer(page, "page", minimum=1, maximum=document.current_version.page_count)
    state = live_state(meeting)
    state.presenting_document_id, state.presenting_page = document.id, page
    db.session.flush()
    publish(db.session, meeting, "present.page", {"document_id": document.id, "page": page})
    return state
