"""Việc cần làm: what waits for one person — invitations to answer, documents not yet read, minutes to sign,
consultations to answer and their results to sign.

Entries are DERIVED from the state (participants, reads, signatures), never stored: a stored list would drift
from the truth the moment one writer forgot to update it. Each kind of entry is a Source in a small
registry: `entries(user)` lists them for the /inbox page, `counts(user_ids)` counts them for many users in
one grouped query, which is what keeps the badge of 500 tablets cheap to push (one query per source, not
one per tablet). Later areas (consultations, answered comments, tasks) register a Source here and change
nothing else.

Any change that may alter someone's inbox calls `changed()` (through services/notifications.py); their new
counts are computed inside the same transaction just before it commits and pushed as `inbox.count` to
their user rooms after it has.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, exists, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Join

from ..extensions import db
from ..models import (VOTING_ROLES, AgendaItem, Consultation, ConsultationResponse, Document, DocumentRead,
                      DocumentReader, DocumentVersion, DraftConsultation, DraftRecipient, Meeting, Minutes,
                      Participant, User, UserRole)
from ..models.types import utcnow
from ..outbox import notify_users
from .permissions import may

log = logging.getLogger(__name__)
_CHANGED = "cabinet_inbox_changed"


@dataclass
class Entry:
    """One thing to do: which source, in which meeting, about what (`ref_id`, `title` when the user may read
    it), and `state` where a source has several (a document is "new" or "updated")."""
    source: str
    meeting_id: int
    meeting_title: str
    starts_at: datetime
    ref_id: int
    title: str = ""
    state: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    name: str
    label: object  # a lazy string: the group's heading
    entries: Callable[[User], list[Entry]]
    counts: Callable[[list[int]], dict[int, int]]
    place: Callable[[Entry], tuple[str, dict]]  # where the entry is done: (endpoint, its values) for url_for


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add (or replace, by name) a source; the page shows groups in registration order."""
    SOURCES[source.name] = source
    return source


# --- what the inbox shows and counts ----------------------------------------------------------------------

def entries_for(user: User) -> list[Entry]:
    """Every entry for `user`, source by source in registry order; nothing for an inactive account."""
    if user is None or not user.is_active:
        return []
    return [entry for source in SOURCES.values() for entry in source.entries(user)]


def count_for(user: User) -> int:
    """The badge's number for one user (the same grouped queries as for many)."""
    return counts_for([user.id])[user.id] if user is not None and user.is_active else 0


def counts_for(user_ids: Iterable[int]) -> dict[int, int]:
    """{user id: number of entries} for all of `user_ids`: one grouped query per source, whatever their
    number (inactive accounts count 0, as they see nothing)."""
    ids = sorted(set(user_ids))
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    for source in SOURCES.values():
        for user_id, count in source.counts(ids).items():
            totals[user_id] += count
    return totals


# --- the live count ------------------------------------------------------------------------------------

def changed(users: Iterable[int] = (), meetings: Iterable[int] = (), roles: tuple[str, ...] | None = None) -> None:
    """Someone's inbox may have changed: `users`, and the participants of `meetings` (only those in `roles`
    when given). Their counts are taken just before this transaction commits and pushed after it does."""
    pending = db.session.info.setdefault(_CHANGED, {"users": set(), "meetings": set()})
    pending["users"].update(users)
    pending["meetings"].update((meeting_id, tuple(roles) if roles else None) for meeting_id in meetings)


def _affected(pending: dict) -> set[int]:
    ids = set(pending["users"])
    everyone = {m for m, roles in pending["meetings"] if roles is None}
    if everyone:
        ids.update(db.session.scalars(select(Participant.user_id).where(Participant.meeting_id.in_(everyone))))
    for meeting_id, roles in pending["meetings"]:
        if roles is not None and meeting_id not in everyone:
            ids.update(db.session.scalars(select(Participant.user_id).where(
                Participant.meeting_id == meeting_id, Participant.role.in_(roles))))
    return ids


