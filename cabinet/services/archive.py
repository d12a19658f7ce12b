"""The archive: closed meetings searched by body, date, title and the words of their minutes and documents.

Text is folded (lower case, diacritics removed, đ → d) both when indexed and when searched, so a query
typed without Vietnamese accents still finds the accented text. Full-text matching is the database's:
SQLite FTS5 or a PostgreSQL GIN index on to_tsvector('simple', …).

A meeting is indexed in its closing transaction with what the database holds (title, agenda, minutes,
document titles); the words of its documents come after the close commits: the PDF worker reads them with
no transaction open, one document at a time, and each is written in a short transaction of its own (a
1 000-page PDF held SQLite's write lock for minutes when this ran inside the close). Entries still waiting
are marked `text_pending`, so a restart picks them up (`cabinet serve` at start, `cabinet archive reindex`).

A written consultation (a meeting of form "written") is indexed the same way when its result is drawn up:
its subject, description and questions as the "meeting" entry, the outcome of each question and the quoted
opinions as a "result" entry, its documents as for a session. Before the close it is not in the archive.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, text

from ..config import DEFAULT_TIMEZONE
from ..extensions import db, socketio
from ..models import ArchiveEntry, Consultation, Document, Meeting, Minutes, User
from ..outbox import after_commit
from ..pdf.runner import WorkerFailed, run_pdf_worker
from ..storage import store
from . import validation as v
from .errors import Invalid
from .permissions import may, require

log = logging.getLogger(__name__)
_turn = threading.Lock()  # one extraction at a time per process (green under eventlet)
MAX_TEXT = 500_000  # characters kept per document: enough to find it, bounded for the index
PAGE_SIZE = 50
KINDS = ("meeting", "consultation")  # what the search's `kind` filter takes: a session, or a written consultation
# Circular 10/2022/TT-BNV: records of council sessions and their minutes are kept permanently.
RETENTION = {"label": _l("Permanent"), "basis": "Thông tư 10/2022/TT-BNV"}


def fold(value: str) -> str:
    """"Biên bản Kỳ họp" → "bien ban ky hop": what the index stores and what queries are matched with."""
    value = unicodedata.normalize("NFD", value or "").replace("đ", "d").replace("Đ", "D")
    value = "".join(c for c in value if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", value.lower()).strip()


def _put(meeting_id: int, kind: str, ref_id: int, title: str, body: str) -> ArchiveEntry:
    entry = db.session.scalar(select(ArchiveEntry).where(ArchiveEntry.kind == kind, ArchiveEntry.ref_id == ref_id))
    if entry is None:
        entry = ArchiveEntry(meeting_id=meeting_id, kind=kind, ref_id=ref_id)
        db.session.add(entry)
    entry.title = title[:500]
    entry.folded = fold(f"{title} {body}")
    return entry


def index_minutes(minutes: Minutes) -> None:
    _put(minutes.meeting_id, "minutes", minutes.id, "Biên bản", minutes.current.text)


def index_meeting(meeting: Meeting) -> None:
    """(Re)index a meeting, its agenda, its minutes and its documents' titles, in the caller's transaction;
    the documents' words are marked pending, for `index_pending_texts` once that transaction commits.
    A consultation: its questions instead of an agenda, its result instead of minutes."""
    consultation = db.session.get(Consultation, meeting.id) if meeting.form == "written" else None
    if consultation is not None:
        agenda = " ".join(q.text for q in consultation.questions)
    else:
        agenda = " ".join(f"{i.title} {i.description}" for i in meeting.items)
    _put(meeting.id, "meeting", meeting.id, meeting.title, f"{meeting.description} {meeting.location} {agenda}")
    minutes = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))
    if minutes is not None:
        index_minutes(minutes)
    if consultation is not None and consultation.result:
        _put(meeting.id, "result", meeting.id, "Kết quả lấy ý kiến", result_words(consultation.result))
    for document in db.session.scalars(select(Document).where(Document.meeting_id == meeting.id,
                                                              Document.withdrawn_at.is_(None))):
        _put(meeting.id, "document", document.id, document.title, "").text_pending = True
    db.session.flush()


def result_words(result: dict) -> str:
    """What a consultation's frozen result adds to the index: each question's outcome in the report's words
    ("Được thông qua" / "Không được thông qua") and the opinions quoted (their text, not who wrote it)."""
    words = []
    for question in result["questions"]:
        if question["kind"] == "choice":
            words.append("Được thông qua" if question["passed"] else "Không được thông qua")
        words += [opinion["text"] for opinion in question["opinions"]]
    return " ".join(words)


def index_at_close(meeting: Meeting) -> None:
    """What closing a meeting triggers: its index now, its documents' words in the background after commit."""
    index_meeting(meeting)
    app = current_app._get_current_object()
    after_commit(db.session, lambda: socketio.start_background_task(index_texts_in_background, app))


def index_texts_in_background(app) -> None:
    with _turn, app.app_context():
        try:
            done = index_pending_texts()
            if done:
                log.info("archive: extracted the words of %d document(s)", done)
        except Exception:  # the entries stay pending: the next close, start or reindex takes them up
            log.exception("archive: extracting documents' words failed")
        finally:
            db.session.remove()


