"""A consultation as JSON (REST and the pages' scripts): what the reader may see of it."""
from __future__ import annotations

from ..models import Consultation, User
from ..services import consultations
from ..services.consultation_signatures import signature_json
from ..services.permissions import may


def consultation_json(actor: User, consultation: Consultation, *, detail: bool = False) -> dict:
    meeting = consultation.meeting
    mine = consultations.response_of(consultation, actor)
    data = {
        "id": meeting.id, "title": meeting.title, "status": meeting.status,
        "deadline": consultation.deadline.isoformat(), "body_id": meeting.body_id,
        "answers_changeable": consultation.answers_changeable, "pass_ratio": consultation.pass_ratio,
        "sent_at": consultation.sent_at.isoformat() if consultation.sent_at else None,
        "progress": consultations.progress(consultation),
        "answered_at": mine.answered_at.isoformat() if mine else None,
        "may_answer": may(actor, "consultation.answer", meeting) and consultations.is_open(consultation),
        "signed": consultation.signed_sha256 is not None,
    }
    if detail:
        data["description"] = meeting.description
        data["questions"] = [{"id": q.id, "number": n, "text": q.text, "kind": q.kind}
                             for n, q in enumerate(consultation.questions, start=1)]
        data["members"] = [{"user_id": p.user_id, "name": p.user.full_name, "role": p.role}
                           for p in meeting.participants]
        data["my_answers"] = [{"question_id": a.question_id, "choice": a.choice, "text": a.text}
                              for a in mine.answers] if mine else None
        data["my_signature"] = signature_json(mine)
        if data["my_signature"]:
            data["my_signature"]["url"] = f"/api/v1/consultations/{meeting.id}/answer.pdf"
        data["documents_url"] = f"/api/v1/meetings/{meeting.id}/documents"
        if consultation.result is not None and may(actor, "consultation.result", meeting):
            data["result"] = consultation.result
            data["result_pdf_url"] = f"/api/v1/consultations/{meeting.id}/result.pdf"
        if consultation.signed_sha256:
            data["signature"] = {"signer": consultation.signer_name, "signed_at": consultation.signed_at.isoformat(),
                                 "certificate": consultation.certificate_subject, "sha256": consultation.signed_sha256}
    return data
