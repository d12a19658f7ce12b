"""Who may do what, in one place: every view, API route and socket handler asks `may` or `require`.

Rule of thumb: someone who may not *see* a meeting gets 404 for anything in it (its existence is not
revealed); someone who sees it but may not act gets 403.
"""
from __future__ import annotations

from typing import Callable

from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from ..extensions import db
from ..models import (VOTING_ROLES, Annotation, AgendaItem, Document, DraftComment, DraftConsultation, Meeting,
                      Participant, Poll, SpeakerRequest, User, UserRole)
from .errors import NotAllowed, NotFound


def is_admin(user: User | None) -> bool:
    return bool(user and user.is_active and user.has_role("admin"))


def is_secretariat(user: User | None) -> bool:
    """The secretariat prepares meetings; an administrator may do anything the secretariat does."""
    return bool(user and user.is_active and (user.has_role("secretariat") or user.has_role("admin")))


def is_archivist(user: User | None) -> bool:
    return bool(user and user.is_active and user.has_role("archivist"))


def meeting_role(user: User | None, meeting: Meeting) -> str | None:
    """The user's role in this meeting (chair, secretary, member, guest), or None if not invited."""
    if not user or not user.is_active:
        return None
    participant = meeting.participant_for(user)
    return participant.role if participant else None


MEETING_PARTS = (Meeting, AgendaItem, Participant, Document, Annotation, Poll, SpeakerRequest)


def _meeting_of(obj) -> Meeting:
    if isinstance(obj, Meeting):
        return obj
    if isinstance(obj, (AgendaItem, Participant, Document, Poll)):
        return obj.meeting
    if isinstance(obj, SpeakerRequest):
        return obj.meeting
    if isinstance(obj, Annotation):
        return obj.document.meeting
    raise TypeError(f"no meeting for {obj!r}")


def _may_view_meeting(user, meeting: Meeting) -> bool:
    if is_secretariat(user):
        return True
    if meeting.status == "draft":
        return False  # not yet sent: only the secretariat prepares it
    if meeting_role(user, meeting):
        return True
    return is_archivist(user) and meeting.status == "closed"


def _may_run_session(user, meeting: Meeting) -> bool:
    return is_secretariat(user) or meeting_role(user, meeting) == "chair"


def _may_manage_attendance(user, meeting: Meeting) -> bool:
    return is_secretariat(user) or meeting_role(user, meeting) in ("chair", "secretary")


def sees_confidential(user, meeting: Meeting) -> bool:
    """Guests do not see confidential items; members, chair, secretary, secretariat and archivists do."""
    return is_secretariat(user) or is_archivist(user) or meeting_role(user, meeting) in (
        "chair", "secretary", "member")


def _may_view_item(user, meeting: Meeting, item_id: int | None) -> bool:
    """An agenda item (and what hangs under it: sub-items, polls) is hidden where it or its parent is
    confidential and the user does not see confidential items."""
    return sees_confidential(user, meeting) or not under_confidential(meeting, item_id)


def under_confidential(meeting: Meeting, item_id: int | None) -> bool:
    """Whether the item, or the item it is a sub-item of, is confidential."""
    items = {i.id: i for i in meeting.items}
    item = items.get(item_id)
    while item is not None:
        if item.confidential:
            return True
        item = items.get(item.parent_id)
    return False


def _may_read_document(user, document: Document) -> bool:
    """Public: whoever sees the meeting; participants: the invited (archivists once closed);
    confidential: the named readers. The secretariat reads everything it manages, withdrawn documents
    too; nobody else sees a withdrawn one (tablets, live session, offline copies drop it)."""
    meeting = document.meeting
    if is_secretariat(user):
        return True
    if document.withdrawn_at is not None:
        return False
    role = meeting_role(user, meeting)
    if document.agenda_item_id is not None and not _may_view_item(user, meeting, document.agenda_item_id):
        return False  # guests do not see confidential items (or sub-items of one), nor what is attached to them
    if document.access == "public":
        return True
    if document.access == "participants":
        return role is not None or (is_archivist(user) and meeting.status == "closed")
    return user.id in document.reader_ids


