"""The document viewer: one page that reads a PDF with PDF.js and keeps the reader's annotations.

The page only carries what the viewer script needs to start (the document as the API shapes it, in a
JSON data block, and the labels in the reader's language); the PDF, the annotations and every change
travel through the JSON API (docs/DOCUMENTS.md), so the tablet works the same way offline.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, url_for
from flask_login import login_required

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..presentation.comments import STATUS_LABELS, comment_json, consultation_json
from ..presentation.json import document_json
from ..security import CONTENT_SECURITY_POLICY, asked_from_here
from ..services import accounts, documents, draft_comments
from ..services.permissions import may
from .helpers import actor

documents_bp = Blueprint("documents", __name__, url_prefix="/documents")

# PDF.js decodes JPEG 2000, JBIG2 and ICC colours faster with WebAssembly; the policy decides whether
# the worker may compile it (otherwise PDF.js uses its JavaScript decoders, with no CSP report).
PDF_WASM_ALLOWED = "'wasm-unsafe-eval'" in CONTENT_SECURITY_POLICY


@documents_bp.before_request
@login_required
def _logged_in():
    """The viewer needs a login; the documents service then decides whether this reader may see it."""


@documents_bp.get("/<int:document_id>")
def viewer(document_id: int):
    user = actor()
    document = documents.get_document(user, document_id)  # NotFound (404) for those who may not read it
    data = document_json(user, document)
    consultation = draft_comments.consultation_of(document)
    comments = {"consultation": consultation_json(user, consultation, draft_comments.accepting(consultation)),
                "document_id": document.id, "version_number": document.current_version.number,
                "may_comment": draft_comments.may_comment(user, document),
                "table_url": url_for("documents.comments_table", document_id=document.id)
                if may(user, "draft.manage", document) else None,
                "items": [comment_json(user, c) for c in draft_comments.list_comments(user, document)
                          if c.user_id == user.id]
                if consultation is not None else []}
    return render_template(
        "documents/viewer.html", document=document, data=data, meeting=document.meeting, comments=comments,
        deadline=consultation.deadline if consultation is not None else None,
        meeting_url=url_for("meetings.detail", meeting_id=document.meeting_id),
        pdf_wasm=PDF_WASM_ALLOWED)


@documents_bp.get("/<int:document_id>/comments")
def comments_table(document_id: int):
    """The consolidated table of comments on a draft: the secretariat answers and exports; the drafting
    unit reads it once forwarded."""
    user = actor()
    document, consultation = draft_comments.table_for(user, document_id)
    items = draft_comments.list_comments(user, document) if consultation is not None else []
    manage = may(user, "draft.manage", document)
    if asked_from_here():
        draft_comments.table_opened(user, consultation)
        db.session.commit()
    candidates = []
    if manage:
        candidates = [u for u in accounts.list_users(user, include_inactive=False) if document.access != "confidential"
                      or u.id in document.reader_ids]
    return render_template(
        "documents/comments.html", document=document, meeting=document.meeting, consultation=consultation,
        accepting=draft_comments.accepting(consultation), comments=items, manage=manage, candidates=candidates,
        statuses=STATUS_LABELS, recipient_ids=consultation.recipient_ids if consultation else set(),
        deadline_input=consultation.deadline.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%dT%H:%M")
        if consultation is not None and consultation.deadline else "")
