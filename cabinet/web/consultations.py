"""Written consultation pages: the list, preparing one, the page where members read and answer (offline
too: static/js/consultation.js queues the answer in the outbox) and may sign their answer (online: the
server signs), where the secretariat follows who answered, and the result the chair signs."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..extensions import passphrase_limit
from ..presentation.consultations import consultation_json
from ..presentation.json import document_json
from ..services import (accounts, bodies, certificates, consultation_result, consultation_signatures, consultations,
                        documents, meetings)
from ..services.documents import ACCESS_SHORT
from ..services.names import name_key
from ..services.permissions import may, require
from .helpers import actor, attempt, error_context, form_optional, form_text, local_input

consultations_bp = Blueprint("consultations", __name__, url_prefix="/consultations")
MAX_FORM_QUESTIONS = 8


@consultations_bp.before_request
@login_required
def _logged_in():
    """Every page needs a login; the services decide what this user may see."""


@consultations_bp.get("/")
def index():
    user = actor()
    listed = consultations.list_for(user)
    cards = [{"c": c, "mine": consultations.response_of(c, user), "progress": consultations.progress(c),
              "asked": may(user, "consultation.answer", c.meeting)} for c in listed]
    return render_template("consultations/index.html", cards=cards, may_create=may(user, "consultation.create"),
                           status_labels=meetings.STATUS_LABELS)


# --- preparing ----------------------------------------------------------------------------------------


def _form_data() -> dict:
    questions = [{"text": text, "kind": kind} for text, kind in zip(request.form.getlist("question"),
                                                                    request.form.getlist("kind")) if text.strip()]
    return {"title": form_text("title"), "description": form_text("description"),
            "deadline": form_text("deadline"), "body_id": form_optional("body_id"),
            "chair_id": form_optional("chair_id"), "member_ids": request.form.getlist("member_ids"),
            "answers_changeable": "answers_changeable" in request.form, "questions": questions}


def _render_form(values: dict, status: int = 200, **extra):
    people = sorted((u for u in accounts.list_users(actor(), include_inactive=False) if u.has_role("member")),
                    key=lambda u: name_key(u.full_name))  # members of a body, not the office's accounts
    questions = list(values.get("questions") or [])
    questions += [{"text": "", "kind": "choice"}] * (MAX_FORM_QUESTIONS - len(questions))
    return render_template("consultations/form.html", values=values, questions=questions, people=people,
                           bodies=bodies.list_bodies(), **extra), status


@consultations_bp.route("/new", methods=["GET", "POST"])
def create():
    user = actor()
    require(user, "consultation.create")
    if request.method == "GET":
        return _render_form({"member_ids": [], "questions": [{"text": "", "kind": "choice"}]})
    data = _form_data()
    if not data["member_ids"] and data["body_id"]:
        data.pop("member_ids")  # the body's members
    outcome = attempt(consultations.create_consultation, user, data)
    if not outcome.ok:
        values = {**data, "member_ids": [int(i) for i in request.form.getlist("member_ids") if i.isdigit()]}
        return _render_form(values, outcome.error.status, **error_context(outcome))
    flash(_("The consultation was prepared as a draft. Attach its documents, then send it."), "success")
    return redirect(url_for("consultations.detail", meeting_id=outcome.result.meeting_id))


# --- the consultation's page --------------------------------------------------------------------------


def _render_detail(consultation, status: int = 200, **extra):
    user = actor()
    meeting = consultation.meeting
    data = consultation_json(user, consultation, detail=True)
    docs = [document_json(user, d) for d in documents.list_for_meeting(user, meeting)]
    manage = may(user, "consultation.manage", meeting)
    people = consultations.who_answered(user, consultation) if may(user, "consultation.progress", meeting) else None
    mine = {a["question_id"]: a for a in data["my_answers"] or []}
    response = consultations.response_of(consultation, user)
    signing = None
    if response is not None and consultation_signatures.signable(consultation):
        signing = {"signed": response.signed_sha256 is not None,
                   "has_certificate": certificates.certificate_info(user) is not None}
    return render_template(
        "consultations/detail.html", c=consultation, meeting=meeting, data=data, docs=docs, people=people,
        mine=mine, answered_at=response.answered_at if response else None, access_short=ACCESS_SHORT, manage=manage, status_labels=meetings.STATUS_LABELS,
        may_sign=consultations.may_sign(user, consultation), deadline_input=local_input(consultation.deadline),
        my_response=response, signing=signing,
        may_export=meeting.status == "closed" and may(user, "dossier.export", meeting),
        can={"upload": manage and meeting.status == "draft", "reads": manage, "arrange": False},
        result=consultation_result.report_view(consultation, draft=False) if consultation.result else None,
        **extra), status


@consultations_bp.get("/<int:meeting_id>")
def detail(meeting_id):
    return _render_detail(consultations.get_consultation(actor(), meeting_id))


@consultations_bp.post("/<int:meeting_id>/answers")
def answer(meeting_id):
    """The page's form without its script (the script sends it through the outbox, offline too)."""
    user = actor()
    consultation = consultations.get_consultation(user, meeting_id)
    answers = [{"question_id": q.id, "choice": request.form.get(f"choice-{q.id}"),
                "text": request.form.get(f"text-{q.id}", "")} for q in consultation.questions]
    outcome = attempt(consultations.answer, user, consultation,
                      {"answers": answers, "client_id": form_text("client_id")})
    if not outcome.ok:
        return _render_detail(consultation, outcome.error.status, answer_error=outcome.error.message)
    flash(_("Thank you, your answer was recorded."), "success")
    return redirect(url_for("consultations.detail", meeting_id=meeting_id))


