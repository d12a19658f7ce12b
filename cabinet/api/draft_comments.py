"""Comments on draft documents: the call for comments, members' comments, answers, and the table's export."""
from __future__ import annotations

from urllib.parse import quote

from flask import current_app, jsonify

from ..presentation.comments import comment_json, consultation_json
from ..services import documents
from ..services import draft_comments as comments
from ..services.draft_comments_export import comments_csv, comments_pdf
from ..security import asked_from_here
from ..services.errors import NotFound
from . import api_bp, caller, json_body


def _consultation(document):
    consultation = comments.consultation_of(document)
    return consultation_json(caller(), consultation, comments.accepting(consultation))


@api_bp.get("/documents/<int:document_id>/consultation")
def get_comment_call(document_id):
    document = documents.get_document(caller(), document_id)
    return jsonify({"consultation": _consultation(document)})


@api_bp.put("/documents/<int:document_id>/consultation")
def set_comment_call(document_id):
    data = json_body()
    document = documents.get_document(caller(), document_id)
    comments.set_consultation(caller(), document, data)
    return jsonify({"consultation": _consultation(document)})


@api_bp.post("/documents/<int:document_id>/consultation/forward")
def forward_comment_table(document_id):
    document = documents.get_document(caller(), document_id)
    comments.forward_table(caller(), document)
    return jsonify({"consultation": _consultation(document)})


@api_bp.get("/documents/<int:document_id>/comments")
def list_comments(document_id):
    """The caller's own comments; everyone's for those who may read the table (drafting unit included)."""
    document, _ = _readable(document_id)
    items = [comment_json(caller(), c) for c in comments.list_comments(caller(), document)]
    if asked_from_here():
        comments.table_opened(caller(), comments.consultation_of(document))  # the drafting unit's: read now
    return jsonify({"items": items})


def _readable(document_id):
    try:
        return documents.get_document(caller(), document_id), None
    except NotFound:
        return comments.get_table_document(caller(), document_id)


@api_bp.post("/documents/<int:document_id>/comments")
def create_comment(document_id):
    data = json_body()
    document = documents.get_document(caller(), document_id)
    comment = comments.create_comment(caller(), document, data)
    return jsonify(comment_json(caller(), comment)), 201


@api_bp.patch("/comments/<int:comment_id>")
def update_comment(comment_id):
    data = json_body()
    comment = comments.update_comment(caller(), comments.get_comment(caller(), comment_id), data)
    return jsonify(comment_json(caller(), comment))


@api_bp.delete("/comments/<int:comment_id>")
def delete_comment(comment_id):
    comments.delete_comment(caller(), comments.get_comment(caller(), comment_id))
    return "", 204


@api_bp.put("/comments/<int:comment_id>/response")
def respond_to_comment(comment_id):
    data = json_body()
    comment = comments.respond(caller(), comments.get_comment(caller(), comment_id), data)
    return jsonify(comment_json(caller(), comment))


def _download(data: bytes, mimetype: str, document, suffix: str):
    response = current_app.response_class(data, mimetype=mimetype)
    name = quote(f"gop-y-tai-lieu-{document.id}.{suffix}", safe="")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/documents/<int:document_id>/comments.csv")
def export_comments_csv(document_id):
    document, _ = comments.get_table_document(caller(), document_id)
    items = comments.list_comments(caller(), document)
    comments.record_export(caller(), document, "csv", len(items))
    return _download(comments_csv(items), "text/csv; charset=utf-8", document, "csv")


@api_bp.get("/documents/<int:document_id>/comments.pdf")
def export_comments_pdf(document_id):
    document, consultation = comments.get_table_document(caller(), document_id)
    items = comments.list_comments(caller(), document)
    data = comments_pdf(document, consultation, items)  # before the audit write: no lock held while rendering
    comments.record_export(caller(), document, "pdf", len(items))
    return _download(data, "application/pdf", document, "pdf")
