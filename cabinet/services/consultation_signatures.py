"""A member signs their own answer in a written consultation: the answer laid out as a "Phiếu lấy ý kiến"
(Decree 30 layout, PDF/A in the PDF child, like the result report) and signed with the member's
certificate (pyHanko in the PDF child, like the minutes and the result). Optional: an unsigned answer
counts the same. The signature belongs to the answers it was made over: changing the answer drops it
(services/consultations.answer), and a change that lands while the form is being signed wins — the
signature is then refused, never stored over answers no longer recorded.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Consultation, ConsultationResponse, User
from ..models.types import utcnow
from ..outbox import publish
from ..storage import store
from .consultation_result import CHOICES
from .errors import Conflict, NotFound
from .minutes import issuer_lines
from .minutes_record import date_line, local
from .pdf_render import render_html
from .permissions import meeting_role, require

log = logging.getLogger(__name__)
ROLE_NAMES = {"chair": "Chủ tọa", "member": "Thành viên"}


def form_view(consultation: Consultation, response: ConsultationResponse, *, signed_on=None) -> dict:
    """What the answer form places: the masthead, the subject, each question with this member's answer."""
    meeting = consultation.meeting
    issuer = (meeting.body.name if meeting.body else current_app.config["ORGANISATION"]).upper()
    short = meeting.body.short_name if meeting.body else ""
    labels = dict(CHOICES)
    answers = {a.question_id: a for a in response.answers}
    questions = []
    for number, question in enumerate(consultation.questions, start=1):
        given = answers.get(question.id)
        choice = labels.get(given.choice) if given and given.choice else None
        questions.append({"number": number, "text": question.text, "choice": choice,
                          "opinion": given.text if given else "",
                          "opinion_label": "Ý kiến cụ thể" if question.kind == "choice" else "Trả lời"})
    deadline = local(consultation.deadline.isoformat())
    answered = local(response.answered_at.isoformat())
    return {"issuer_lines": issuer_lines(issuer), "issuer": issuer,
            "number": f"…/PLYK-{short}" if short else "…/PLYK",
            "place_date": date_line(current_app.config["ORGANISATION_PLACE"],
                                    local((signed_on or utcnow()).isoformat())),
            "subject": f"Về {meeting.title}", "member": response.user.full_name,
            "role": ROLE_NAMES.get(meeting_role(response.user, meeting) or "", ""),
            "deadline_line": f"Hạn trả lời: {deadline:%H} giờ {deadline:%M} ngày {deadline:%d/%m/%Y}.",
            "answered_line": f"Trả lời lúc {answered:%H} giờ {answered:%M} ngày {answered:%d/%m/%Y}.",
            "questions": questions}


def render_form(consultation: Consultation, response: ConsultationResponse) -> tuple[bytes, dict]:
    """(PDF/A bytes, signature box) of the member's answer form, in the PDF child."""
    html = current_app.jinja_env.get_template("consultations/answer_pdf.html").render(
        doc=form_view(consultation, response))
    return render_html(html, [], _l("The answer form could not be rendered; try again."))


def _fingerprint(response: ConsultationResponse) -> tuple:
    """What the signed form was made over: every change of the answer bumps `changes`."""
    return (response.id, response.changes, response.answered_at,
            tuple((a.question_id, a.choice, a.text) for a in response.answers))


def _check_open(consultation: Consultation) -> None:
    """An answer is signed until the deadline. A consultation closed early — everyone answered, answers
    cannot change — still takes signatures until then, as long as the chair has not signed the report: the
    last member to answer closes it, and must not lose the right to sign for that."""
    status, passed = consultation.meeting.status, utcnow() >= consultation.deadline
    if status == "draft":
        raise Conflict(_l("The consultation has not been sent yet."), code="not_sent")
    if status == "closed" and (passed or consultation.signed_sha256):
        raise Conflict(_l("The consultation is closed; answers are signed only until the deadline."),
                       code="consultation_closed")
    if passed:
        raise Conflict(_l("The deadline has passed; answers are no longer signed."), code="deadline_passed")


