"""Comments on draft documents (góp ý dự thảo): opening a document for comments, members' comments
anchored to a page and passage, and the secretariat's answer to each (tiếp thu / giải trình).

A comment is seen by its author and by whoever may read the document's table (the secretariat, and the
drafting unit's users once it is forwarded to them); other members do not learn it exists (404).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import COMMENT_STATUSES, Document, DraftComment, DraftConsultation, DraftRecipient, User
from ..models.types import utcnow
from ..outbox import notify_user
from . import audit, notifications
from . import validation as v
from .annotations import _box, _quads
from .documents import get_version
from .errors import Conflict, Invalid, NotAllowed, NotFound
from .permissions import may, require

MAX_TEXT, MAX_QUOTE, MAX_UNIT, MAX_RECIPIENTS = 5000, 2000, 300, 200


def consultation_of(document: Document) -> DraftConsultation | None:
    return db.session.get(DraftConsultation, document.id)


def accepting(consultation: DraftConsultation | None, now: datetime | None = None) -> bool:
    """Whether members may still comment: opened, not closed, before the deadline."""
    if consultation is None or not consultation.is_open or consultation.document.withdrawn:
        return False
    return consultation.deadline is None or (now or utcnow()) < consultation.deadline


def _ensure_accepting(document: Document) -> DraftConsultation:
    """The open consultation, or 409 with a code that says why comments are refused."""
    consultation = consultation_of(document)
    if document.withdrawn:
        raise Conflict(_l("This document has been withdrawn."), code="document_withdrawn")
    if consultation is None or not consultation.is_open:
        raise Conflict(_l("This document is not open for comments."), code="comments_closed")
    if consultation.deadline is not None and utcnow() >= consultation.deadline:
        raise Conflict(_l("The deadline for comments has passed."), code="comments_deadline_passed")
    return consultation


# --- the secretariat: opening, closing, forwarding ----------------------------------------------------

def set_consultation(actor: User, document: Document, data: dict) -> DraftConsultation:
    """Open (or close, or change) a document's call for comments: {open, deadline, drafting_unit, recipients}."""
    require(actor, "draft.manage", document)
    if document.withdrawn:
        raise Conflict(_l("This document has been withdrawn."), code="document_withdrawn")
    consultation = consultation_of(document)
    creating = consultation is None
    if creating:
        consultation = DraftConsultation(document_id=document.id, opened_by_id=actor.id, drafting_unit="",
                                         is_open=True)
        db.session.add(consultation)
    if creating or "open" in data:
        consultation.is_open = v.boolean(data.get("open", True), "open")
    if creating or "deadline" in data:
        consultation.deadline = v.moment(data.get("deadline"), "deadline", required=False)
    if creating or "drafting_unit" in data:
        consultation.drafting_unit = v.text(data.get("drafting_unit"), "drafting_unit", max_length=MAX_UNIT,
                                            required=False)
    if "recipients" in data:
        _set_recipients(consultation, document, data.get("recipients"))
    db.session.flush()
    audit.record(db.session, "draft.open" if creating else "draft.update", actor=actor, obj=document,
                 details={"open": consultation.is_open, "deadline": consultation.deadline.isoformat()
                          if consultation.deadline else None, "recipients": sorted(consultation.recipient_ids)})
    return consultation


def _set_recipients(consultation: DraftConsultation, document: Document, value) -> None:
    if value is None:
        value = []
    if not isinstance(value, list) or len(value) > MAX_RECIPIENTS or not all(v.is_id(i) for i in value):
        raise Invalid(_l("Recipients are a list of user ids."), code="invalid_recipients", field="recipients")
    ids = set(value)
    found = set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.active.is_(True)))) if ids else set()
    if found != ids:
        raise Invalid(_l("Some recipients are unknown or disabled."), code="unknown_recipient", field="recipients")
    if document.access == "confidential" and not ids <= document.reader_ids:
        # The table is as confidential as the document: only its named readers may receive it.
        raise Invalid(_l("A confidential document's comments go only to its named readers."),
                      code="recipient_not_reader", field="recipients")
    kept = {row.user_id: row for row in consultation.recipient_rows if row.user_id in ids}  # as they were
    consultation.recipient_rows = [kept.get(i) or DraftRecipient(document_id=document.id, user_id=i)
                                   for i in sorted(ids)]


def forward_table(actor: User, document: Document) -> DraftConsultation:
    """Let the drafting unit's users read the table from now on; they are told."""
    require(actor, "draft.manage", document)
    consultation = consultation_of(document)
    if consultation is None:
        raise Conflict(_l("This document is not open for comments."), code="comments_closed")
    if not consultation.recipient_ids:
        raise Conflict(_l("Name the drafting unit's users first."), code="no_recipients")
    if document.withdrawn:
        raise Conflict(_l("The document is withdrawn; restore it before forwarding its comments."),
                       code="document_withdrawn")
    if document.access == "confidential" and not consultation.recipient_ids <= document.reader_ids:
        # The document became confidential after they were named: the table is as confidential as it.
        raise Conflict(_l("A confidential document's comments go only to its named readers."),
                       code="recipient_not_reader")
    consultation.forwarded_at = utcnow()
    for row in consultation.recipient_rows:
        row.opened_at = None  # forwarded (again): each of them has it to read
    db.session.flush()
    audit.record(db.session, "draft.forward", actor=actor, obj=document,
                 details={"recipients": sorted(consultation.recipient_ids)})
    notifications.draft_table_forwarded(consultation)
    return consultation