@consultations_bp.post("/<int:meeting_id>/<any(send, close):action>")
def move(meeting_id, action):
    user = actor()
    consultation = consultations.get_consultation(user, meeting_id)
    outcome = attempt(consultations.send if action == "send" else consultations.close, user, consultation)
    if not outcome.ok:
        return _render_detail(consultation, outcome.error.status, error=outcome.error.message)
    flash(_("The consultation was sent to its members.") if action == "send"
          else _("The result was drawn up."), "success")
    return redirect(url_for("consultations.detail", meeting_id=meeting_id))


@consultations_bp.post("/<int:meeting_id>/deadline")
def move_deadline(meeting_id):
    user = actor()
    consultation = consultations.get_consultation(user, meeting_id)
    outcome = attempt(consultations.update_consultation, user, consultation, {"deadline": form_text("deadline")})
    if not outcome.ok:
        return _render_detail(consultation, outcome.error.status, error=outcome.error.message)
    flash(_("The deadline was changed."), "success")
    return redirect(url_for("consultations.detail", meeting_id=meeting_id))


@consultations_bp.get("/<int:meeting_id>/result")
def result(meeting_id):
    return redirect(url_for("consultations.detail", meeting_id=meeting_id) + "#result")


@consultations_bp.get("/<int:meeting_id>/result.pdf")
def result_pdf(meeting_id):
    consultation = consultations.get_consultation(actor(), meeting_id)
    data = consultation_result.result_pdf(actor(), consultation)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="ket-qua-lay-y-kien-{meeting_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@consultations_bp.post("/<int:meeting_id>/result/sign")
@passphrase_limit(actor)
def sign(meeting_id):
    user = actor()
    consultation = consultations.get_consultation(user, meeting_id)
    outcome = attempt(consultation_result.sign_result, user, consultation, form_text("passphrase"))
    if not outcome.ok:
        return _render_detail(consultation, outcome.error.status, sign_error=outcome.error.message)
    flash(_("The result report is signed."), "success")
    return redirect(url_for("consultations.detail", meeting_id=meeting_id) + "#result")


@consultations_bp.post("/<int:meeting_id>/answer/sign")
@passphrase_limit(actor)
def sign_answer(meeting_id):
    user = actor()
    consultation = consultations.get_consultation(user, meeting_id)
    outcome = attempt(consultation_signatures.sign_answer, user, consultation, form_text("passphrase"))
    if not outcome.ok:
        return _render_detail(consultation, outcome.error.status, answer_sign_error=outcome.error.message)
    flash(_("Your answer is signed."), "success")
    return redirect(url_for("consultations.detail", meeting_id=meeting_id) + "#answer")


@consultations_bp.get("/<int:meeting_id>/answer.pdf")
def answer_pdf(meeting_id):
    """The member's own signed answer form."""
    consultation = consultations.get_consultation(actor(), meeting_id)
    response = Response(consultation_signatures.signed_form(actor(), consultation), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="phieu-lay-y-kien-{meeting_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
