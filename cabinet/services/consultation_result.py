"""The result of a written consultation: counted and frozen at the close (`compute`), laid out as a
report in the Decree 30 layout (`render_pdf`, PDF/A in the PDF child like the minutes), signed by the
chair (`sign_result`, pyHanko in the PDF child). Named, not secret: each member's answer is on record.
"""
from __future__ import annotations

import json
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Consultation, ConsultationResponse, User
from ..models.types import utcnow
from ..outbox import publish
from ..storage import store
from .errors import Conflict, NotAllowed
from .pdf_render import render_html
from .minutes import issuer_lines
from .minutes_record import date_line, local, percent
from .permissions import meeting_role, require

log = logging.getLogger(__name__)
CHOICES = (("agree", "Đồng ý"), ("disagree", "Không đồng ý"), ("other", "Ý kiến khác"))
NOT_ANSWERED = "Không trả lời"


def compute(consultation: Consultation) -> dict:
    """Every question's counts (of all members consulted), the names behind each, the opinions quoted,
    and whether it passed: a choice question passes when more than `pass_ratio` of ALL members agree."""
    from .consultations import consulted
    members = consulted(consultation)
    responses = {r.user_id: r for r in db.session.scalars(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id))}
    total = len(members)
    needed = int(total * consultation.pass_ratio) + 1  # "more than half": 13 of 25, 11 of 20
    questions = []
    for number, question in enumerate(consultation.questions, start=1):
        answers = []
        for participant in members:
            response = responses.get(participant.user_id)
            found = next((a for a in response.answers if a.question_id == question.id), None) if response else None
            answers.append({"user_id": participant.user_id, "name": participant.user.full_name,
                            "choice": found.choice if found else None, "text": found.text if found else ""})
        entry = {"question_id": question.id, "number": number, "text": question.text, "kind": question.kind,
                 "opinions": [{"name": a["name"], "text": a["text"]} for a in answers if a["text"]],
                 "not_answered": [a["name"] for a in answers if a["choice"] is None and not a["text"]]}
        if question.kind == "choice":
            entry["counts"] = {key: sum(1 for a in answers if a["choice"] == key) for key, _label in CHOICES}
            entry["names"] = {key: [a["name"] for a in answers if a["choice"] == key] for key, _label in CHOICES}
            entry["passed"] = entry["counts"]["agree"] >= needed
        questions.append(entry)
    meeting = consultation.meeting
    chair = next((p.user.full_name for p in members if p.role == "chair"), "")
    return {"title": meeting.title, "description": meeting.description, "deadline": consultation.deadline.isoformat(),
            "sent_at": consultation.sent_at.isoformat() if consultation.sent_at else None,
            "closed_at": utcnow().isoformat(), "total": total, "answered": sum(1 for p in members if p.user_id in responses),
            "pass_ratio": consultation.pass_ratio, "needed": needed, "chair": chair,
            "body": meeting.body.name if meeting.body else "",
            "body_short": meeting.body.short_name if meeting.body else "",
            "not_answered": [p.user.full_name for p in members if p.user_id not in responses],
            # answers the member signed with a certificate (a result frozen before this key: none signed)
            "signed_answers": _signed_answers(members, responses),
            "questions": questions}


def _signed_answers(members, responses: dict) -> list[dict]:
    return [{"user_id": p.user_id, "name": p.user.full_name, "certificate": responses[p.user_id].certificate_subject,
             "signed_at": responses[p.user_id].signed_at.isoformat()}
            for p in members if p.user_id in responses and responses[p.user_id].signed_sha256]


def with_signers(consultation: Consultation) -> None:
    """A result drawn up early (everyone answered) still takes their signatures until the deadline or the
    chair's signature: its list of signed answers follows them (the counts and answers stay as frozen)."""
    from .consultations import consulted
    responses = {r.user_id: r for r in db.session.scalars(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id))}
    consultation.result = {**consultation.result,
                           "signed_answers": _signed_answers(consulted(consultation), responses)}


def report_view(consultation: Consultation, *, draft: bool) -> dict:
    """What the report template places; every word and number decided here."""
    result = consultation.result
    issuer = (result["body"] or current_app.config["ORGANISATION"]).upper()
    closed = local(result["closed_at"])
    questions = []
    for q in result["questions"]:
        view = {"number": q["number"], "text": q["text"], "kind": q["kind"], "opinions": q["opinions"],
                "not_answered": q["not_answered"]}
        if q["kind"] == "choice":
            view["rows"] = [{"label": label, "count": q["counts"][key], "percent": percent(q["counts"][key], result["total"]),
                             "names": q["names"][key]} for key, label in CHOICES]
            view["outcome"] = (f"Được thông qua ({q['counts']['agree']}/{result['total']} thành viên đồng ý; "
                               f"cần ít nhất {result['needed']})") if q["passed"] else \
                (f"Không được thông qua ({q['counts']['agree']}/{result['total']} thành viên đồng ý; "
                 f"cần ít nhất {result['needed']})")
        questions.append(view)
    sent = local(result["sent_at"]) if result.get("sent_at") else None
    deadline = local(result["deadline"])
    return {
        "draft": draft, "issuer_lines": issuer_lines(issuer), "issuer": issuer,
        "number": f"…/BC-{result['body_short']}" if result["body_short"] else "…/BC",
        "place_date": date_line(current_app.config["ORGANISATION_PLACE"], closed),
        "subject": f"Tổng hợp kết quả lấy ý kiến bằng văn bản về {result['title']}",
        "description": result["description"],
        "sent_line": (f"Phiếu lấy ý kiến gửi ngày {sent:%d/%m/%Y}; " if sent else "") +
                     f"hạn trả lời {deadline:%H} giờ {deadline:%M} ngày {deadline:%d/%m/%Y}.",
        "answered_line": f"Số thành viên được xin ý kiến: {result['total']}; số phiếu trả lời: {result['answered']} "
                         f"({percent(result['answered'], result['total'])}).",
        "rule_line": f"Nội dung được thông qua khi có trên {_share(result['pass_ratio'])} tổng số thành viên đồng ý "
                     f"(ít nhất {result['needed']}/{result['total']}).",
        "not_answered": result["not_answered"], "questions": questions, "chair": result["chair"],
        "signed_line": _signed_line(result)}