def document_readers(document: Document) -> set[int]:
    """The meeting's participants who may read `document`: `_may_read_document` (and the sight of the meeting
    it needs) for all of them at once — one query for their global roles, one pass over the participants.
    A changed document tells each reader's inbox; asking `may` 500 times took 0.4 s of the event loop.
    tests/unit/test_permissions_bulk.py keeps the two forms equal."""
    meeting = document.meeting
    # Rows, not objects: loading 500 participants and their accounts into the session cost more than the rest.
    participants = db.session.execute(select(Participant.user_id, Participant.role).join(
        User, User.id == Participant.user_id).where(Participant.meeting_id == meeting.id, User.active)).all()
    roles: dict[int, set[str]] = {}
    for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role).join(
            Participant, Participant.user_id == UserRole.user_id).where(
            Participant.meeting_id == meeting.id, UserRole.role.in_(("secretariat", "admin", "archivist")))):
        roles.setdefault(user_id, set()).add(role)
    on_confidential_item = document.agenda_item_id is not None and under_confidential(meeting, document.agenda_item_id)
    readers = set()
    for participant in participants:
        mine = roles.get(participant.user_id, set())
        if mine & {"secretariat", "admin"}:
            readers.add(participant.user_id)
        elif document.withdrawn_at is not None or meeting.status == "draft":
            continue
        elif on_confidential_item and not ("archivist" in mine or participant.role in ("chair", "secretary", "member")):
            continue
        elif document.access != "confidential" or participant.user_id in document.reader_ids:
            readers.add(participant.user_id)
    return readers


def _may_read_minutes(user, meeting: Meeting) -> bool:
    """Not guests: the minutes record confidential agenda items too, which guests do not see."""
    if is_secretariat(user) or (is_archivist(user) and meeting.status == "closed"):
        return True
    return meeting_role(user, meeting) in ("chair", "secretary", "member")


def _may_comment_on_draft(user, document: Document) -> bool:
    """Members of the meeting (chair, secretary, member; not guests) who may read the document — for a
    confidential one, its named readers."""
    return meeting_role(user, document.meeting) in ("chair", "secretary", "member") and \
        _may_read_document(user, document)


def _may_read_draft_table(user, consultation: DraftConsultation) -> bool:
    """The secretariat; the drafting unit's users once the table is forwarded to them, while the document
    stands (and, for a confidential one, only those who are also its named readers)."""
    document = consultation.document
    if is_secretariat(user):
        return True
    if consultation.forwarded_at is None or user.id not in consultation.recipient_ids or document.withdrawn:
        return False
    return document.access != "confidential" or user.id in document.reader_ids


def _reads(user, document: Document) -> bool:
    """document.read with the meeting's sight, for rules on objects `may` does not trace to a meeting."""
    return _may_view_meeting(user, document.meeting) and _may_read_document(user, document)


def _may_read_draft_comment(user, comment: DraftComment) -> bool:
    """Its author (while they may read the document), and whoever may read the document's table."""
    if comment.user_id == user.id and _reads(user, comment.document):
        return True
    consultation = comment.consultation
    return is_secretariat(user) or (consultation is not None and _may_read_draft_table(user, consultation))


