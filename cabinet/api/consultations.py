"""Written consultations over REST: prepare, send, answer (an offline tablet retries with its client_id),
sign one's answer, follow who answered, close, read and sign the result."""
from __future__ import annotations

from flask import jsonify

from ..extensions import passphrase_limit
from ..presentation.consultations import consultation_json
from ..services import consultation_result, consultation_signatures, consultations
from . import api_bp, caller, json_body
from .minutes import _pdf


def _get(meeting_id):
    return consultations.get_consultation(caller(), meeting_id)


@api_bp.get("/consultations")
def list_consultations():
    return jsonify({"items": [consultation_json(caller(), c) for c in consultations.list_for(caller())]})


@api_bp.post("/consultations")
def create_consultation():
    consultation = consultations.create_consultation(caller(), json_body())
    return jsonify(consultation_json(caller(), consultation, detail=True)), 201


@api_bp.get("/consultations/<int:meeting_id>")
def get_consultation(meeting_id):
    return jsonify(consultation_json(caller(), _get(meeting_id), detail=True))


@api_bp.patch("/consultations/<int:meeting_id>")
def update_consultation(meeting_id):
    consultation = consultations.update_consultation(caller(), _get(meeting_id), json_body())
    return jsonify(consultation_json(caller(), consultation, detail=True))


@api_bp.post("/consultations/<int:meeting_id>/send")
def send_consultation(meeting_id):
    consultation = consultations.send(caller(), _get(meeting_id))
    return jsonify(consultation_json(caller(), consultation, detail=True))


@api_bp.put("/consultations/<int:meeting_id>/answers")
def answer_consultation(meeting_id):
    consultation = _get(meeting_id)
    _response, changed = consultations.answer(caller(), consultation, json_body())
    return jsonify({**consultation_json(caller(), consultation, detail=True), "changed": changed})


@api_bp.post("/consultations/<int:meeting_id>/answer/sign")
@passphrase_limit(caller)
def sign_consultation_answer(meeting_id):
    consultation = _get(meeting_id)
    consultation_signatures.sign_answer(caller(), consultation, json_body().get("passphrase"))
    return jsonify(consultation_json(caller(), consultation, detail=True))


@api_bp.get("/consultations/<int:meeting_id>/answer.pdf")
def consultation_answer_pdf(meeting_id):
    data = consultation_signatures.signed_form(caller(), _get(meeting_id))
    return _pdf(data, f"phieu-lay-y-kien-{meeting_id}.pdf")


@api_bp.get("/consultations/<int:meeting_id>/responses/<int:user_id>/answer.pdf")
def consultation_member_answer_pdf(meeting_id, user_id):
    data = consultation_signatures.signed_form(caller(), _get(meeting_id), user_id)
    return _pdf(data, f"phieu-lay-y-kien-{meeting_id}-{user_id}.pdf")


@api_bp.get("/consultations/<int:meeting_id>/progress")
def consultation_progress(meeting_id):
    consultation = _get(meeting_id)
    people = consultations.who_answered(caller(), consultation)
    return jsonify({**consultations.progress(consultation),
                    "answered_by": [{**p, "answered_at": p["answered_at"].isoformat(),
                                     "signed_at": p["signed_at"].isoformat() if p["signed_at"] else None}
                                    for p in people["answered"]],
                    "waiting": people["waiting"]})


@api_bp.post("/consultations/<int:meeting_id>/close")
def close_consultation(meeting_id):
    consultation = consultations.close(caller(), _get(meeting_id))
    return jsonify(consultation_json(caller(), consultation, detail=True))


@api_bp.get("/consultations/<int:meeting_id>/result.pdf")
def consultation_result_pdf(meeting_id):
    consultation = _get(meeting_id)
    data = consultation_result.result_pdf(caller(), consultation)
    suffix = "" if consultation.signed_sha256 else "-chua-ky"
    return _pdf(data, f"ket-qua-lay-y-kien-{meeting_id}{suffix}.pdf")


@api_bp.post("/consultations/<int:meeting_id>/result/sign")
@passphrase_limit(caller)
def sign_consultation_result(meeting_id):
    consultation = _get(meeting_id)
    consultation_result.sign_result(caller(), consultation, json_body().get("passphrase"))
    return jsonify(consultation_json(caller(), consultation, detail=True))
