"""The meeting dossier for the archive: one PDF (cover, agenda, every document in agenda order, the signed
minutes' pages, bookmarks per agenda item, the signed file and the record attached) and one ZIP (original
files, signed minutes, audit log CSV, the JSON record, a manifest with the SHA-256 of every file).

Documents go in only if the person exporting may read them (permissions decide); what is left out is
counted on the cover, never named.

A written consultation has no agenda and no minutes: its dossier (once the result is drawn up) is a cover
naming its questions, deadline and the result of each, its documents, then the result report — the file
the chair signed, or the unsigned rendering marked as such — with result.json in place of record.json.
The same worker command and the same ZIP with its manifest; only the list of parts differs.
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
from ..models import Consultation, ConsultationResponse, Document, Meeting, User
from ..models.types import utcnow
from ..pdf.runner import WorkerFailed, warm_renderer
from ..storage import store
from . import audit, audit_anchor, consultation_result
from .agenda import agenda_tree, in_order
from .archive import RETENTION
from .errors import Conflict, Unavailable
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
    order = {} if meeting.form == "written" else {
        node.item.id: i for i, node in enumerate(in_order(agenda_tree(actor, meeting)))}
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


def _closed_consultation(meeting: Meeting) -> Consultation | None:
    """The consultation behind a written meeting, once its result is drawn up (Conflict before); None for
    a session."""
    if meeting.form != "written":
        return None
    consultation = db.session.get(Consultation, meeting.id)
    if meeting.status != "closed" or consultation is None or consultation.result is None:
        raise Conflict(_l("A consultation's dossier is made once its result is drawn up."),
                       code="consultation_not_closed")
    return consultation


def _report(actor: User, consultation: Consultation, scratch: Path) -> tuple[Path, bool]:
    """(the result report as a file, whether it is the chair-signed one): the signed file when signed, else
    the unsigned rendering, which carries the draft watermark."""
    if consultation.signed_sha256:
        return store().path(consultation.signed_sha256), True
    path = scratch / "bao-cao-chua-ky.pdf"
    path.write_bytes(consultation_result.result_pdf(actor, consultation))
    return path, False


def _report_name(consultation: Consultation, signed: bool) -> str:
    return f"bao-cao-ket-qua-{consultation.meeting_id}-{'da-ky' if signed else 'chua-ky'}.pdf"


def _safe_name(name: str) -> str:
    """A file name for the ZIP: letters, digits, dots and dashes, at most 120 characters, its extension kept."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("_.") or "file"
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return cleaned[:120]
    return f"{stem[:119 - len(extension)].rstrip('_.') or 'file'}.{extension}"


def _signed_answer_forms(consultation: Consultation) -> list[tuple[str, str, Path]]:
    """(file name, member, signed file) of each answer form a member signed, in the order of the list of
    members: the record keeps the answer forms with the result (Decree 30)."""
    from .consultations import consulted
    signed = {r.user_id: r for r in db.session.scalars(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id, ConsultationResponse.signed_sha256.is_not(None)))}
    forms = [p for p in consulted(consultation) if p.user_id in signed]
    return [(f"phieu-tra-loi-{n:02d}-{_safe_name(p.user.full_name)}.pdf", p.user.full_name,
             store().path(signed[p.user_id].signed_sha256)) for n, p in enumerate(forms, 1)]


@contextmanager
def dossier_pdf(actor: User, meeting: Meeting):
    """Yield the path of the dossier PDF (removed afterwards)."""
    require(actor, "dossier.export", meeting)
    consultation = _closed_consultation(meeting)
    documents, withheld = _documents(actor, meeting, "dossier.pdf")
    scratch = store().scratch()
    try:
        if consultation is not None:
            job, then = _consultation_job(actor, consultation, documents, withheld, scratch)
        else:
            job, then = _meeting_job(actor, meeting, documents, withheld, scratch)
        target = scratch / "dossier.pdf"
        try:
            answer = warm_renderer.run({"command": "dossier", "static_dir": current_app.static_folder,
                                        "target": str(target), **job}, timeout=600, then=then)
        except WorkerFailed:
            answer = {"refused": "worker_failed"}
        if "refused" in answer:
            log.warning("dossier of meeting %s failed: %s", meeting.id, answer)
            raise Unavailable(_l("The dossier could not be assembled; try again."), code="dossier_failed")
        log.info("dossier of meeting %s: %s pages, worker %s", meeting.id, answer["pages"], answer.get("seconds"))
        yield target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _meeting_job(actor: User, meeting: Meeting, documents: list[Document], withheld: int, scratch: Path):
    """(the worker's job, its second part) for a session: cover and agenda, documents under their agenda
    items, the signed minutes; record.json attached."""
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

    def with_record() -> dict:
        """The job's second part, made while the worker renders the cover and joins the pages."""
        record_path = scratch / "record.json"
        record_path.write_text(json.dumps(record_of(meeting), ensure_ascii=False, indent=1), encoding="utf-8")
        return {"attachments": [*attachments, {"name": "record.json", "path": str(record_path)}]}

    template = current_app.jinja_env.get_template("minutes/dossier_cover.html")
    cover = template.render(meeting=meeting, tree=tree, documents=documents, withheld=withheld,
                            signature=signature, minutes=minutes, when=local(utcnow().isoformat()),
                            starts=local(meeting.starts_at.isoformat()), exported_by=actor.full_name)
    return {"title": f"Hồ sơ cuộc họp: {meeting.title}", "cover_html": cover, "parts": parts}, with_record