RULES: dict[str, Callable] = {
    "user.manage": lambda user, _: is_admin(user),
    # Every active account has its own private calendar feed (services/calendar.py).
    "calendar.subscribe": lambda user, _: True,
    "body.manage": lambda user, _: is_admin(user),
    "user.list": lambda user, _: is_secretariat(user) or is_admin(user),
    "meeting.create": lambda user, _: is_secretariat(user),
    "meeting.view": lambda user, obj: _may_view_meeting(user, _meeting_of(obj)),
    "meeting.edit": lambda user, obj: is_secretariat(user),
    "meeting.delete": lambda user, obj: is_secretariat(user),
    "meeting.publish": lambda user, obj: is_secretariat(user),
    "meeting.start": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "meeting.adjourn": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "meeting.close": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "meeting.attendance": lambda user, obj: _may_manage_attendance(user, _meeting_of(obj)),
    "meeting.rsvp": lambda user, obj: meeting_role(user, _meeting_of(obj)) is not None,
    "agenda.edit": lambda user, obj: is_secretariat(user),
    "agenda.set_current": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "participants.manage": lambda user, obj: is_secretariat(user),
    "meeting.checkin": lambda user, obj: meeting_role(user, _meeting_of(obj)) is not None,
    "meeting.present": lambda user, obj: _may_manage_attendance(user, _meeting_of(obj)),
    "speaker.request": lambda user, obj: meeting_role(user, _meeting_of(obj)) is not None,
    "speaker.manage": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "poll.manage": lambda user, obj: _may_run_session(user, _meeting_of(obj)),
    "item.view": lambda user, obj: _may_view_item(user, obj.meeting, obj.id),
    "poll.view": lambda user, obj: _may_view_item(user, obj.meeting, obj.agenda_item_id),
    "poll.vote": lambda user, obj: meeting_role(user, _meeting_of(obj)) in VOTING_ROLES,  # voters see every item
    "document.manage": lambda user, obj: is_secretariat(user),
    "document.read": lambda user, obj: _may_read_document(user, obj),
    "annotation.edit": lambda user, obj: obj.user_id == user.id and _may_read_document(user, obj.document),
    "draft.manage": lambda user, obj: is_secretariat(user),
    "draft.comment": lambda user, obj: _may_comment_on_draft(user, obj),
    "draft.table": lambda user, obj: _may_read_draft_table(user, obj),
    "draft_comment.view": lambda user, obj: _may_read_draft_comment(user, obj),
    "draft_comment.edit": lambda user, obj: obj.user_id == user.id and _reads(user, obj.document),
    "draft_comment.respond": lambda user, obj: is_secretariat(user),
    "minutes.view": lambda user, obj: _may_read_minutes(user, _meeting_of(obj)),
    "minutes.manage": lambda user, obj: is_secretariat(user) or meeting_role(user, _meeting_of(obj)) == "secretary",
    "minutes.sign": lambda user, obj: meeting_role(user, _meeting_of(obj)) in ("secretary", "chair"),
    # The chair sends a draft (or the secretary's signed revision) back with a comment before signing it.
    "minutes.return": lambda user, obj: meeting_role(user, _meeting_of(obj)) == "chair",
    # A consultation's dossier too (services/dossier.py builds it only once the result is drawn up).
    "dossier.export": lambda user, obj: is_secretariat(user) or (is_archivist(user) and _meeting_of(obj).status
                                                                 == "closed"),
    "archive.search": lambda user, _: is_secretariat(user) or is_archivist(user),
    "audit.view": lambda user, _: is_admin(user) or is_archivist(user),
    # Written consultation (a meeting of form "written"): the secretariat prepares and sends it, those
    # consulted (chair and members) answer, the chair signs the result; named, so members see it too.
    "consultation.create": lambda user, _: is_secretariat(user),
    "consultation.manage": lambda user, obj: is_secretariat(user),
    "consultation.answer": lambda user, obj: meeting_role(user, _meeting_of(obj)) in VOTING_ROLES,
    "consultation.progress": lambda user, obj: is_secretariat(user) or meeting_role(user, _meeting_of(obj)) == "chair",
    "consultation.result": lambda user, obj: _may_read_minutes(user, _meeting_of(obj)),
    "consultation.sign": lambda user, obj: meeting_role(user, _meeting_of(obj)) == "chair",
    # Members' signed answer forms: each member reads their own (consultation.answer); the secretariat
    # and the chair read the others' once the result is drawn up, never before (answers are not shown).
    "consultation.answer_forms": lambda user, obj: _meeting_of(obj).status == "closed" and (
        is_secretariat(user) or meeting_role(user, _meeting_of(obj)) == "chair"),
    # Everyone's own inbox: its sources list only what the user may read (services/inbox.py).
    "inbox.view": lambda user, _: True,
}

# What only a session has: a written consultation is never started, attended, voted in or minuted, and
# is prepared and sent through its own actions (which keep its deadline and questions whole).
SESSION_ONLY = {"meeting.edit", "meeting.publish", "meeting.start", "meeting.adjourn", "meeting.close",
                "meeting.attendance", "meeting.rsvp", "meeting.checkin", "meeting.present", "agenda.edit", "participants.manage",
                "agenda.set_current", "speaker.request", "speaker.manage", "poll.manage", "poll.vote",
                "minutes.view", "minutes.manage", "minutes.sign", "minutes.return"}
CONSULTATION_ONLY = {action for action in RULES if action.startswith("consultation.")} - {"consultation.create"}


def may(user: User | None, action: str, obj=None) -> bool:
    """True if `user` may do `action` on `obj`; anything touching a meeting also needs sight of it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    rule = RULES[action]  # a KeyError here is a programming error, not a refusal
    if obj is not None and action != "meeting.view" and isinstance(obj, MEETING_PARTS):
        meeting = _meeting_of(obj)
        if not _may_view_meeting(user, meeting):
            return False
        if action in (SESSION_ONLY if meeting.form == "written" else CONSULTATION_ONLY):
            return False
    return bool(rule(user, obj))


def require(user: User | None, action: str, obj=None) -> None:
    """Raise NotFound if `obj`'s meeting is invisible to the user, NotAllowed if the action is refused."""
    if may(user, action, obj):
        return
    if isinstance(obj, (Document, Annotation)) and not may(user, "document.read", obj if isinstance(
            obj, Document) else obj.document):
        raise NotFound(_l("Document not found."), code="document_not_found")
    if isinstance(obj, MEETING_PARTS) and not may(user, "meeting.view", obj):
        raise NotFound(_l("Meeting not found."), code="meeting_not_found")
    if isinstance(obj, Poll) and not may(user, "poll.view", obj):
        raise NotFound(_l("Poll not found."), code="poll_not_found")
    raise NotAllowed(_l("You are not allowed to do this."), code="forbidden")