def signable(consultation: Consultation) -> bool:
    """Whether answers may be signed now (the page offers the form only then)."""
    try:
        _check_open(consultation)
    except Conflict:
        return False
    return True


def sign_answer(actor: User, consultation: Consultation, passphrase) -> ConsultationResponse:
    """The member signs the form of their own recorded answer (PAdES). Refused — and nothing written —
    for anyone not consulted, without an answer (not_answered), after the deadline or the close, twice
    (already_signed), without a certificate or with a wrong passphrase, and when the answer changed while
    the form was being signed (changed_while_signing)."""
    from . import certificates
    from .consultations import _lock, progress, response_of
    from .minutes_signing import sign_in_child
    require(actor, "consultation.answer", consultation.meeting)
    _check_open(consultation)
    response = response_of(consultation, actor)
    if response is None:
        raise Conflict(_l("Answer the questions first; then you may sign your answer."), code="not_answered")
    if response.signed_sha256:
        raise Conflict(_l("Your answer is already signed."), code="already_signed")
    p12 = certificates.signing_file(actor, passphrase)
    before = _fingerprint(response)
    pdf, layout = render_form(consultation, response)
    box = layout["signature-member"]
    placement = {"field_name": "Signature_member", "page": box[0], "box": list(box[1:]),
                 "reason": "Thành viên ký phiếu lấy ý kiến", "location": current_app.config["ORGANISATION_PLACE"],
                 "signer_label": "THÀNH VIÊN", "tsa_url": current_app.config.get("TSA_URL") or None}
    signed, subject = sign_in_child(f"consultation {consultation.meeting_id} answer of {actor.id}", pdf, p12,
                                    passphrase, placement)

    _lock(consultation)  # the answer, the close and this signature take the consultation's row in turn
    db.session.refresh(consultation)
    _check_open(consultation)
    current = response_of(consultation, actor)
    if current is not None:
        db.session.refresh(current)
    if current is None or _fingerprint(current) != before:
        raise Conflict(_l("Your answer changed while it was being signed; sign it again."),
                       code="changed_while_signing")
    if current.signed_sha256:
        raise Conflict(_l("Your answer is already signed."), code="already_signed")
    current.signed_sha256, current.signed_size = store().put_bytes(signed), len(signed)
    current.certificate_subject, current.signed_at = subject[:500], utcnow()
    db.session.flush()
    if consultation.result is not None:  # closed early: the drawn-up result names its signers too
        from .consultation_result import with_signers
        with_signers(consultation)
    publish(db.session, consultation.meeting, "consultation.progress", progress(consultation))
    log.info("consultation %s: answer of %s signed", consultation.meeting_id, actor.id)
    return current


def signed_form(actor: User, consultation: Consultation, user_id=None) -> bytes:
    """A signed answer form: the member's own at any time; anyone else's only for the secretariat and the
    chair, and only once the result is drawn up (before, answers are not shown to others). 404 when that
    member did not sign."""
    if user_id is None or user_id == actor.id:
        require(actor, "consultation.answer", consultation.meeting)
        user_id = actor.id
    else:
        require(actor, "consultation.answer_forms", consultation.meeting)
    response = db.session.scalar(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id, ConsultationResponse.user_id == user_id))
    if response is None or not response.signed_sha256:
        raise NotFound(_l("There is no signed answer form."), code="answer_not_signed")
    return store().path(response.signed_sha256).read_bytes()


def signature_json(response: ConsultationResponse | None) -> dict | None:
    """The signature on an answer as the page and REST show it (None: not signed)."""
    if response is None or not response.signed_sha256:
        return None
    return {"signed_at": response.signed_at.isoformat(), "certificate": response.certificate_subject,
            "sha256": response.signed_sha256}