def index_pending_texts() -> int:
    """Extract the words of every document still pending, one at a time; no transaction is open while the
    worker reads a PDF. Returns how many were done."""
    done = 0
    while True:
        entry = db.session.scalar(select(ArchiveEntry).where(ArchiveEntry.kind == "document",
                                                             ArchiveEntry.text_pending).order_by(ArchiveEntry.id).limit(1))
        if entry is None:
            db.session.rollback()
            return done
        document = db.session.get(Document, entry.ref_id)
        entry_id, title, digest = entry.id, entry.title, document.current_version.sha256 if document else None
        db.session.rollback()  # end the read: nothing is held while the worker runs
        words = _pdf_text(digest) if digest else ""
        entry = db.session.get(ArchiveEntry, entry_id)
        if entry is not None and entry.text_pending:  # (another process may have done it meanwhile)
            entry.folded, entry.text_pending = fold(f"{title} {words}"), False
            db.session.commit()
        done += 1


def _pdf_text(digest: str) -> str:
    try:
        answer = run_pdf_worker({"command": "text", "source": str(store().path(digest)), "limit": MAX_TEXT})
    except WorkerFailed:
        answer = {"refused": "worker_failed"}
    if "refused" in answer:
        log.warning("archive: no words from file %s: %s", digest[:12], answer)
        return ""
    return answer["text"]


@dataclass
class Hit:
    meeting: Meeting
    matches: list[ArchiveEntry] = field(default_factory=list)
    minutes: Minutes | None = None
    consultation: Consultation | None = None

    @property
    def kind(self) -> str:
        """"consultation" for a written consultation, "meeting" for a session (KINDS)."""
        return "consultation" if self.meeting.form == "written" else "meeting"


def _fts_ids(query: str):
    """Entry ids matching every word of the folded query (the last word as a prefix)."""
    words = re.findall(r"\w+", fold(query))
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(words[:-1] + [words[-1] + ":*"])
        return select(ArchiveEntry.id).where(
            func.to_tsvector(text("'simple'"), ArchiveEntry.folded).op("@@")(
                func.to_tsquery(text("'simple'"), tsquery)))
    match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    return text("SELECT rowid FROM archive_fts WHERE archive_fts MATCH :match").bindparams(match=match.strip())


def search(actor: User, *, q: str = "", title: str = "", body_id=None, date_from=None, date_to=None,
           kind: str = "", page: int = 1) -> tuple[list[Hit], int]:
    """Closed meetings and consultations matching every filter, newest first, with what matched the words;
    (hits, total). `kind`: "meeting" or "consultation" for only those, empty for both."""
    require(actor, "archive.search")
    q = v.text(q or "", "q", max_length=200, required=False)
    kind = v.choice(kind, "kind", KINDS) if kind else ""
    title = v.text(title or "", "title", max_length=200, required=False)
    body_id = v.integer(body_id, "body_id", required=False)
    local = ZoneInfo(DEFAULT_TIMEZONE)
    start, end = _day(date_from, "date_from"), _day(date_to, "date_to")
    if start and end and start > end:
        raise Invalid(_l("The start date is after the end date."), code="invalid_range", field="date_from")
    conditions = [Meeting.status == "closed"]
    if kind:
        conditions.append(Meeting.form == ("written" if kind == "consultation" else "session"))
    if body_id is not None:
        conditions.append(Meeting.body_id == body_id)
    if start:
        conditions.append(Meeting.starts_at >= datetime.combine(start, time.min, local))
    if end:
        conditions.append(Meeting.starts_at < datetime.combine(end + timedelta(days=1), time.min, local))
    if title:  # the title alone: the entry's folded text also holds the agenda, description and questions
        wanted = fold(title)
        titled = [meeting_id for meeting_id, entry_title in db.session.execute(
            select(ArchiveEntry.meeting_id, ArchiveEntry.title).where(
                ArchiveEntry.kind == "meeting", ArchiveEntry.folded.contains(wanted))) if wanted in fold(entry_title)]
        conditions.append(Meeting.id.in_(titled))
    matching = _fts_ids(q) if q else None
    entries_by_meeting: dict[int, list[ArchiveEntry]] = {}
    if matching is not None:
        ids = [row[0] for row in db.session.execute(matching)]
        for entry in db.session.scalars(select(ArchiveEntry).where(ArchiveEntry.id.in_(ids))) if ids else []:
            if _may_see(actor, entry):  # no hints from unreadable text
                entries_by_meeting.setdefault(entry.meeting_id, []).append(entry)
        conditions.append(Meeting.id.in_(list(entries_by_meeting) or [-1]))
    meetings = db.session.scalars(select(Meeting).where(and_(*conditions)).order_by(Meeting.starts_at.desc())).all()
    visible = [m for m in meetings if may(actor, "meeting.view", m)]
    page = max(1, page)
    chosen = visible[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    minutes = {m.meeting_id: m for m in db.session.scalars(
        select(Minutes).where(Minutes.meeting_id.in_([m.id for m in chosen])))} if chosen else {}
    written = [m.id for m in chosen if m.form == "written"]
    results = {c.meeting_id: c for c in db.session.scalars(
        select(Consultation).where(Consultation.meeting_id.in_(written)))} if written else {}
    return [Hit(m, entries_by_meeting.get(m.id, []), minutes.get(m.id), results.get(m.id)) for m in chosen], len(visible)


def _may_see(actor: User, entry: ArchiveEntry) -> bool:
    """Whether a matching entry may count (and be named) for this actor: a document only for its readers,
    a consultation's result only for those who may read the result."""
    if entry.kind == "document":
        document = db.session.get(Document, entry.ref_id)
        return document is not None and may(actor, "document.read", document)
    if entry.kind == "result":
        meeting = db.session.get(Meeting, entry.meeting_id)
        return meeting is not None and may(actor, "consultation.result", meeting)
    return True


def _day(value, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_l("Give the date as YYYY-MM-DD."), code="invalid_date", field=field_name)