def _count_before_commit(session: Session) -> None:
    """Counted inside the transaction (after commit a session may not query), queued for after it. A
    savepoint's commit (the mail outbox takes some) is not the end: the count waits for the real one."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_CHANGED, None)
    if not pending:
        return
    try:
        # No savepoint around this: releasing one fires the session's after_commit, which would send every
        # pending event (and run the after-commit jobs) before the real commit.
        counts = counts_for(_affected(pending))
    except Exception:  # a badge must never turn the change into an error; the next push or page corrects it
        log.exception("inbox counts could not be taken")
        return
    by_count: dict[int, list[int]] = defaultdict(list)
    for user_id, count in counts.items():
        by_count[count].append(user_id)
    for count, user_ids in sorted(by_count.items()):  # a council's members mostly share one count: one emit
        notify_users(session, user_ids, "inbox.count", {"count": count})


def meetings_ended(since: datetime, now: datetime) -> int:
    """Meetings whose time ran out in (since, now] leave their participants' invitations and documents (the
    `upcoming` rule): nothing else tells the badges, so the background pass calls this. Their number."""
    ended = func.coalesce(Meeting.ends_at, Meeting.starts_at)
    ids = list(db.session.scalars(select(Meeting.id).where(Meeting.status.in_(("published", "adjourned")),
                                                           ended > since, ended <= now)))
    if ids:
        changed(meetings=ids)
    db.session.commit()
    return len(ids)


def install() -> None:
    """Hook every session's commit (once per process); a rollback forgets what was pending."""
    if not event.contains(Session, "before_commit", _count_before_commit):
        event.listen(Session, "before_commit", _count_before_commit)
        event.listen(Session, "after_soft_rollback", lambda session, previous: session.info.pop(_CHANGED, None))


# --- shared rules ----------------------------------------------------------------------------------------

def upcoming(now: datetime):
    """Live, or published/adjourned and not yet over: the rule of meetings.is_upcoming (the "upcoming" list),
    in SQL. A meeting past its time drops out at the next count, as it drops off that list."""
    return or_(Meeting.status == "live",
               and_(Meeting.status.in_(("published", "adjourned")),
                    func.coalesce(Meeting.ends_at, Meeting.starts_at) >= now))


def _who(ids) -> tuple[list[int], set[int], set[int]]:
    """(the active among `ids`, those of them who read everything: secretariat and administrators, the
    archivists): looked up once, not per counted row — a correlated lookup per (member, document) row was a
    third of counting 500 inboxes."""
    rows = db.session.execute(select(User.id, UserRole.role).outerjoin(UserRole, UserRole.user_id == User.id)
                              .where(User.id.in_(ids), User.active)).all()
    staff = {user_id for user_id, role in rows if role in ("secretariat", "admin")}
    return sorted({user_id for user_id, _ in rows}), staff, {user_id for user_id, role in rows if role == "archivist"}


class _PeopleFirst(Join):
    """An inner join SQLite must walk from its left side: the people, in the order of their ids, so their rows
    are counted as they come; left to itself it walked the documents first and sorted 30 000 rows to group
    them (half the time of counting 500 inboxes). CROSS JOIN is how SQLite is told; elsewhere, a JOIN."""
    inherit_cache = True


@compiles(_PeopleFirst, "sqlite")
def _cross_join(join, compiler, **kw) -> str:
    left = join.left._compiler_dispatch(compiler, asfrom=True, **{k: v for k, v in kw.items() if k != "asfrom"})
    text = compiler.visit_join(join, **kw)
    if not text.startswith(left + " JOIN "):
        return text  # not the shape expected: the plain join, as slow as before but as right
    return left + " CROSS JOIN " + text[len(left) + len(" JOIN "):]


def _grouped(query) -> dict[int, int]:
    """{user id: rows} of a source's query, whose first column is the user's id."""
    rows = query.subquery()
    user_id = list(rows.c)[0]
    return dict(db.session.execute(select(user_id, func.count()).group_by(user_id)).all())


# --- invitations to answer ---------------------------------------------------------------------------

def _invitations(ids: list[int]):
    return (select(Participant.user_id, Meeting.id.label("meeting_id"), Participant.role)
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .join(User, User.id == Participant.user_id)
            .where(Participant.user_id.in_(ids), User.active, Participant.rsvp == "pending", Meeting.form == "session",
                   upcoming(utcnow())))  # a written consultation is answered, not attended


def invitation_entries(user: User) -> list[Entry]:
    mine = _invitations([user.id]).subquery()
    rows = db.session.execute(select(Meeting.id, Meeting.title, Meeting.starts_at, mine.c.role)
                              .join(mine, mine.c.meeting_id == Meeting.id).order_by(Meeting.starts_at, Meeting.id))
    return [Entry("invitations", m_id, title, starts, m_id, state=role) for m_id, title, starts, role in rows]


# --- documents new or changed since the user last read them ---------------------------------------------

