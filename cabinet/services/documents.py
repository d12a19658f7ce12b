"""Documents of a meeting: upload (checked before anything is stored), versions, access, reader copies.

The rules are in docs/DOCUMENTS.md: access levels, what the upload check refuses or removes, and
which downloads are stamped with the reader's name.
"""
from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..models import (DOCUMENT_ACCESS, Document, DocumentRead, DocumentReader, DocumentVersion, Meeting,
                      LiveState, StampedCopy, User)
from ..models.types import utcnow
from ..pdf.runner import WorkerFailed, reader_pool, run_pdf_worker
from ..pdf.titles import document_title
from ..outbox import publish
from ..storage import CHUNK, store
from . import audit
from . import validation as v
from .errors import BadInput, Conflict, Invalid, NotFound, TooLarge, Unavailable, UnsupportedMedia
from .meetings import ensure_editable
from .permissions import document_readers, may, require, under_confidential

log = logging.getLogger(__name__)
PDF_MAGIC = b"%PDF-"
ACCESS_LABELS = {"public": _l("Public"), "participants": _l("Participants only"),
                 "confidential": _l("Confidential (named readers)")}
ACCESS_SHORT = {"public": _l("Public"), "participants": _l("Participants"), "confidential": _l("Confidential")}


# --- reading -------------------------------------------------------------------------------------

def get_document(actor: User, document_id) -> Document:
    """The document if the actor may read it; 404 otherwise (its existence is not revealed)."""
    document = db.session.get(Document, document_id) if v.is_id(document_id) else None
    if document is None or not may(actor, "document.read", document):
        raise NotFound(_l("Document not found."), code="document_not_found")
    return document


def list_for_meeting(actor: User, meeting: Meeting) -> list[Document]:
    """The meeting's documents the actor may read, in agenda order then upload order."""
    require(actor, "meeting.view", meeting)
    documents = db.session.scalars(select(Document).where(Document.meeting_id == meeting.id)
                                   .order_by(Document.position, Document.id))
    return [d for d in documents if may(actor, "document.read", d)]


def get_version(document: Document, number=None) -> DocumentVersion:
    if number in (None, ""):
        return document.current_version
    number = v.integer(number, "version", minimum=1)
    version = next((ver for ver in document.versions if ver.number == number), None)
    if version is None:
        raise NotFound(_l("This version does not exist."), code="version_not_found")
    return version


def last_read_version(actor: User, document: Document) -> int | None:
    numbers = db.session.scalars(
        select(DocumentVersion.number).join(DocumentRead, DocumentRead.version_id == DocumentVersion.id)
        .where(DocumentVersion.document_id == document.id, DocumentRead.user_id == actor.id))
    return max(numbers, default=None)


def reads_of(actor: User, document: Document) -> list[DocumentRead]:
    """Who opened which version and when (the secretariat's read tracking)."""
    require(actor, "document.manage", document.meeting)
    return list(db.session.scalars(
        select(DocumentRead).join(DocumentVersion).where(DocumentVersion.document_id == document.id)
        .order_by(DocumentRead.last_opened_at.desc())))


# --- uploading -----------------------------------------------------------------------------------

