"""The secretariat's document pages: uploading PDFs to a meeting, and who read which version of one.

Both pages are read-only on the server side: the files travel from static/js/upload.js to the JSON API
(POST /api/v1/meetings/<id>/documents, POST /api/v1/documents/<id>/versions), which checks them.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import format_datetime, format_decimal
from flask_login import login_required

from ..presentation.documents import removal_label_map, removal_labels
from ..services import agenda, documents, meetings
from ..services.documents import ACCESS_LABELS, ACCESS_SHORT
from ..services.permissions import may, require
from .helpers import actor

uploads_bp = Blueprint("uploads", __name__)



@uploads_bp.app_template_filter("moment")
def moment(value):
    """"08:15, 09/12/2025" in Vietnam's time: compact enough for a table."""
    return format_datetime(value, "HH:mm, dd/MM/yyyy") if value else ""


@uploads_bp.app_template_filter("filesize")
def filesize(value):
    """"1,2 MB" / "350 KB", in the reader's number format."""
    if value is None:
        return ""
    if value >= 1024 * 1024:
        return f"{format_decimal(round(value / (1024 * 1024), 1), '#,##0.#')} MB"
    return f"{format_decimal(max(1, round(value / 1024)), '#,##0')} KB"


@uploads_bp.before_request
@login_required
def _logged_in():
    """A login first; the services then decide (404 if the meeting or document is invisible, 403 if not
    the secretariat's)."""


@uploads_bp.get("/meetings/<int:meeting_id>/documents/new")
def upload_page(meeting_id):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    require(user, "document.manage", meeting)
    return render_template(
        "documents/upload.html", meeting=meeting, tree=agenda.agenda_tree(user, meeting),
        access_labels=ACCESS_LABELS, max_mb=current_app.config["MAX_UPLOAD_MB"], removals=removal_label_map(),
        participants=sorted(meeting.participants, key=lambda p: p.user.full_name))


@uploads_bp.get("/documents/<int:document_id>/reads")
def reads_page(document_id):
    user = actor()
    document = documents.get_document(user, document_id)
    reads = documents.reads_of(user, document)
    current = document.current_version
    opened = {read.user_id for read in reads if read.version_id == current.id}
    # Who may read it (the permission module says) but has not opened the current version yet.
    waiting = [p.user for p in sorted(document.meeting.participants, key=lambda p: p.user.full_name)
               if p.user_id not in opened and may(p.user, "document.read", document)]
    return render_template(
        "documents/reads.html", document=document, meeting=document.meeting, reads=reads, waiting=waiting,
        access_short=ACCESS_SHORT, max_mb=current_app.config["MAX_UPLOAD_MB"], removal_labels=removal_labels,
        versions=sorted(document.versions, key=lambda version: version.number, reverse=True))
