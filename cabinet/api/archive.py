"""The archive over REST: the meeting dossier (PDF, ZIP) and the search of closed meetings."""
from __future__ import annotations

from flask import send_file
from flask_login import current_user

from ..services import dossier, meetings
from . import api_bp


def _send(context, mimetype: str, name: str):
    """Send a file the service built in a scratch folder: the open handle outlives the folder's removal."""
    with context as path:
        handle = path.open("rb")
    response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/meetings/<int:meeting_id>/dossier.pdf")
def dossier_pdf(meeting_id):
    meeting = meetings.get_meeting(current_user, meeting_id)
    return _send(dossier.dossier_pdf(current_user, meeting), "application/pdf", f"ho-so-cuoc-hop-{meeting.id}.pdf")


@api_bp.get("/meetings/<int:meeting_id>/dossier.zip")
def dossier_zip(meeting_id):
    meeting = meetings.get_meeting(current_user, meeting_id)
    return _send(dossier.dossier_zip(current_user, meeting), "application/zip", f"ho-so-cuoc-hop-{meeting.id}.zip")
