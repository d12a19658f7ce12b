"""The archive over REST: the dossier of a meeting or a consultation (PDF, ZIP) and the search of closed
meetings and consultations."""
from __future__ import annotations

from flask import jsonify, request, send_file

from ..services import archive, consultations, dossier, meetings
from . import api_bp, caller


def _send(context, mimetype: str, name: str):
    """Send a file the service built in a scratch folder: the open handle outlives the folder's removal."""
    with context as path:
        handle = path.open("rb")
    response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/meetings/<int:meeting_id>/dossier.pdf")
def dossier_pdf(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    return _send(dossier.dossier_pdf(caller(), meeting), "application/pdf", f"ho-so-cuoc-hop-{meeting.id}.pdf")


@api_bp.get("/meetings/<int:meeting_id>/dossier.zip")
def dossier_zip(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    return _send(dossier.dossier_zip(caller(), meeting), "application/zip", f"ho-so-cuoc-hop-{meeting.id}.zip")


@api_bp.get("/consultations/<int:meeting_id>/dossier.pdf")
def consultation_dossier_pdf(meeting_id):
    meeting = consultations.get_consultation(caller(), meeting_id).meeting
    return _send(dossier.dossier_pdf(caller(), meeting), "application/pdf", f"ho-so-lay-y-kien-{meeting.id}.pdf")


@api_bp.get("/consultations/<int:meeting_id>/dossier.zip")
def consultation_dossier_zip(meeting_id):
    meeting = consultations.get_consultation(caller(), meeting_id).meeting
    return _send(dossier.dossier_zip(caller(), meeting), "application/zip", f"ho-so-lay-y-kien-{meeting.id}.zip")


@api_bp.get("/archive")
def search_archive():
    """Closed meetings and consultations by words (minutes, documents, agenda; questions, result), title,
    body, date range and kind."""
    args = request.args
    hits, total = archive.search(caller(), q=args.get("q", ""), title=args.get("title", ""),
                                 body_id=args.get("body_id") or None, date_from=args.get("from"),
                                 date_to=args.get("to"), kind=args.get("kind", ""),
                                 page=args.get("page", 1, type=int))
    return jsonify({"total": total, "page": args.get("page", 1, type=int), "page_size": archive.PAGE_SIZE,
                    "items": [archive_hit_json(hit) for hit in hits]})


def archive_hit_json(hit) -> dict:
    """A session's hit as before; a consultation's says so (`kind`), links its own page and dossier, and
    gives its deadline and whether the chair signed the report (`consultation`)."""
    meeting, written = hit.meeting, hit.kind == "consultation"
    base = f"/api/v1/consultations/{meeting.id}" if written else f"/api/v1/meetings/{meeting.id}"
    return {"kind": hit.kind, "url": f"/consultations/{meeting.id}" if written else f"/meetings/{meeting.id}",
            "meeting": {"id": meeting.id, "title": meeting.title, "starts_at": meeting.starts_at.isoformat(),
                        "location": meeting.location, "body": meeting.body.name if meeting.body else None},
            "minutes": {"id": hit.minutes.id, "status": hit.minutes.status} if hit.minutes else None,
            "consultation": {"deadline": hit.consultation.deadline.isoformat(),
                             "signed": hit.consultation.signed_sha256 is not None} if hit.consultation else None,
            "matches": [{"kind": e.kind, "id": e.ref_id, "title": e.title} for e in hit.matches],
            "retention": {"period": str(archive.RETENTION["label"]), "basis": archive.RETENTION["basis"]},
            "dossier_pdf": f"{base}/dossier.pdf", "dossier_zip": f"{base}/dossier.zip"}
