"""Minutes over REST: draft from the record, edit in revisions, preview, sign or send back, download;
verify any PDF."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from ..extensions import passphrase_limit
from ..services import meetings, minutes, minutes_signing
from ..services.errors import BadInput, NotFound
from ..services.minutes_record import without_confidential_titles
from ..services.permissions import may
from . import api_bp, caller, json_body


def minutes_json(actor, record) -> dict:
    current = record.current
    return {"id": record.id, "meeting_id": record.meeting_id, "status": record.status,
            "revision": current.number,
            "content": {**current.content, "record": without_confidential_titles(current.content["record"])},
            "next_signer": minutes_signing.next_signer_role(record),
            "may_edit": may(actor, "minutes.manage", record.meeting),
            "may_return": may(actor, "minutes.return", record.meeting) and record.status != "signed",
            "empty_sections": minutes_signing.empty_sections(record),
            "returned": _returned_json(record),
            "signatures": [{"role": s.role, "signer": s.signer_name, "signed_at": s.signed_at.isoformat(),
                            "sha256": s.sha256, "certificate": s.certificate_subject} for s in current.signatures],
            "revisions": [{"number": r.number, "change": r.change, "created_at": r.created_at.isoformat(),
                           "author": r.author.full_name if r.author else None,
                           "signed_by": [s.role for s in r.signatures]} for r in record.revisions],
            "pdf_url": f"/api/v1/minutes/{record.id}/pdf"}


def _returned_json(record) -> dict | None:
    note = minutes.returned_note(record)
    return {**note, "at": note["at"].isoformat()} if note else None


def _pdf(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.post("/meetings/<int:meeting_id>/minutes")
def generate_minutes(meeting_id):
    record = minutes.generate_minutes(caller(), meetings.get_meeting(caller(), meeting_id))
    return jsonify(minutes_json(caller(), record)), 201


@api_bp.get("/meetings/<int:meeting_id>/minutes")
def minutes_of_meeting(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    record = minutes.minutes_of(meeting)
    if record is None:
        raise NotFound(_l("This meeting has no minutes yet."), code="minutes_not_found")
    return jsonify(minutes_json(caller(), minutes.get_minutes(caller(), record.id)))


@api_bp.get("/minutes/<int:minutes_id>")
def get_minutes(minutes_id):
    return jsonify(minutes_json(caller(), minutes.get_minutes(caller(), minutes_id)))


@api_bp.put("/minutes/<int:minutes_id>")
def edit_minutes(minutes_id):
    data = json_body()
    record = minutes.get_minutes(caller(), minutes_id)
    minutes.edit_minutes(caller(), record, data, data.get("base_revision"))
    return jsonify(minutes_json(caller(), record))


@api_bp.post("/minutes/<int:minutes_id>/restore")
def restore_revision(minutes_id):
    record = minutes.get_minutes(caller(), minutes_id)
    minutes.restore_revision(caller(), record, json_body().get("revision"))
    return jsonify(minutes_json(caller(), record))


@api_bp.post("/minutes/<int:minutes_id>/correction")
def open_correction(minutes_id):
    record = minutes.get_minutes(caller(), minutes_id)
    minutes.open_correction(caller(), record, json_body().get("reason"))
    return jsonify(minutes_json(caller(), record))


@api_bp.post("/minutes/<int:minutes_id>/sign")
@passphrase_limit(caller)
def sign_minutes(minutes_id):
    record = minutes.get_minutes(caller(), minutes_id)
    data = json_body()
    minutes_signing.sign_minutes(caller(), record, data.get("passphrase"),
                                 confirm_empty=data.get("confirm_empty"))
    return jsonify(minutes_json(caller(), record))


@api_bp.post("/minutes/<int:minutes_id>/return")
def return_minutes(minutes_id):
    """The chair sends the minutes back to the secretary with a comment (a new draft revision)."""
    record = minutes.get_minutes(caller(), minutes_id)
    minutes.return_minutes(caller(), record, json_body().get("comment"))
    return jsonify(minutes_json(caller(), record))


@api_bp.get("/minutes/<int:minutes_id>/pdf")
def minutes_pdf(minutes_id):
    """The signed file once anyone signed; before that a fresh rendering marked as a draft."""
    record = minutes.get_minutes(caller(), minutes_id)
    signed = minutes_signing.signed_pdf(record)
    if signed is not None:
        return _pdf(signed, f"bien-ban-{record.meeting_id}-r{record.current.number}.pdf")
    data, _layout = minutes.render_pdf(record.current, draft=True)
    return _pdf(data, f"bien-ban-{record.meeting_id}-du-thao.pdf")


@api_bp.post("/minutes/<int:minutes_id>/preview")
def preview_minutes(minutes_id):
    """The PDF of unsaved edits (the editor's live preview); nothing is stored."""
    record = minutes.get_minutes(caller(), minutes_id)
    data = json_body()
    revision = minutes.preview_revision(caller(), record, data)
    pdf, _layout = minutes.render_pdf(revision, draft=True)
    return _pdf(pdf, "preview.pdf")


@api_bp.post("/verify")
def verify_pdf():
    """Anyone logged in: the signature report of an uploaded PDF."""
    from ..presentation.signatures import report_json
    from ..services.verification import verify_upload
    upload = request.files.get("file")
    if upload is None:
        raise BadInput(_l("Choose a PDF file to verify."), code="file_missing", field="file")
    return jsonify(report_json(verify_upload(upload.stream)))