def _signed_line(result: dict) -> str:
    """"Phiếu trả lời có chữ ký số: 2/20 (A, B).": who signed their answer form, each by name; nothing for a
    result drawn up before answers could be signed (no key: "0/20" would say nobody did)."""
    if "signed_answers" not in result:
        return ""
    signed = result["signed_answers"]
    names = f" ({', '.join(s['name'] for s in signed)})" if signed else ""
    return f"Phiếu trả lời có chữ ký số: {len(signed)}/{result['answered']}{names}."


def _share(ratio: float) -> str:
    return "một nửa" if abs(ratio - 0.5) < 1e-9 else f"{round(ratio * 100)}%"


def render_pdf(consultation: Consultation, *, draft: bool) -> tuple[bytes, dict]:
    """(PDF/A bytes, signature box) of the report, in the PDF child; the result as JSON attached."""
    template = current_app.jinja_env.get_template("consultations/result_pdf.html")
    html = template.render(doc=report_view(consultation, draft=draft))
    attachments = [{"name": "result.json", "content": json.dumps(consultation.result, ensure_ascii=False, indent=1),
                    "description": "Consultation result (answers of each member, counts)"}]
    return render_html(html, attachments, _l("The report could not be rendered; try again."))


def result_pdf(actor: User, consultation: Consultation) -> bytes:
    """The signed report once the chair signed; the unsigned one (marked draft) before."""
    require(actor, "consultation.result", consultation.meeting)
    if consultation.result is None:
        raise Conflict(_l("The result is drawn up at the deadline."), code="result_not_ready")
    if consultation.signed_sha256:
        return store().path(consultation.signed_sha256).read_bytes()
    signers = len(consultation.result.get("signed_answers") or ())
    key = (consultation.meeting_id, consultation.result_drawn_at, signers)  # a member may sign after an early close
    if key not in _unsigned:  # the result is frozen: drawn once, not once per member opening it
        while len(_unsigned) >= 16:
            _unsigned.pop(next(iter(_unsigned)))
        _unsigned[key] = render_pdf(consultation, draft=True)[0]
    return _unsigned[key]


_unsigned: dict[tuple, bytes] = {}  # per process: (consultation, drawn at) → the unsigned report


def sign_result(actor: User, consultation: Consultation, passphrase) -> Consultation:
    """The chair signs the report (a PAdES signature in its box). Refused before the result is drawn up,
    for anyone but the chair, twice, with a wrong passphrase — and then nothing is written."""
    from . import certificates
    from .minutes_signing import sign_in_child
    require(actor, "consultation.sign", consultation.meeting)
    if consultation.result is None:
        raise Conflict(_l("The result is drawn up at the deadline; it is signed after that."),
                       code="result_not_ready")
    if consultation.signed_sha256:
        raise Conflict(_l("The report is already signed."), code="already_signed")
    if meeting_role(actor, consultation.meeting) != "chair":
        raise NotAllowed(_l("Only the chair signs the report."), code="not_your_turn")
    p12 = certificates.signing_file(actor, passphrase)
    drawn = consultation.result
    pdf, layout = render_pdf(consultation, draft=False)
    box = layout["signature-chair"]
    placement = {"field_name": "Signature_chair", "page": box[0], "box": list(box[1:]),
                 "reason": "Chủ tọa ký báo cáo tổng hợp kết quả lấy ý kiến",
                 "location": current_app.config["ORGANISATION_PLACE"], "signer_label": "CHỦ TỌA",
                 "tsa_url": current_app.config.get("TSA_URL") or None}
    signed, subject = sign_in_child(f"consultation {consultation.meeting_id}", pdf, p12, passphrase, placement)
    from .consultations import _lock
    _lock(consultation)
    db.session.refresh(consultation)
    if consultation.signed_sha256:
        raise Conflict(_l("The report is already signed."), code="already_signed")
    if consultation.result != drawn:  # a member signed their answer meanwhile: the report names them now
        raise Conflict(_l("A member signed their answer while you were signing; sign the report again."),
                       code="changed_while_signing")
    consultation.signed_sha256, consultation.signed_size = store().put_bytes(signed), len(signed)
    consultation.signed_by_id, consultation.signer_name = actor.id, actor.full_name
    consultation.certificate_subject, consultation.signed_at = subject[:500], utcnow()
    publish(db.session, consultation.meeting, "consultation.signed", {"signer": actor.full_name})
    from .notifications import inbox_changed
    inbox_changed(users=[actor.id])
    db.session.flush()
    log.info("consultation %s result signed by %s", consultation.meeting_id, actor.id)
    return consultation
