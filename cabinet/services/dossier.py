"""The meeting dossier for the archive: one PDF (cover, agenda, every document in agenda order, the signed
minutes' pages, bookmarks per agenda item, the signed file and the record attached) and one ZIP (original
files, signed minutes, audit log CSV, the JSON record, a manifest with the SHA-256 of every file).

Documents go in only if the person exporting may read them (permissions decide); what is left out is
counted on the cover, never named.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import zipfile
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Document, Meeting, User
from ..models.types import utcnow
from ..pdf.runner import WorkerFailed, warm_renderer
from ..storage import store
from . import audit, audit_anchor
from .agenda import agenda_tree, in_order
from .errors import Unavailable
from .minutes import minutes_of
from .minutes_record import local, record_of
from .permissions import may, require

log = logging.getLogger(__name__)


def _documents(actor: User, meeting: Meeting, how: str) -> tuple[list[Document], int]:
    """(documents the actor may read, in agenda order then upload order; how many were withheld).
    Confidential ones go out unstamped here, so each is an access the audit log records (the caller
    commits before the file leaves)."""
    rows = db.session.scalars(select(Document).where(  # a withdrawn document is not part of the record
        Document.meeting_id == meeting.id, Document.withdrawn_at.is_(None)).order_by(Document.id)).all()
    order = {node.item.id: i for i, node in enumerate(in_order(agenda_tree(actor, meeting)))}
    readable = [d for d in rows if may(actor, "document.read", d)]
    readable.sort(key=lambda d: (order.get(d.agenda_item_id, len(order)), d.position, d.id))
    for document in readable:
        if document.access == "confidential":
            audit.record(db.session, "document.read_confidential", actor=actor, obj=document,
                         details={"version": document.current_version.number, "how": how})
    audit.record(db.session, "meeting.dossier_export", actor=actor, obj=meeting,
                 details={"format": how, "documents": len(readable), "withheld": len(rows) - len(readable)})
    return readable, len(rows) - len(readable)


def _signed_minutes(meeting: Meeting):
    """(signature row of the latest signed file of the current revision, minutes) or (None, minutes)."""
    minutes = minutes_of(meeting)
    if minutes is None or not minutes.current.signatures:
        return None, minutes
    return minutes.current.signatures[-1], minutes


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("_")[:120] or "file"


@contextmanager
def dossier_pdf(actor: User, meeting: Meeting):
    """Yield the path of the dossier PDF (removed afterwards)."""
    require(actor, "dossier.export", meeting)
    documents, withheld = _documents(actor, meeting, "dossier.pdf")
    signature, minutes = _signed_minutes(meeting)
    tree = agenda_tree(actor, meeting)
    files = store()
    parts = []
    for node in in_order(tree):
        mine = [d for d in documents if d.agenda_item_id == node.item.id]
        level = 0 if node.item.parent_id is None else 1
        parts.append({"title": f"{node.number}. {node.item.title}", "level": level, "path": None,
                      "documents": len(mine)})
        parts += [{"title": d.title, "level": level + 1, "path": str(files.path(d.current_version.sha256))}
                  for d in mine]
    loose = [d for d in documents if d.agenda_item_id not in {n.item.id for n in in_order(tree)}]
    if loose:
        parts.append({"title": "Tài liệu chung", "level": 0, "path": None, "documents": len(loose)})
        parts += [{"title": d.title, "level": 1, "path": str(files.path(d.current_version.sha256))} for d in loose]
    attachments = []
    if signature is not None:
        signed_path = str(files.path(signature.sha256))
        parts.append({"title": "Biên bản cuộc họp (đã ký số)", "level": 0, "path": signed_path})
        attachments.append({"name": f"bien-ban-{meeting.id}-da-ky.pdf", "path": signed_path})
    scratch = files.scratch()
    try:
        def with_record() -> dict:
            """The job's second part, made while the worker renders the cover and joins the pages."""
            record_path = scratch / "record.json"
            record_path.write_text(json.dumps(record_of(meeting), ensure_ascii=False, indent=1), encoding="utf-8")
            return {"attachments": [*attachments, {"name": "record.json", "path": str(record_path)}]}

        template = current_app.jinja_env.get_template("minutes/dossier_cover.html")
        cover = template.render(meeting=meeting, tree=tree, documents=documents, withheld=withheld,
                                signature=signature, minutes=minutes, when=local(utcnow().isoformat()),
                                starts=local(meeting.starts_at.isoformat()), exported_by=actor.full_name)
        target = scratch / "dossier.pdf"
        try:
            answer = warm_renderer.run({"command": "dossier", "title": f"Hồ sơ cuộc họp: {meeting.title}",
                                        "cover_html": cover, "static_dir": current_app.static_folder,
                                        "parts": parts, "target": str(target)}, timeout=600, then=with_record)
        except WorkerFailed:
            answer = {"refused": "worker_failed"}
        if "refused" in answer:
            log.warning("dossier of meeting %s failed: %s", meeting.id, answer)
            raise Unavailable(_l("The dossier could not be assembled; try again."), code="dossier_failed")
        log.info("dossier of meeting %s: %s pages, worker %s", meeting.id, answer["pages"], answer.get("seconds"))
        yield target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def dossier_zip(actor: User, meeting: Meeting):
    """Yield the path of the dossier ZIP: originals, signed minutes, audit CSV, record, manifest."""
    require(actor, "dossier.export", meeting)
    documents, withheld = _documents(actor, meeting, "dossier.zip")
    signature, _minutes = _signed_minutes(meeting)
    files = store()
    scratch = files.scratch()
    manifest = {"meeting": {"id": meeting.id, "title": meeting.title}, "exported_at": utcnow().isoformat(),
                "exported_by": actor.full_name, "withheld_documents": withheld, "files": []}
    try:
        target = scratch / "dossier.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            def add(name: str, path: Path | None = None, data: bytes | None = None) -> None:
                digest = hashlib.sha256()
                if path is not None:
                    archive.write(path, name)
                    with path.open("rb") as source:
                        while chunk := source.read(1 << 20):
                            digest.update(chunk)
                    size = path.stat().st_size
                else:
                    archive.writestr(name, data)
                    digest.update(data)
                    size = len(data)
                manifest["files"].append({"name": name, "sha256": digest.hexdigest(), "size": size})

            for number, document in enumerate(documents, 1):
                version = document.current_version
                name = _safe_name(version.filename or f"{document.title}.pdf")
                add(f"documents/{number:03d}-{name}", path=files.path(version.sha256))
            if signature is not None:
                add(f"minutes/bien-ban-{meeting.id}-da-ky.pdf", path=files.path(signature.sha256))
            add("record.json", data=json.dumps(record_of(meeting), ensure_ascii=False, indent=1).encode())
            add("audit-log.csv", data=audit.audit_csv(db.session, meeting_id=meeting.id, reader=actor).encode("utf-8-sig"))
            # The chain's head at export, signed, with every checkpoint before it: kept with the archive,
            # they show later whether the log's rows were cut or rewritten (services/audit_anchor.py).
            if audit_anchor.write_checkpoint(f"dossier of meeting {meeting.id} exported"):
                add("audit-checkpoints.jsonl", path=audit_anchor.checkpoints_path())
            manifest["audit_chain"] = audit_anchor.verify(db.session)
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        yield target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