def _consultation_job(actor: User, consultation: Consultation, documents: list[Document], withheld: int,
                      scratch: Path):
    """(the worker's job, its second part) for a consultation: the cover with its questions and result,
    its documents, the result report; result.json (and the signed report as signed) attached."""
    files = store()
    meeting = consultation.meeting
    report_path, signed = _report(actor, consultation, scratch)
    parts = []
    if documents:
        parts.append({"title": "Tài liệu", "level": 0, "path": None, "documents": len(documents)})
        parts += [{"title": d.title, "level": 1, "path": str(files.path(d.current_version.sha256))} for d in documents]
    parts.append({"title": f"Báo cáo kết quả lấy ý kiến ({'đã ký số' if signed else 'chưa ký'})", "level": 0,
                  "path": str(report_path)})
    forms = _signed_answer_forms(consultation)
    if forms:
        parts.append({"title": "Phiếu trả lời có chữ ký số", "level": 0, "path": None, "documents": len(forms)})
        parts += [{"title": member, "level": 1, "path": str(path)} for _name, member, path in forms]
    result_path = scratch / "result.json"
    result_path.write_text(json.dumps(consultation.result, ensure_ascii=False, indent=1), encoding="utf-8")
    attachments = [{"name": "result.json", "path": str(result_path)}]
    if signed:
        attachments.append({"name": _report_name(consultation, True), "path": str(report_path)})
    attachments += [{"name": name, "path": str(path)} for name, _member, path in forms]  # signatures intact
    view = {**consultation_result.report_view(consultation, draft=not signed), "result": consultation.result}
    masthead = {"issuer_lines": view["issuer_lines"], "place_date": view["place_date"],
                "number": f"…/HS-{meeting.body.short_name}" if meeting.body and meeting.body.short_name else "…/HS"}
    result = consultation.result
    template = current_app.jinja_env.get_template("consultations/dossier_cover.html")
    cover = template.render(doc=masthead, view=view, c=consultation, meeting=meeting, documents=documents,
                            withheld=withheld, signed=signed, retention=RETENTION,
                            sent=local(result.get("sent_at")), deadline=local(result["deadline"]),
                            signed_at=local(consultation.signed_at.isoformat()) if signed else None,
                            when=local(utcnow().isoformat()), exported_by=actor.full_name)
    return {"title": f"Hồ sơ lấy ý kiến bằng văn bản: {meeting.title}", "cover_html": cover, "parts": parts,
            "cover_title": "Bìa và kết quả"}, lambda: {"attachments": attachments}


@contextmanager
def dossier_zip(actor: User, meeting: Meeting):
    """Yield the path of the dossier ZIP: originals, signed minutes, audit CSV, record, manifest. For a
    consultation: the result report and result.json instead of the minutes and record.json."""
    require(actor, "dossier.export", meeting)
    consultation = _closed_consultation(meeting)
    documents, withheld = _documents(actor, meeting, "dossier.zip")
    signature, _minutes = _signed_minutes(meeting) if consultation is None else (None, None)
    files = store()
    scratch = files.scratch()
    manifest = {"kind": "meeting" if consultation is None else "consultation",
                "meeting": {"id": meeting.id, "title": meeting.title}, "exported_at": utcnow().isoformat(),
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
                name = _safe_name(version.filename or document.title)
                if not name.lower().endswith(".pdf"):
                    name = f"{name[:116]}.pdf"  # every document is kept as PDF, whatever its upload was called
                add(f"documents/{number:03d}-{name}", path=files.path(version.sha256))
            if consultation is not None:
                report_path, signed = _report(actor, consultation, scratch)
                add(f"report/{_report_name(consultation, signed)}", path=report_path)
                add("result.json", data=json.dumps(consultation.result, ensure_ascii=False, indent=1).encode())
                for name, _member, path in _signed_answer_forms(consultation):
                    add(f"answers/{name}", path=path)
                manifest["report_signed"] = signed
            else:
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