def _unread_documents(ids: list[int]):
    """Documents of the users' upcoming meetings that they may read and whose current version they have not
    opened. The reading rule of permissions._may_read_document, in SQL: the secretariat reads everything;
    a guest (unless an archivist) not what hangs under a confidential item; a confidential document only its
    named readers. Withdrawn documents are nobody's to read here."""
    # Each document of an upcoming meeting once, with what the rule needs of it (its current version, whether
    # it hangs under a confidential item): worked out per document, not again for each of 500 members.
    current, item, parent = aliased(DocumentVersion), aliased(AgendaItem), aliased(AgendaItem)
    latest = (select(DocumentVersion.document_id, func.max(DocumentVersion.number).label("number"))
              .join(Document, Document.id == DocumentVersion.document_id)
              .join(Meeting, Meeting.id == Document.meeting_id)
              .where(upcoming(utcnow()), Document.withdrawn_at.is_(None))
              .group_by(DocumentVersion.document_id).subquery())
    documents = (select(Document.id.label("document_id"), Document.meeting_id, Document.access,
                        current.id.label("version_id"), current.number.label("version"),
                        or_(func.coalesce(item.confidential, false()),
                            func.coalesce(parent.confidential, false())).label("under_confidential"))
                 .join(latest, latest.c.document_id == Document.id)
                 .join(current, and_(current.document_id == Document.id, current.number == latest.c.number))
                 .outerjoin(item, item.id == Document.agenda_item_id)
                 .outerjoin(parent, parent.id == item.parent_id)
                 .cte("upcoming_documents").prefix_with("MATERIALIZED"))
    active, staff, archivists = _who(ids)
    opened = aliased(DocumentRead)
    sees_item = or_(Participant.role != "guest", Participant.user_id.in_(sorted(archivists)),
                    ~documents.c.under_confidential)
    named = exists().where(DocumentReader.document_id == documents.c.document_id,
                           DocumentReader.user_id == Participant.user_id)
    return (select(Participant.user_id, documents.c.document_id, documents.c.version)
            .select_from(_PeopleFirst(Participant.__table__, documents, documents.c.meeting_id == Participant.meeting_id)
                         .outerjoin(opened, and_(opened.version_id == documents.c.version_id,
                                                 opened.user_id == Participant.user_id)))
            .where(Participant.user_id.in_(active), opened.id.is_(None),  # never opened: an anti-join
                   or_(Participant.user_id.in_(sorted(staff)),
                       and_(sees_item, or_(documents.c.access != "confidential", named)))))


def document_entries(user: User) -> list[Entry]:
    """Each document once, "updated" when an earlier version was opened, else "new". The permission module
    has the last word on every title shown (the SQL above is its mirror, kept equal by the tests)."""
    mine = _unread_documents([user.id]).subquery()
    rows = db.session.execute(select(Document, Meeting.title, Meeting.starts_at, mine.c.version)
                              .join(mine, mine.c.document_id == Document.id)
                              .join(Meeting, Meeting.id == Document.meeting_id)
                              .order_by(Meeting.starts_at, Meeting.id, Document.position, Document.id)).all()
    opened_before = set(db.session.scalars(
        select(DocumentVersion.document_id).join(DocumentRead, DocumentRead.version_id == DocumentVersion.id)
        .where(DocumentRead.user_id == user.id, DocumentVersion.document_id.in_([row[0].id for row in rows]))))
    return [Entry("documents", document.meeting_id, meeting_title, starts_at, document.id,
                  title=document.title, state="updated" if document.id in opened_before else "new",
                  extra={"version": number})
            for document, meeting_title, starts_at, number in rows if may(user, "document.read", document)]


# --- minutes awaiting this user's signature ------------------------------------------------------------

def _minutes_to_sign(ids: list[int]):
    """The rule of minutes_signing.awaiting_signature: signed after the close, the secretary first (minutes
    still `draft`: no signature on the current revision), then the chair (`signing`)."""
    return (select(Participant.user_id, Meeting.id.label("meeting_id"), Minutes.id.label("minutes_id"),
                   Participant.role)
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .join(User, User.id == Participant.user_id)
            .join(Minutes, Minutes.meeting_id == Meeting.id)
            .where(Participant.user_id.in_(ids), User.active, Meeting.status == "closed",
                   or_(and_(Minutes.status == "draft", Participant.role == "secretary"),
                       and_(Minutes.status == "signing", Participant.role == "chair"))))


def minutes_entries(user: User) -> list[Entry]:
    mine = _minutes_to_sign([user.id]).subquery()
    rows = db.session.execute(select(Meeting.id, Meeting.title, Meeting.starts_at, mine.c.minutes_id, mine.c.role)
                              .join(mine, mine.c.meeting_id == Meeting.id).order_by(Meeting.starts_at, Meeting.id))
    return [Entry("minutes", m_id, title, starts, minutes_id, state=role)
            for m_id, title, starts, minutes_id, role in rows]


# --- written consultations: to answer before the deadline, a result for the chair to sign ----------------