def receive_upload(stream: BinaryIO, scratch: Path) -> Path:
    """Copy the upload to disk, refusing it as soon as it passes the size limit (memory stays flat)."""
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    path, size = scratch / "upload.pdf", 0
    with path.open("wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(_l("The file is larger than %(mb)d MB.", mb=current_app.config["MAX_UPLOAD_MB"]))
            out.write(chunk)
    if size == 0:
        raise BadInput(_l("The file is empty."), code="empty_file", field="file")
    with path.open("rb") as head:
        start = head.read(1024)
    if PDF_MAGIC not in start:
        raise UnsupportedMedia(_l("This file is not a PDF. Only PDF documents can be uploaded."),
                               code="not_a_pdf")
    return path


def _checked_pdf(stream: BinaryIO) -> tuple[str, int, int, list[str], str | None]:
    """Receive, check and store an upload: (sha256, size, pages, removed active content, /Title metadata).
    The title is read by the same child that checks the file: the hub never parses an upload."""
    files = store()
    scratch = files.scratch()
    try:
        received = receive_upload(stream, scratch)
        cleaned = scratch / "cleaned.pdf"
        try:
            answer = run_pdf_worker({"command": "inspect", "source": str(received), "target": str(cleaned)})
        except WorkerFailed:
            answer = {"refused": "too_complex"}
        refused = answer.get("refused")
        if refused == "encrypted":
            raise Invalid(_l("The PDF is protected by a password. Remove the password (print or save it "
                             "without protection) and upload the unprotected file."), code="pdf_encrypted",
                          field="file")
        if refused == "too_complex":
            raise Invalid(_l("The PDF could not be checked within the limits (it may be damaged or built "
                             "to exhaust the server)."), code="pdf_too_complex", field="file")
        if refused:
            log.info("pdf refused as damaged: %s", answer.get("detail"))
            raise Invalid(_l("The PDF is damaged or incomplete and cannot be read. Save it again from the "
                             "original program and upload it anew."), code="pdf_damaged", field="file")
        kept = cleaned if answer["cleaned"] else received
        size = kept.stat().st_size
        digest = files.put_file(kept)
        return digest, size, answer["pages"], answer["removed"], answer.get("title")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _readers(meeting: Meeting, access: str, reader_ids) -> list[int]:
    if access != "confidential":
        return []
    if isinstance(reader_ids, str):
        reader_ids = [part for part in reader_ids.split(",") if part.strip()]
    ids = [v.integer(r, "readers") for r in (reader_ids or [])]
    invited = {p.user_id for p in meeting.participants}
    if not ids:
        raise Invalid(_l("Name at least one reader for a confidential document."), code="no_readers",
                      field="readers")
    if not set(ids) <= invited:
        raise Invalid(_l("Readers must be participants of the meeting."), code="reader_not_participant",
                      field="readers")
    return sorted(set(ids))


def _agenda_item(meeting: Meeting, item_id, access: str):
    item_id = v.integer(item_id, "agenda_item_id", required=False)
    if item_id is None:
        return None
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise Invalid(_l("The agenda item is not on this meeting's agenda."), code="unknown_item",
                      field="agenda_item_id")
    if access == "public" and under_confidential(meeting, item.id):
        raise Invalid(_l("A document on a confidential agenda item cannot be public."),
                      code="public_on_confidential_item", field="access")
    return item


def clean_file_name(filename: str) -> str:
    """The file's own name without folders or control characters (a CR/LF in it once broke the
    Content-Disposition header of every later download: 500 to every reader)."""
    name = Path((filename or "").replace("\\", "/")).name
    return "".join(ch for ch in name if ch.isprintable()).strip()


def upload_document(actor: User, meeting: Meeting, stream: BinaryIO, *, filename: str = "", title: str = "",
                    agenda_item_id=None, access: str = "participants", readers=None) -> Document:
    """Check and store a PDF as a new document of the meeting (version 1), last under its agenda item;
    announce it after commit. Without a title it takes the PDF's own /Title when that is a real title,
    else one made from the file name (pdf/titles.py)."""
    require(actor, "document.manage", meeting)
    ensure_editable(meeting)
    access = v.choice(access or "participants", "access", DOCUMENT_ACCESS)
    item = _agenda_item(meeting, agenda_item_id, access)
    reader_ids = _readers(meeting, access, readers)
    filename = v.text(clean_file_name(filename) or "document.pdf", "file", max_length=255)
    title = _title(title, required=False)  # refused before the file is read
    digest, size, pages, removed, pdf_title = _checked_pdf(stream)
    title = title or document_title(pdf_title, filename)
    item_id = item.id if item else None
    document = Document(meeting_id=meeting.id, agenda_item_id=item_id, title=title, access=access,
                        created_by_id=actor.id,
                        position=max((d.position for d in _siblings(meeting, item_id)), default=-1) + 1)
    document.versions = [DocumentVersion(number=1, sha256=digest, size=size, page_count=pages,
                                         filename=filename, removed_active_content=removed,
                                         uploaded_by_id=actor.id)]
    document.reader_rows = [DocumentReader(user_id=uid) for uid in reader_ids]
    db.session.add(document)
    db.session.flush()
    _announce(document, "document.published", {"document_id": document.id})
    _inbox_of_readers(document)
    _prepare_copies(document)
    return document


def add_version(actor: User, document: Document, stream: BinaryIO, *, filename: str = "") -> Document:
    """A corrected file for the same document: the old versions stay, readers see "updated"."""
    require(actor, "document.manage", document.meeting)
    ensure_editable(document.meeting)
    _ensure_not_withdrawn(document)
    filename = v.text(clean_file_name(filename) or document.current_version.filename, "file", max_length=255)
    digest, size, pages, removed, _pdf_title = _checked_pdf(stream)
    number = document.current_version.number + 1
    document.versions.append(DocumentVersion(number=number, sha256=digest, size=size, page_count=pages,
                                             filename=filename, removed_active_content=removed,
                                             uploaded_by_id=actor.id))
    db.session.flush()
    _announce(document, "document.version", {"document_id": document.id, "version": number})
    _inbox_of_readers(document)
    _prepare_copies(document)
    return document


def update_document(actor: User, document: Document, data: dict) -> Document:
    """PATCH: rename (`title`), move or reorder (`agenda_item_id`, `position`), change who may read it
    (`access`, `readers`); all checked before anything changes."""
    meeting = document.meeting
    require(actor, "document.manage", meeting)
    ensure_editable(meeting)
    title = _title(data["title"]) if "title" in data else None
    access = v.choice(data.get("access", document.access), "access", DOCUMENT_ACCESS)
    placing = "agenda_item_id" in data or "position" in data
    item = _agenda_item(meeting, data.get("agenda_item_id", document.agenda_item_id), access)
    readers, could_read = None, _readers_now(document)
    if "access" in data or "readers" in data:
        readers = _readers(meeting, access, data.get("readers", sorted(document.reader_ids)))
        document.access = access
        document.reader_rows = [DocumentReader(user_id=uid) for uid in readers]
        db.session.flush()
    if title is not None:
        rename_document(actor, document, title)
    if placing:
        move_document(actor, document, item.id if item else None, data.get("position"))
    if readers is not None:
        _announce(document, "document.published", {"document_id": document.id})
        _inbox_of_readers(document, also=could_read)  # who may read it changed: those before and after
        _prepare_copies(document)
    return document


# --- the secretariat corrects: rename, reorder, move, withdraw ------------------------------------

def _title(value, *, required: bool = True) -> str:
    """A title as people will read it on every tablet and in the record: one line, trimmed."""
    if isinstance(value, str):
        value = " ".join(value.split())
    return v.text(value, "title", max_length=500, required=required)


def _ensure_not_withdrawn(document: Document) -> None:
    if document.withdrawn:
        raise Conflict(_l("The document was withdrawn; restore it first."), code="document_withdrawn")


def _siblings(meeting: Meeting, item_id: int | None, *, without: Document | None = None) -> list[Document]:
    """The documents under one agenda item (None: the whole meeting), in their order, withdrawn ones
    included (they keep their place for a restore)."""
    query = select(Document).where(Document.meeting_id == meeting.id, Document.agenda_item_id.is_(item_id)
                                   if item_id is None else Document.agenda_item_id == item_id)
    rows = db.session.scalars(query.order_by(Document.position, Document.id)).all()
    return [d for d in rows if d is not without]


def rename_document(actor: User, document: Document, title) -> Document:
    """A new title, shown everywhere the document appears from now on (versions and files unchanged)."""
    require(actor, "document.manage", document.meeting)
    ensure_editable(document.meeting)
    title = _title(title)
    if title == document.title:
        return document
    document.title = title
    db.session.flush()
    audit.record(db.session, "document.rename", actor=actor, obj=document)  # (the titles: the update entry)
    _announce(document, "document.updated", {"document_id": document.id})
    return document


def move_document(actor: User, document: Document, item_id, position=None) -> Document:
    """Put the document under agenda item `item_id` (None: the whole meeting) at `position` (0 first;
    None: last) among the documents there, withdrawn ones counted."""
    meeting = document.meeting
    require(actor, "document.manage", meeting)
    ensure_editable(meeting)
    item = _agenda_item(meeting, item_id, document.access)
    target_id = item.id if item else None
    siblings = _siblings(meeting, target_id, without=document)
    position = v.integer(position, "position", minimum=0, maximum=len(siblings), required=False)
    position = len(siblings) if position is None else position
    before, could_read = (document.agenda_item_id, document.position), _readers_now(document)
    if target_id != document.agenda_item_id:
        for index, other in enumerate(_siblings(meeting, document.agenda_item_id, without=document)):
            other.position = index  # close the gap it leaves
    siblings.insert(position, document)
    for index, other in enumerate(siblings):
        other.position = index
    document.agenda_item_id = target_id
    if before == (target_id, position):
        return document
    db.session.flush()
    audit.record(db.session, "document.move", actor=actor, obj=document,
                 details={"from_item": before[0], "to_item": target_id, "position": position})
    _announce(document, "document.updated", {"document_id": document.id})
    if target_id != before[0]:
        _inbox_of_readers(document, also=could_read)  # onto or off a confidential item: guests gain or lose it
    return document


def withdraw_document(actor: User, document: Document) -> Document:
    """Rút tài liệu: hidden from everyone but the secretariat (tablets drop it, and their offline copies at
    the next sync); its rows, versions and files stay, and restore_document brings it back."""
    require(actor, "document.manage", document.meeting)
    ensure_editable(document.meeting)
    if document.withdrawn:
        return document
    _announce(document, "document.withdrawn", {"document_id": document.id})  # to those who could read it
    _inbox_of_readers(document)  # those who could read it: taken before it is withdrawn
    document.withdrawn_at, document.withdrawn_by_id = utcnow(), actor.id
    _stop_presenting(document)
    db.session.flush()
    audit.record(db.session, "document.withdraw", actor=actor, obj=document,
                 details={"version": document.current_version.number})
    return document


def _stop_presenting(document: Document) -> None:
    """A withdrawn document the room was following stops being presented: the tablets stay on the current
    item, as when the chair moves (agenda.current clears what was presented)."""
    state = db.session.get(LiveState, document.meeting_id)
    if state is not None and state.presenting_document_id == document.id:
        state.presenting_document_id, state.presenting_page = None, None
        publish(db.session, document.meeting, "agenda.current", {"item_id": state.current_item_id})


def restore_document(actor: User, document: Document) -> Document:
    """A withdrawn document back where it was, for those who may read it."""
    require(actor, "document.manage", document.meeting)
    ensure_editable(document.meeting)
    if not document.withdrawn:
        return document
    document.withdrawn_at, document.withdrawn_by_id = None, None
    db.session.flush()
    audit.record(db.session, "document.restore", actor=actor, obj=document)
    _announce(document, "document.published", {"document_id": document.id})
    _inbox_of_readers(document)
    _prepare_copies(document)
    return document


def delete_document(actor: User, document: Document) -> None:
    require(actor, "document.manage", document.meeting)
    ensure_editable(document.meeting)
    _inbox_of_readers(document)
    db.session.delete(document)
    db.session.flush()


def _prepare_copies(document: Document) -> None:
    from .copies_ahead import prepare_after_commit  # (it uses this module)
    prepare_after_commit(document)


def _announce(document: Document, name: str, payload: dict) -> None:
    """Ids only; a confidential document is announced only to its readers, a withdrawn one to nobody (the
    others, the secretariat among them, see a gap in seq and reload)."""
    only = set() if document.withdrawn else document.reader_ids if document.access == "confidential" else None
    publish(db.session, document.meeting, name, payload, only_users=only)


# --- what a reader receives ----------------------------------------------------------------------

def needs_stamp(document: Document) -> bool:
    return document.access != "public"


def stamp_text(actor: User, when: datetime) -> str:
    local = when.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    return f"Cấp cho {actor.full_name} ({actor.username}) lúc {local:%H:%M %d/%m/%Y} – Cabinet"


def reader_copy(actor: User, document: Document, version: DocumentVersion) -> str:
    """The digest of the bytes this reader gets: the stored file, or a copy stamped with their name
    (made once per reader and version, so Range requests and the ETag stay stable)."""
    if not needs_stamp(document):
        return version.sha256
    existing = db.session.scalar(select(StampedCopy).where(StampedCopy.version_id == version.id,
                                                           StampedCopy.user_id == actor.id))
    if existing is not None and store().exists(existing.sha256):
        return existing.sha256
    # Stamping takes a child process a second or more: give the database connection back meanwhile, or
    # fifty readers opening a document together would exhaust the pool. (Nothing is pending here: the
    # callers read only before this point.)
    now = utcnow()
    version_id, actor_id, source_digest, text = version.id, actor.id, version.sha256, stamp_text(actor, now)
    db.session.commit()
    files = store()
    # A refusal is an error, never a fallback to the unstamped file: a confidential copy must name its reader.
    with _made_by_reader_pool({"command": "stamp", "source": str(files.path(source_digest)), "text": text},
                              _l("The copy for you could not be prepared. Please try again."), "stamp_failed",
                              f"stamping version {version_id}") as target:
        digest = files.put_file(target)
    existing = db.session.scalar(select(StampedCopy).where(StampedCopy.version_id == version_id,
                                                           StampedCopy.user_id == actor_id))
    if existing is not None and store().exists(existing.sha256):
        return existing.sha256  # the same reader's other request got there first: use theirs
    if existing is not None:
        existing.sha256, existing.stamped_at = digest, now
    else:
        try:
            with db.session.begin_nested():
                db.session.add(StampedCopy(version_id=version_id, user_id=actor_id, sha256=digest, stamped_at=now))
        except IntegrityError:
            return db.session.scalar(select(StampedCopy.sha256).where(StampedCopy.version_id == version_id,
                                                                      StampedCopy.user_id == actor_id))
    return digest


def annotated_pdf(digest: str, notes: list[dict], document_id: int) -> bytes:
    """The reader's copy (`digest`, from reader_copy) with `notes` written in as PDF annotations."""
    with _made_by_reader_pool({"command": "annotate", "source": str(store().path(digest)), "notes": notes},
                              _l("The annotated copy could not be prepared. Please try again."), "annotate_failed",
                              f"annotated copy of document {document_id}") as target:
        return target.read_bytes()


@contextmanager
def _made_by_reader_pool(job: dict, failure, code: str, what: str) -> Iterator[Path]:
    """Run `job` in a warm PDF child with a scratch file as its "target" and yield that file (removed
    afterwards); a refusal or a failed child is logged and raised as Unavailable(failure, code)."""
    scratch = store().scratch()
    try:
        target = scratch / "out.pdf"
        try:
            answer = reader_pool.run({**job, "target": str(target)})
        except WorkerFailed:
            answer = {"refused": "worker_failed"}
        if answer.get("refused"):
            log.error("%s failed: %s", what, answer)
            raise Unavailable(failure, code=code)
        yield target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def record_access(actor: User, document: Document, version: DocumentVersion, how: str) -> None:
    """The audit log keeps every confidential file that leaves the server: who, which version, how
    (read, offline, annotated); other access levels are not logged."""
    if document.access == "confidential":
        audit.record(db.session, "document.read_confidential", actor=actor, obj=document,
                     meeting_id=document.meeting_id, details={"version": version.number, "how": how})


def record_read(actor: User, version: DocumentVersion) -> None:
    read = db.session.scalar(select(DocumentRead).where(DocumentRead.version_id == version.id,
                                                        DocumentRead.user_id == actor.id))
    now = utcnow()
    if read is None:
        db.session.add(DocumentRead(version_id=version.id, user_id=actor.id, first_opened_at=now,
                                    last_opened_at=now, opens=1))
        _inbox_changed(users=[actor.id])  # the first opening of this version: one entry fewer
    else:
        read.last_opened_at, read.opens = now, read.opens + 1
    db.session.flush()


def _inbox_changed(**which) -> None:
    from .notifications import inbox_changed  # (notifications reads this area's modules)
    inbox_changed(**which)


def _readers_now(document: Document) -> set[int]:
    """The meeting's participants who may read the document as it stands (the permission module decides)."""
    return document_readers(document)


def _inbox_of_readers(document: Document, also=()) -> None:
    """Their inboxes may change — and only theirs are told: a count pushed to someone who may not read the
    document would hint that a document they may not know of came or went."""
    _inbox_changed(users=_readers_now(document) | set(also))
