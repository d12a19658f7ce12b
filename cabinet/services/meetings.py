"""Meetings: create, edit, list for a user, and the status moves draft → published → live → closed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import MEETING_MODES, Meeting, Participant, Poll, SessionEvent, User
from ..models.types import utcnow
from ..outbox import after_commit, publish
from . import rules
from . import validation as v
from .bodies import get_body
from .errors import Conflict, Invalid, NotFound
from .permissions import is_archivist, is_secretariat, may, require

# action -> (statuses it may start from, status it leads to)
STATUS_MOVES = {
    "publish": (("draft",), "published"),
    "start": (("published", "adjourned"), "live"),
    "adjourn": (("live",), "adjourned"),
    "close": (("live", "adjourned"), "closed"),
}
SESSION_EVENT_OF = {"start": "started", "adjourn": "adjourned", "close": "closed"}
EDITABLE_STATUSES = ("draft", "published", "live", "adjourned")


def get_meeting(actor: User, meeting_id) -> Meeting:
    """The meeting if the actor may see it; NotFound otherwise (its existence is not revealed)."""
    meeting = db.session.get(Meeting, meeting_id) if v.is_id(meeting_id) else None
    if meeting is None or not may(actor, "meeting.view", meeting):
        raise NotFound(_l("Meeting not found."), code="meeting_not_found")
    return meeting


def list_meetings_for(actor: User) -> list[Meeting]:
    """Every meeting the actor may see: upcoming first (soonest first), then past ones (latest first).
    Written consultations are listed on their own page (services/consultations.py)."""
    query = select(Meeting).where(Meeting.form == "session")
    if not is_secretariat(actor):
        invited = select(Participant.meeting_id).where(Participant.user_id == actor.id)
        visible = (Meeting.id.in_(invited)) & (Meeting.status != "draft")
        if is_archivist(actor):
            visible = visible | (Meeting.status == "closed")
        query = query.where(visible)
    meetings = list(db.session.scalars(query))
    now = utcnow()
    upcoming = sorted((m for m in meetings if is_upcoming(m, now)), key=lambda m: m.starts_at)
    past = sorted((m for m in meetings if not is_upcoming(m, now)), key=lambda m: m.starts_at, reverse=True)
    return upcoming + past


def is_upcoming(meeting: Meeting, now) -> bool:
    """Live, or not yet over and not closed: listed under "upcoming"."""
    if meeting.status == "closed":
        return False
    return meeting.status == "live" or (meeting.ends_at or meeting.starts_at) >= now


def _apply_fields(meeting: Meeting, data: dict, *, creating: bool) -> None:
    if creating or "title" in data:
        meeting.title = v.line(data.get("title"), "title", max_length=500)
    if "description" in data:
        meeting.description = v.text(data["description"], "description", max_length=20000, required=False)
    if "location" in data:
        meeting.location = v.text(data["location"], "location", max_length=300, required=False)
    if "mode" in data:
        meeting.mode = v.choice(data["mode"] or "in_person", "mode", MEETING_MODES)
    if "body_id" in data:
        body_id = v.integer(data["body_id"], "body_id", required=False)
        if body_id is None:
            meeting.body = None
        else:
            try:
                meeting.body = get_body(body_id)
            except NotFound:
                raise Invalid(_l("There is no such body."), code="unknown_body", field="body_id")
    if creating or "starts_at" in data:
        meeting.starts_at = v.moment(data.get("starts_at"), "starts_at")
    if "ends_at" in data:
        meeting.ends_at = v.moment(data["ends_at"], "ends_at", required=False)
    if meeting.ends_at is not None and meeting.ends_at <= meeting.starts_at:
        raise Invalid(_l("The meeting must end after it starts."), code="ends_before_start", field="ends_at")


def create_meeting(actor: User, data: dict) -> Meeting:
    """A new meeting in `draft`."""
    require(actor, "meeting.create")
    meeting = Meeting(status="draft", mode="in_person", location="", description="", seq=0,
                      created_by_id=actor.id)
    _apply_fields(meeting, data, creating=True)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def update_meeting(actor: User, meeting: Meeting, data: dict) -> Meeting:
    require(actor, "meeting.edit", meeting)
    ensure_editable(meeting)
    with db.session.no_autoflush:
        _apply_fields(meeting, data, creating=False)
    db.session.flush()
    if {"starts_at", "ends_at", "location"} & set(data):
        from .notifications import meeting_published
        meeting_published(meeting)  # a change of time or place goes to the invited again
    if {"starts_at", "ends_at"} & set(data):
        _inbox_changed(meetings=[meeting.id])  # an upcoming meeting may have become a past one, or back
    return meeting


def ensure_editable(meeting: Meeting) -> None:
    """A closed meeting's record is final; a written consultation's documents and members are those it
    was sent with (members answer about them)."""
    if meeting.form == "written" and meeting.status != "draft":
        raise Conflict(_l("The consultation has been sent: its documents and members no longer change."),
                       code="consultation_sent")
    if meeting.status not in EDITABLE_STATUSES:
        raise Conflict(_l("The meeting is closed; its record can no longer be changed."), code="meeting_closed")


def delete_meeting(actor: User, meeting: Meeting) -> None:
    """Only a draft may be deleted: once published, the invitation is part of the record."""
    require(actor, "meeting.delete", meeting)
    if meeting.status != "draft":
        raise Conflict(_l("Only a draft meeting can be deleted."), code="not_draft")
    db.session.delete(meeting)
    db.session.flush()


def move_status(actor: User, meeting: Meeting, action: str) -> Meeting:
    """Apply a status move (publish, start, adjourn, close) or refuse it with 409 and the reason."""
    if action not in STATUS_MOVES:
        raise NotFound(_l("Unknown status change."), code="unknown_action")
    require(actor, f"meeting.{action}", meeting)
    sources, target = STATUS_MOVES[action]
    if meeting.status not in sources:
        raise Conflict(_l("A meeting that is “%(status)s” cannot be moved to “%(target)s”.",
                          status=status_label(meeting.status), target=status_label(target)),
                       code="invalid_status_change")
    if action == "publish" and not meeting.items:
        raise Conflict(_l("Add at least one agenda item before publishing."), code="empty_agenda")
    if action == "start" and not any(p.role == "chair" for p in meeting.participants):
        raise Conflict(_l("Invite a chair before starting the session."), code="no_chair")
    if action in ("adjourn", "close") and has_open_poll(meeting):
        raise Conflict(_l("A vote is open: close it before adjourning or closing the session."),
                       code="poll_open")
    if target in ("live", "adjourned", "closed"):
        resumed = action == "start" and meeting.status == "adjourned"
        db.session.add(SessionEvent(meeting_id=meeting.id, actor_id=actor.id, at=utcnow(),
                                    kind="resumed" if resumed else SESSION_EVENT_OF[action]))
    meeting.status = target
    if action == "publish":
        from .notifications import meeting_published
        meeting_published(meeting)
    if action == "start" and meeting.quorum_ratio is None:
        meeting.quorum_ratio = rules.quorum_ratio(meeting)  # as the room sat: later edits of the body leave it
    publish(db.session, meeting, "meeting.status", {"status": target})
    _inbox_changed(meetings=[meeting.id])  # published: invitations and documents; closed: minutes to sign
    db.session.flush()
    if target == "closed":  # the record is final: findable in the archive, its log's head kept apart
        from . import audit_anchor
        from .archive import index_at_close
        from .minutes import redraw_record_at_close
        redraw_record_at_close(actor, meeting)
        index_at_close(meeting)
        closed = f"meeting {meeting.id} closed"
        after_commit(db.session, lambda: audit_anchor.write_checkpoint(closed))
    return meeting


def has_open_poll(meeting: Meeting) -> bool:
    return db.session.scalar(select(Poll.id).where(Poll.meeting_id == meeting.id, Poll.status == "open")
                             .limit(1)) is not None


def available_moves(actor: User, meeting: Meeting) -> list[str]:
    """The status moves this actor may try from the meeting's current status (for buttons)."""
    return [action for action, (sources, _target) in STATUS_MOVES.items()
            if meeting.status in sources and may(actor, f"meeting.{action}", meeting)]


def status_label(status: str):
    return STATUS_LABELS.get(status, status)


STATUS_LABELS = {
    "draft": _l("draft"), "published": _l("published"), "live": _l("in session"),
    "adjourned": _l("adjourned"), "closed": _l("closed"),
}
MODE_LABELS = {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}


def _inbox_changed(**which) -> None:
    from .notifications import inbox_changed  # (notifications reads this area's modules)
    inbox_changed(**which)
