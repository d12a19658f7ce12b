"""Documents, versions, reader copies (Range, ETag, stamped) and annotations."""
from __future__ import annotations

from urllib.parse import quote

from flask import current_app, jsonify, request, send_file
from flask_babel import lazy_gettext as _l

from ..services import annotations, documents, meetings
from ..services.errors import BadInput, Unavailable
from ..storage import store
from . import api_bp, caller, json_body
from ..presentation.json import annotation_json, document_json, read_json, version_json


def _upload():
    """The multipart `file` part (one PDF); 400 if the request has none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename and not upload.content_length:
        raise BadInput(_l("Choose a PDF file to upload."), code="no_file", field="file")
    return upload


@api_bp.get("/meetings/<int:meeting_id>/documents")
def list_documents(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    return jsonify({"items": [document_json(caller(), d) for d in documents.list_for_meeting(caller(),
                                                                                                  meeting)]})


@api_bp.post("/meetings/<int:meeting_id>/documents")
def upload_document(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    upload = _upload()
    form = request.form
    document = documents.upload_document(
        caller(), meeting, upload.stream, filename=upload.filename or "", title=form.get("title", ""),
        agenda_item_id=form.get("agenda_item_id") or None, access=form.get("access", "participants"),
        readers=form.get("readers") or form.getlist("readers[]") or None)
    return jsonify(document_json(caller(), document)), 201


@api_bp.get("/documents/<int:document_id>")
def get_document(document_id):
    return jsonify(document_json(caller(), documents.get_document(caller(), document_id)))


@api_bp.patch("/documents/<int:document_id>")
def update_document(document_id):
    data = json_body()
    document = documents.update_document(caller(), documents.get_document(caller(), document_id), data)
    return jsonify(document_json(caller(), document))


@api_bp.post("/documents/<int:document_id>/withdraw")
def withdraw_document(document_id):
    document = documents.withdraw_document(caller(), documents.get_document(caller(), document_id))
    return jsonify(document_json(caller(), document))


@api_bp.post("/documents/<int:document_id>/restore")
def restore_document(document_id):
    document = documents.restore_document(caller(), documents.get_document(caller(), document_id))
    return jsonify(document_json(caller(), document))


@api_bp.delete("/documents/<int:document_id>")
def delete_document(document_id):
    documents.delete_document(caller(), documents.get_document(caller(), document_id))
    return "", 204


@api_bp.post("/documents/<int:document_id>/versions")
def add_version(document_id):
    document = documents.get_document(caller(), document_id)
    upload = _upload()
    documents.add_version(caller(), document, upload.stream, filename=upload.filename or "")
    return jsonify(document_json(caller(), document)), 201


@api_bp.get("/documents/<int:document_id>/versions")
def list_versions(document_id):
    document = documents.get_document(caller(), document_id)
    return jsonify({"items": [version_json(v) for v in reversed(document.versions)]})


@api_bp.get("/documents/<int:document_id>/reads")
def list_reads(document_id):
    document = documents.get_document(caller(), document_id)
    return jsonify({"items": [read_json(r) for r in documents.reads_of(caller(), document)]})


@api_bp.get("/documents/<int:document_id>/file")
def document_file(document_id):
    """The PDF as this reader may have it: Range requests (206), ETag/If-None-Match (304), stamped copies."""
    document = documents.get_document(caller(), document_id)
    version = documents.get_version(document, request.args.get("version"))
    digest = documents.reader_copy(caller(), document, version)
    range_header = request.headers.get("Range", "")
    opening = not range_header or range_header.replace(" ", "").startswith("bytes=0-")
    offline = request.headers.get("X-Cabinet-Prefetch") == "offline"
    if opening and not offline:
        documents.record_read(caller(), version)  # once per opening; saving for offline is not reading
    if opening:
        documents.record_access(caller(), document, version, "offline" if offline else "read")
    path = store().path(digest)
    if not path.exists():
        raise Unavailable(_l("The file is missing from storage."), code="file_missing")
    response = send_file(path, mimetype="application/pdf", conditional=True, etag=digest, max_age=0,
                         download_name=documents.clean_file_name(version.filename) or f"document-{document.id}.pdf")
    response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
        "attachment", "inline", 1)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@api_bp.get("/documents/<int:document_id>/annotated.pdf")
def annotated_copy(document_id):
    """The reader's copy (stamped where the access level asks) with their annotations as PDF annotations."""
    document = documents.get_document(caller(), document_id)
    version = documents.get_version(document, request.args.get("version"))
    digest = documents.reader_copy(caller(), document, version)
    mine = [a for a in annotations.list_annotations(caller(), document, version) if a.user_id == caller().id]
    notes = [{**annotation_json(caller(), a), "author": caller().full_name} for a in mine]
    data = documents.annotated_pdf(digest, notes, document.id)  # before any write: no lock held meanwhile
    documents.record_access(caller(), document, version, "annotated")
    stem = (version.filename or "document.pdf").rsplit(".", 1)[0]
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(stem)}-ghi-chu.pdf"
    return response


def _quote(text: str) -> str:
    return quote(text, safe="")


@api_bp.get("/documents/<int:document_id>/annotations")
def list_annotations(document_id):
    document = documents.get_document(caller(), document_id)
    version = documents.get_version(document, request.args.get("version"))
    items = annotations.list_annotations(caller(), document, version)
    return jsonify({"items": [annotation_json(caller(), a) for a in items]})


@api_bp.post("/documents/<int:document_id>/annotations")
def create_annotation(document_id):
    data = json_body()
    document = documents.get_document(caller(), document_id)
    annotation, created = annotations.create_annotation(caller(), document, data)
    return jsonify(annotation_json(caller(), annotation)), 201 if created else 200


@api_bp.patch("/annotations/<int:annotation_id>")
def update_annotation(annotation_id):
    data = json_body()
    annotation = annotations.update_annotation(caller(), annotations.get_annotation(caller(),
                                                                                         annotation_id), data)
    return jsonify(annotation_json(caller(), annotation))


@api_bp.delete("/annotations/<int:annotation_id>")
def delete_annotation(annotation_id):
    annotations.delete_annotation(caller(), annotations.get_annotation(caller(), annotation_id))
    return "", 204