def _consultations_to_answer(ids: list[int]):
    """Sent, before the deadline, asked of the user (chair, member) and not answered by them."""
    answered = exists().where(ConsultationResponse.meeting_id == Meeting.id,
                              ConsultationResponse.user_id == Participant.user_id)
    return (select(Participant.user_id, Meeting.id.label("meeting_id"), Consultation.deadline)
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .join(Consultation, Consultation.meeting_id == Meeting.id)
            .join(User, User.id == Participant.user_id)
            .where(Participant.user_id.in_(ids), User.active, Participant.role.in_(VOTING_ROLES),
                   Meeting.status == "published", Consultation.deadline > utcnow(), ~answered))


def consultation_entries(user: User) -> list[Entry]:
    mine = _consultations_to_answer([user.id]).subquery()
    rows = db.session.execute(select(Meeting.id, Meeting.title, mine.c.deadline)
                              .join(mine, mine.c.meeting_id == Meeting.id).order_by(mine.c.deadline, Meeting.id))
    return [Entry("consultations", m_id, title, deadline, m_id, title=title) for m_id, title, deadline in rows]


def _results_to_sign(ids: list[int]):
    return (select(Participant.user_id, Meeting.id.label("meeting_id"))
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .join(Consultation, Consultation.meeting_id == Meeting.id)
            .join(User, User.id == Participant.user_id)
            .where(Participant.user_id.in_(ids), User.active, Participant.role == "chair",
                   Meeting.status == "closed", Consultation.signed_sha256.is_(None)))


def result_entries(user: User) -> list[Entry]:
    mine = _results_to_sign([user.id]).subquery()
    rows = db.session.execute(select(Meeting.id, Meeting.title, Consultation.deadline)
                              .join(mine, mine.c.meeting_id == Meeting.id)
                              .join(Consultation, Consultation.meeting_id == Meeting.id)
                              .order_by(Consultation.deadline, Meeting.id))
    return [Entry("consultation_results", m_id, title, deadline, m_id, title=title) for m_id, title, deadline in rows]


# --- tables of comments on drafts forwarded to the drafting unit, not yet opened since ------------------------

def _draft_tables(ids: list[int]):
    """Forwarded to the user (one of the drafting unit's), not opened since, the document not withdrawn."""
    return (select(DraftRecipient.user_id, DraftConsultation.document_id)
            .join(DraftConsultation, DraftConsultation.document_id == DraftRecipient.document_id)
            .join(Document, Document.id == DraftConsultation.document_id)
            .join(User, User.id == DraftRecipient.user_id)
            .where(DraftRecipient.user_id.in_(ids), User.active, DraftConsultation.forwarded_at.is_not(None),
                   DraftRecipient.opened_at.is_(None), Document.withdrawn_at.is_(None),
                   or_(Document.access != "confidential",  # permissions._may_read_draft_table, in SQL
                       exists().where(DocumentReader.document_id == Document.id,
                                      DocumentReader.user_id == DraftRecipient.user_id))))


def draft_table_entries(user: User) -> list[Entry]:
    mine = _draft_tables([user.id]).subquery()
    rows = db.session.execute(select(Document, Meeting.title, DraftConsultation.forwarded_at)
                              .join(mine, mine.c.document_id == Document.id)
                              .join(DraftConsultation, DraftConsultation.document_id == Document.id)
                              .join(Meeting, Meeting.id == Document.meeting_id)
                              .order_by(DraftConsultation.forwarded_at, Document.id)).all()
    return [Entry("draft_tables", document.meeting_id, meeting_title, forwarded_at, document.id, title=document.title)
            for document, meeting_title, forwarded_at in rows]


register(Source("invitations", _l("Invitations to answer"), invitation_entries,
                lambda ids: _grouped(_invitations(ids)),
                lambda e: ("meetings.detail", {"meeting_id": e.meeting_id, "_anchor": "rsvp"})))
register(Source("documents", _l("New or updated documents"), document_entries,
                lambda ids: _grouped(_unread_documents(ids)),
                lambda e: ("documents.viewer", {"document_id": e.ref_id})))
register(Source("minutes", _l("Minutes to sign"), minutes_entries, lambda ids: _grouped(_minutes_to_sign(ids)),
                lambda e: ("minutes.minutes_page", {"meeting_id": e.meeting_id, "_anchor": "sign"})))
register(Source("consultations", _l("Consultations to answer"), consultation_entries,
                lambda ids: _grouped(_consultations_to_answer(ids)),
                lambda e: ("consultations.detail", {"meeting_id": e.meeting_id, "_anchor": "answer"})))
register(Source("consultation_results", _l("Consultation results to sign"), result_entries,
                lambda ids: _grouped(_results_to_sign(ids)),
                lambda e: ("consultations.detail", {"meeting_id": e.meeting_id, "_anchor": "result"})))
register(Source("draft_tables", _l("Comments on drafts forwarded to you"), draft_table_entries,
                lambda ids: _grouped(_draft_tables(ids)),
                lambda e: ("documents.comments_table", {"document_id": e.ref_id})))
