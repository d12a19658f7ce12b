"""The document viewer: one page that reads a PDF with PDF.js and keeps the reader's annotations.

The page only carries what the viewer script needs to start (the document as the API shapes it, in a
JSON data block, and the labels in the reader's language); the PDF, the annotations and every change
travel through the JSON API (docs/DOCUMENTS.md), so the tablet works the same way offline.
"""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import login_required

from ..presentation.json import document_json
from ..security import CONTENT_SECURITY_POLICY
from ..services import documents
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
    return render_template(
        "documents/viewer.html", document=document, data=data, meeting=document.meeting,
        meeting_url=url_for("meetings.detail", meeting_id=document.meeting_id),
        pdf_wasm=PDF_WASM_ALLOWED)