def table_for(actor: User, document_id) -> tuple[Document, DraftConsultation | None]:
    """The document whose table the actor may read or manage (the secretariat's even before it is opened);
    404 for anyone else, members included: 403 would tell them that others' comments exist."""
    document = db.session.get(Document, document_id) if v.is_id(document_id) else None
    consultation = consultation_of(document) if document is not None else None
    if document is None or not may(actor, "draft.manage", document) and (
            consultation is None or not may(actor, "draft.table", consultation)):
        raise NotFound(_l("Document not found."), code="document_not_found")
    return document, consultation


def table_opened(actor: User, consultation: DraftConsultation | None) -> None:
    """A user of the drafting unit opened the table forwarded to them: it leaves their inbox."""
    if consultation is None or consultation.forwarded_at is None:
        return
    row = next((r for r in consultation.recipient_rows if r.user_id == actor.id), None)
    if row is not None and row.opened_at is None:
        row.opened_at = utcnow()
        notifications.inbox_changed(users=[actor.id])
        db.session.flush()


def get_table_document(actor: User, document_id) -> tuple[Document, DraftConsultation]:
    """As table_for, for an opened call only (the exports)."""
    document, consultation = table_for(actor, document_id)
    if consultation is None:
        raise NotFound(_l("This document is not open for comments."), code="consultation_not_found")
    return document, consultation


def may_comment(actor: User, document: Document) -> bool:
    return may(actor, "draft.comment", document)


# --- members: their own comments -----------------------------------------------------------------------

def list_comments(actor: User, document: Document) -> list[DraftComment]:
    """Everyone's comments for those who may read the table; the actor's own for anyone else."""
    query = select(DraftComment).where(DraftComment.document_id == document.id)
    consultation = consultation_of(document)
    if not (consultation is not None and may(actor, "draft.table", consultation)):
        require(actor, "document.read", document)
        query = query.where(DraftComment.user_id == actor.id)
    return list(db.session.scalars(query.order_by(DraftComment.created_at, DraftComment.id)))


def get_comment(actor: User, comment_id) -> DraftComment:
    comment = db.session.get(DraftComment, comment_id) if v.is_id(comment_id) else None
    if comment is None or not may(actor, "draft_comment.view", comment):
        raise NotFound(_l("Comment not found."), code="comment_not_found")
    return comment


def _apply(comment: DraftComment, data: dict, creating: bool) -> None:
    if creating or "rect" in data:
        comment.rect = [] if data.get("rect") in (None, []) else _box(data.get("rect"), "rect")
    if creating or "quads" in data:
        comment.quads = _quads(data.get("quads"))
    if creating or "quote" in data:
        comment.quote = v.text(data.get("quote"), "quote", max_length=MAX_QUOTE, required=False)
    if creating or "text" in data:
        comment.text = v.text(data.get("text"), "text", max_length=MAX_TEXT)


def create_comment(actor: User, document: Document, data: dict) -> DraftComment:
    """A member's comment on a page (and passage) of the version they read; only while comments are open."""
    require(actor, "draft.comment", document)
    _ensure_accepting(document)
    version = get_version(document, data.get("version_number"))
    page = v.integer(data.get("page"), "page", minimum=1, maximum=version.page_count)
    comment = DraftComment(document_id=document.id, version_id=version.id, user_id=actor.id, page=page,
                           status="none", response="")
    _apply(comment, data, creating=True)
    db.session.add(comment)
    db.session.flush()
    audit.record(db.session, "draft_comment.create", actor=actor, obj=document,
                 details={"comment_id": comment.id, "page": page})
    _announce(comment)
    return comment


def _ensure_editable(actor: User, comment: DraftComment) -> None:
    if not may(actor, "draft_comment.edit", comment):
        raise NotAllowed(_l("Only its author may change a comment."), code="forbidden")
    if comment.answered:
        raise Conflict(_l("The secretariat has answered this comment; it can no longer be changed."),
                       code="comment_answered")
    _ensure_accepting(comment.document)


def update_comment(actor: User, comment: DraftComment, data: dict) -> DraftComment:
    _ensure_editable(actor, comment)
    _apply(comment, data, creating=False)
    db.session.flush()
    _announce(comment)
    return comment


def delete_comment(actor: User, comment: DraftComment) -> None:
    _ensure_editable(actor, comment)
    _announce(comment)
    db.session.delete(comment)
    db.session.flush()


# --- the secretariat's answer ----------------------------------------------------------------------------

def respond(actor: User, comment: DraftComment, data: dict) -> DraftComment:
    """Mark a comment accepted, partly accepted or explained, with a response; the author is told live.
    Allowed after the call closes too (answering is what follows the deadline)."""
    require(actor, "draft_comment.respond", comment)
    if "status" in data:
        comment.status = v.choice(data.get("status"), "status", COMMENT_STATUSES)
    if "response" in data:
        comment.response = v.text(data.get("response"), "response", max_length=MAX_TEXT, required=False)
    if "status" not in data and "response" not in data:
        raise Invalid(_l("Give a status or a response."), code="required", field="status")
    comment.responded_by_id = actor.id
    comment.responded_at = utcnow()
    db.session.flush()
    audit.record(db.session, "draft_comment.answer", actor=actor, obj=comment.document,
                 details={"comment_id": comment.id, "status": comment.status})
    notifications.draft_comment_answered(comment)
    return comment


def record_export(actor: User, document: Document, kind: str, count: int) -> None:
    audit.record(db.session, "draft_comments.export", actor=actor, obj=document,
                 details={"format": kind, "comments": count})


def _announce(comment: DraftComment) -> None:
    """The author's devices reload their comments (ids only: the content is fetched with permission)."""
    notify_user(db.session, comment.user_id, "draft_comment.changed",
                {"document_id": comment.document_id, "comment_id": comment.id})
