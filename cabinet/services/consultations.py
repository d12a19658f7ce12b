"""Written consultation (xin ý kiến bằng văn bản): prepare, send, answer, draw up the result.

The secretariat prepares a consultation (a meeting of form "written": models/consultations.py) for a
body or a chosen list of members, with questions and a deadline, attaches documents through the usual
document pipeline, and sends it. Members answer until the deadline (and change their answer if the body
allows it). The result is drawn up at the deadline — or at once when everyone has answered and answers
cannot change any more — and frozen; the chair then signs its PDF (services/consultation_result.py).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db, socketio
from ..models import (ANSWER_CHOICES, QUESTION_KINDS, VOTING_ROLES, Consultation, ConsultationAnswer,
                      ConsultationQuestion, ConsultationResponse, Meeting, Participant, User)
from ..models.types import utcnow
from ..outbox import publish
from . import validation as v
from .bodies import get_body
from .errors import Conflict, Invalid, NotFound
from .names import name_key
from .permissions import is_archivist, is_secretariat, may, meeting_role, require

log = logging.getLogger(__name__)
MAX_QUESTIONS = 30
MAX_MEMBERS = 1000


# --- reading ------------------------------------------------------------------------------------------


def get_consultation(actor: User, meeting_id) -> Consultation:
    """The consultation if the actor may see it (the meeting's own rule); 404 otherwise."""
    meeting = db.session.get(Meeting, meeting_id) if v.is_id(meeting_id) else None
    if meeting is None or meeting.form != "written" or not may(actor, "meeting.view", meeting):
        raise NotFound(_l("Consultation not found."), code="consultation_not_found")
    return db.session.get(Consultation, meeting.id)


def list_for(actor: User) -> list[Consultation]:
    """The consultations the actor may see: open ones first (nearest deadline first), then the closed."""
    query = select(Consultation).join(Meeting, Meeting.id == Consultation.meeting_id)
    if not is_secretariat(actor):
        consulted = select(Participant.meeting_id).where(Participant.user_id == actor.id)
        visible = Meeting.id.in_(consulted) & (Meeting.status != "draft")
        if is_archivist(actor):
            visible = visible | (Meeting.status == "closed")
        query = query.where(visible)
    found = list(db.session.scalars(query))
    open_ = sorted((c for c in found if c.meeting.status != "closed"), key=lambda c: c.deadline)
    done = sorted((c for c in found if c.meeting.status == "closed"), key=lambda c: c.deadline, reverse=True)
    return open_ + done


def consulted(consultation: Consultation) -> list[Participant]:
    """The members whose answers are asked (chair and members; a guest is informed, not consulted): the
    chair first, then in the Vietnamese order of given names, as lists of members are read."""
    asked = [p for p in consultation.meeting.participants if p.role in VOTING_ROLES]
    return sorted(asked, key=lambda p: (p.role != "chair", name_key(p.user.full_name)))


def response_of(consultation: Consultation, user: User) -> ConsultationResponse | None:
    return db.session.scalar(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id, ConsultationResponse.user_id == user.id))


def progress(consultation: Consultation) -> dict:
    """{answered, signed, total}: counts anyone consulted may see (not who); `signed`: answers signed
    with a certificate (services/consultation_signatures.py)."""
    answered, signed = db.session.execute(select(
        func.count(), func.count(ConsultationResponse.signed_sha256)).select_from(ConsultationResponse).join(
        Participant, (Participant.meeting_id == ConsultationResponse.meeting_id)
        & (Participant.user_id == ConsultationResponse.user_id)).where(
        ConsultationResponse.meeting_id == consultation.meeting_id, Participant.role.in_(VOTING_ROLES))).one()
    return {"answered": answered or 0, "signed": signed or 0, "total": len(consulted(consultation))}


def who_answered(actor: User, consultation: Consultation) -> dict:
    """Names of those who answered (when) and of those who have not: the secretariat and the chair."""
    require(actor, "consultation.progress", consultation.meeting)
    responses = {r.user_id: r for r in db.session.scalars(select(ConsultationResponse).where(
        ConsultationResponse.meeting_id == consultation.meeting_id))}
    answered, waiting = [], []
    for participant in consulted(consultation):
        response = responses.get(participant.user_id)
        person = {"user_id": participant.user_id, "name": participant.user.full_name, "role": participant.role}
        if response:
            answered.append({**person, "answered_at": response.answered_at, "signed_at": response.signed_at})
        else:
            waiting.append(person)
    return {"answered": answered, "waiting": waiting}


def is_open(consultation: Consultation, now=None) -> bool:
    return consultation.meeting.status == "published" and (now or utcnow()) < consultation.deadline


# --- preparing ----------------------------------------------------------------------------------------


def create_consultation(actor: User, data: dict) -> Consultation:
    """A new consultation in draft: subject, deadline, questions, the members (a body's, or chosen) and
    the chair who signs the result."""
    require(actor, "consultation.create")
    meeting = Meeting(form="written", status="draft", mode="in_person", location="", description="", seq=0,
                      created_by_id=actor.id)
    consultation = Consultation(meeting=meeting, pass_ratio=0.5, answers_changeable=False,
                                signer_name="", certificate_subject="")
    with db.session.no_autoflush:
        _apply(consultation, data, creating=True)
    db.session.add_all([meeting, consultation])
    db.session.flush()
    return consultation


def update_consultation(actor: User, consultation: Consultation, data: dict) -> Consultation:
    """Edit a draft; once sent, only the deadline may move (later, never into the past) — the members
    answered the questions as they were."""
    require(actor, "consultation.manage", consultation.meeting)
    status = consultation.meeting.status
    if status == "closed":
        raise Conflict(_l("The consultation is closed; its result is drawn up."), code="consultation_closed")
    if status != "draft" and set(data) - {"deadline"}:
        raise Conflict(_l("The consultation has been sent: only its deadline can still change."),
                       code="consultation_sent")
    before = consultation.deadline
    if status != "draft" and utcnow() >= before:
        raise Conflict(_l("The deadline has passed; the result is being drawn up."), code="deadline_passed")
    with db.session.no_autoflush:
        _apply(consultation, data, creating=False)
    if status != "draft" and consultation.deadline < before:
        raise Conflict(_l("Once sent, the deadline can only move later: members plan their answer by it."),
                       code="deadline_earlier")
    db.session.flush()
    if status != "draft":
        publish(db.session, consultation.meeting, "consultation.changed", {"deadline": consultation.deadline})
    return consultation


def _apply(consultation: Consultation, data: dict, *, creating: bool) -> None:
    meeting = consultation.meeting
    if creating or "title" in data:
        meeting.title = v.line(data.get("title"), "title", max_length=500)
    if "description" in data:
        meeting.description = v.text(data["description"], "description", max_length=20000, required=False)
    if creating or "deadline" in data:
        deadline = v.moment(data.get("deadline"), "deadline")
        if deadline <= utcnow():
            raise Invalid(_l("The deadline must be in the future."), code="deadline_passed", field="deadline")
        consultation.deadline = meeting.starts_at = deadline  # the meeting's moment is the deadline
    if "body_id" in data:
        body_id = v.integer(data["body_id"], "body_id", required=False)
        try:
            meeting.body = get_body(body_id) if body_id is not None else None
        except NotFound:
            raise Invalid(_l("There is no such body."), code="unknown_body", field="body_id")
    if creating or "answers_changeable" in data:
        default = bool(meeting.body and meeting.body.ballot_change_allowed)
        consultation.answers_changeable = v.boolean(data.get("answers_changeable", default), "answers_changeable")
    if "pass_ratio" in data:
        ratio = data["pass_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.5 <= ratio < 1:
            raise Invalid(_l("The share of members needed must be between one half and one."),
                          code="invalid_ratio", field="pass_ratio")
        consultation.pass_ratio = float(ratio)
    if creating or "questions" in data:
        _set_questions(consultation, data.get("questions"))
    if creating or {"member_ids", "chair_id"} & set(data):
        _set_members(consultation, data)


def _set_questions(consultation: Consultation, questions) -> None:
    if not isinstance(questions, list) or not questions:
        raise Invalid(_l("Ask at least one question."), code="no_questions", field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise Invalid(_l("At most %(max)d questions.", max=MAX_QUESTIONS), code="too_many_questions",
                      field="questions")
    rows = []
    for position, question in enumerate(questions):
        if not isinstance(question, dict):
            raise Invalid(_l("Each question needs its text and kind."), code="invalid_type", field="questions")
        rows.append(ConsultationQuestion(position=position, text=v.text(question.get("text"), "question",
                                                                         max_length=2000),
                                         kind=v.choice(question.get("kind") or "choice", "kind", QUESTION_KINDS)))
    consultation.questions[:] = rows


def _set_members(consultation: Consultation, data: dict) -> None:
    """The chair (who signs the result, and answers too) and the members; a body's members when none are
    named."""
    meeting = consultation.meeting
    member_ids = data.get("member_ids")
    if member_ids is None and meeting.body is not None:
        member_ids = [m.user_id for m in meeting.body.members]
    if not isinstance(member_ids, list) or len(member_ids) > MAX_MEMBERS:
        raise Invalid(_l("Choose the members to consult (at most %(max)d).", max=MAX_MEMBERS),
                      code="no_members", field="member_ids")
    chair_id = v.integer(data.get("chair_id"), "chair_id")
    ids = list(dict.fromkeys([chair_id] + [v.integer(i, "member_ids") for i in member_ids]))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    for user_id in ids:
        if user_id not in users or not users[user_id].active:
            raise Invalid(_l("There is no such user, or the account is disabled."), code="unknown_user",
                          field="chair_id" if user_id == chair_id else "member_ids", details={"user_id": user_id})
    if len(ids) < 2:
        raise Invalid(_l("Consult at least one member besides the chair."), code="no_members", field="member_ids")
    kept = {p.user_id: p for p in meeting.participants}
    meeting.participants[:] = [kept.get(user_id) or Participant(user=users[user_id], rsvp="pending", rsvp_reason="")
                               for user_id in ids]
    for participant in meeting.participants:  # a new row has its user, not yet its user_id
        participant.role = "chair" if participant.user.id == chair_id else "member"


def send(actor: User, consultation: Consultation) -> Consultation:
    """Draft → published: answers open, every member is told (services/notifications.py)."""
    require(actor, "consultation.manage", consultation.meeting)
    if consultation.meeting.status != "draft":
        raise Conflict(_l("The consultation has already been sent."), code="already_sent")
    if consultation.deadline <= utcnow():
        raise Conflict(_l("The deadline has passed; set a new one before sending."), code="deadline_passed")
    consultation.meeting.status = "published"
    consultation.sent_at = utcnow()
    publish(db.session, consultation.meeting, "meeting.status", {"status": "published"})
    db.session.flush()
    from .notifications import consultation_sent, inbox_changed
    consultation_sent(consultation)
    inbox_changed(meetings=[consultation.meeting_id])
    return consultation


# --- answering ----------------------------------------------------------------------------------------


def answer(actor: User, consultation: Consultation, data: dict) -> tuple[ConsultationResponse, bool]:
    """Record the actor's answers to every question; (response, changed). The same form sent again (an
    offline tablet retrying: same client_id) changes nothing; a different one replaces the first only
    where the body allows changes, and only until the deadline."""
    require(actor, "consultation.answer", consultation.meeting)
    _lock(consultation)
    client_id = v.text(data.get("client_id"), "client_id", max_length=64, required=False)
    response = response_of(consultation, actor)
    if response is not None and client_id and response.client_id == client_id:
        return response, False  # the same form again (its answer was lost on the way): recorded already
    if consultation.meeting.status == "draft":
        raise Conflict(_l("The consultation has not been sent yet."), code="not_sent")
    if consultation.meeting.status == "closed":
        raise Conflict(_l("The consultation is closed; answers are no longer taken."), code="consultation_closed")
    if utcnow() >= consultation.deadline:
        raise Conflict(_l("The deadline has passed; answers are no longer taken."), code="deadline_passed")
    answers = _answers(consultation, data.get("answers"))
    if response is not None:
        if not consultation.answers_changeable:
            raise Conflict(_l("You have already answered; this consultation does not allow changes."),
                           code="already_answered")
        response.changes += 1
        # a signature was made over the answers it replaces: it no longer matches (the member may sign again)
        response.signed_sha256 = response.signed_size = response.signed_at = None
        response.certificate_subject = ""
        response.answers.clear()
        db.session.flush()
        response.client_id, response.answered_at = client_id, utcnow()
        response.answers.extend(answers)
        db.session.flush()
    else:
        response = ConsultationResponse(meeting_id=consultation.meeting_id, user_id=actor.id, changes=0,
                                        client_id=client_id, answered_at=utcnow(), answers=answers)
        db.session.add(response)
        try:  # not a savepoint: on SQLite a savepoint opened as the first write commits at its release
            db.session.flush()
        except IntegrityError:  # the same member's other tablet, a moment earlier: one answer
            db.session.rollback()
            raise Conflict(_l("Your answer was recorded from another device a moment ago; reload the page to "
                              "see it."), code="already_answered")
    # Written now, so this transaction writes: read the status again inside it. A close that committed
    # after the check above (SQLite reads outside a write transaction; nothing is locked there) is seen
    # here, and the answer is refused rather than left out of a result already drawn.
    if db.session.scalar(select(Meeting.status).where(Meeting.id == consultation.meeting_id)) != "published":
        raise Conflict(_l("The consultation is closed; answers are no longer taken."), code="consultation_closed")
    counts = progress(consultation)
    publish(db.session, consultation.meeting, "consultation.progress", counts)
    log.info("consultation %s answered by %s (%s/%s)", consultation.meeting_id, actor.id,
             counts["answered"], counts["total"])
    from .notifications import inbox_changed
    inbox_changed(users=[actor.id])
    if counts["answered"] >= counts["total"] and not consultation.answers_changeable:
        draw_up(consultation)  # nobody is left to answer and nobody may change: no reason to wait
    return response, True


def _answers(consultation: Consultation, given) -> list[ConsultationAnswer]:
    """One answer for each question: a choice question needs agree / disagree / other (other with its
    text); a free-text question needs its text."""
    if not isinstance(given, list):
        raise Invalid(_l("Answer every question."), code="unanswered", field="answers")
    by_question = {}
    for entry in given:
        if not isinstance(entry, dict) or not v.is_id(entry.get("question_id")):
            raise Invalid(_l("Each answer names its question."), code="invalid_type", field="answers")
        by_question[int(entry["question_id"])] = entry
    known = {q.id for q in consultation.questions}
    if set(by_question) - known:
        raise Invalid(_l("An answer names a question of another consultation."), code="unknown_question",
                      field="answers")
    answers = []
    for number, question in enumerate(consultation.questions, start=1):
        entry = by_question.get(question.id)
        missing = Invalid(_l("Question %(number)d is not answered.", number=number), code="unanswered",
                          field="answers", details={"question_id": question.id})
        if entry is None:
            raise missing
        text = v.text(entry.get("text"), "opinion", max_length=5000, required=False)
        choice = None
        if question.kind == "choice":
            if entry.get("choice") not in ANSWER_CHOICES:
                raise missing
            choice = entry["choice"]
            if choice == "other" and not text:
                raise Invalid(_l("Write your opinion for question %(number)d.", number=number),
                              code="opinion_required", field="answers", details={"question_id": question.id})
        elif not text:
            raise missing
        answers.append(ConsultationAnswer(question_id=question.id, choice=choice, text=text))
    return answers


def _lock(consultation: Consultation) -> None:
    """Answers and the close take the consultation's row in turn (PostgreSQL; SQLite writes one at a
    time anyway): the last answer and the deadline's close must not both draw the result, nor an answer
    slip in after the close read the answers."""
    db.session.execute(select(Consultation.meeting_id).where(
        Consultation.meeting_id == consultation.meeting_id).with_for_update())
    db.session.refresh(consultation.meeting, ["status"])


# --- the result ---------------------------------------------------------------------------------------


def close(actor: User, consultation: Consultation) -> Consultation:
    """The secretariat draws the result up before the deadline (everyone has answered, say)."""
    require(actor, "consultation.manage", consultation.meeting)
    _lock(consultation)
    if not draw_up(consultation):
        raise Conflict(_l("Only a sent consultation that is still open can be closed."), code="not_open")
    return consultation


def close_due(now=None) -> int:
    """The consultations whose deadline has passed: draw up each one's result. Run by the background
    pass (services/between_meetings.py); each in its own transaction."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(Consultation.meeting_id).join(Meeting).where(
        Meeting.status == "published", Consultation.deadline <= now)))
    done = 0
    for meeting_id in ids:
        consultation = db.session.get(Consultation, meeting_id)
        _lock(consultation)
        done += draw_up(consultation)
        db.session.commit()
    return done


def draw_up(consultation: Consultation) -> bool:
    """Close it and freeze the result (who answered what, the counts, the decision) — if it is still open:
    the move from published to closed is one conditional UPDATE, so of two passes, or the last answer and
    the secretariat's close, exactly one draws the result up (on SQLite too, where rows are not locked)."""
    from .consultation_result import compute
    meeting = consultation.meeting
    claimed = db.session.execute(update(Meeting).where(Meeting.id == meeting.id, Meeting.status == "published")
                                 .values(status="closed").execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.refresh(meeting, ["status"])
        return False
    meeting.status = "closed"
    consultation.result = compute(consultation)
    consultation.result_drawn_at = utcnow()
    publish(db.session, meeting, "meeting.status", {"status": "closed"})
    db.session.flush()
    log.info("consultation %s closed: %s/%s answered", meeting.id, consultation.result["answered"],
             consultation.result["total"])
    from .archive import index_at_close
    index_at_close(meeting)  # the record is final: findable in the archive, like a session's at its close
    from .notifications import consultation_result_to_sign, inbox_changed
    consultation_result_to_sign(consultation)
    inbox_changed(meetings=[meeting.id])  # nothing left to answer; the chair has a result to sign
    return True


def awaiting_answer(user: User, now=None) -> list[Consultation]:
    """Open consultations the user is asked to answer and has not (the inbox, reminders)."""
    now = now or utcnow()
    answered = select(ConsultationResponse.meeting_id).where(ConsultationResponse.user_id == user.id)
    asked = select(Participant.meeting_id).where(Participant.user_id == user.id,
                                                 Participant.role.in_(VOTING_ROLES))
    return list(db.session.scalars(select(Consultation).join(Meeting).where(
        Meeting.status == "published", Consultation.deadline > now, Meeting.id.in_(asked),
        Meeting.id.not_in(answered)).order_by(Consultation.deadline)))


REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
# Reminders are queued this many at a time, each batch committed, the event loop served in between: 500 in
# one go held every tablet ~2 s (bench/reminders.py).
REMINDER_BATCH = 20


def remind_due(now=None) -> int:
    """Queue the reminders whose time has come (24 h and 2 h before the deadline) to those consulted who
    have not answered; each at most once (the mail key names it). A consultation sent less than a
    reminder's lead before its deadline gets only the later reminders. Returns how many were queued."""
    from .notifications import consultation_reminder, reminded
    now = now or utcnow()
    longest = max(lead for _name, lead in REMINDERS)
    queued = 0
    for consultation in list(db.session.scalars(select(Consultation).join(Meeting).where(
            Meeting.status == "published", Consultation.deadline > now, Consultation.deadline <= now + longest))):
        due = [name for name, lead in REMINDERS
               if consultation.deadline - lead <= now and (consultation.sent_at or now) < consultation.deadline - lead]
        if not due:
            continue
        # Ids first, and only those not yet reminded are loaded: until the next reminder falls due, every 30 s
        # pass finds them all queued, and loading 500 members to learn that held the loop 0.3 s each time.
        answered = select(ConsultationResponse.user_id).where(ConsultationResponse.meeting_id == consultation.meeting_id)
        waiting = set(db.session.scalars(select(Participant.user_id).where(
            Participant.meeting_id == consultation.meeting_id, Participant.role.in_(VOTING_ROLES),
            Participant.user_id.not_in(answered))))
        todo = sorted(waiting - reminded(consultation, waiting, due[-1]))
        if not todo:
            continue
        people = list(db.session.scalars(select(User).where(User.id.in_(todo)).order_by(User.id)))
        for person in people:
            db.session.expunge(person)  # as loaded: the batches' commits must not expire them (a reload each)
        for start in range(0, len(people), REMINDER_BATCH):
            queued += consultation_reminder(consultation, people[start:start + REMINDER_BATCH], due[-1])
            db.session.commit()
            socketio.sleep(0)  # under `cabinet serve` this runs on the event loop the tablets wait on
    db.session.commit()
    return queued


def may_sign(actor: User, consultation: Consultation) -> bool:
    return (consultation.meeting.status == "closed" and consultation.signed_sha256 is None
            and meeting_role(actor, consultation.meeting) == "chair")


def deadlines_forever(app, every: float = 30.0) -> None:
    """The background pass of `cabinet serve`: draw up what reached its deadline, queue the reminders due,
    tell the badges of meetings that have just ended. Every process runs it; the row lock (close) and the
    mail keys (reminders) make each happen once (a badge told twice shows the same count)."""
    from ..extensions import socketio
    from . import inbox
    since = utcnow()
    while True:
        socketio.sleep(every)
        with app.app_context():
            try:
                close_due()
                remind_due()
                now = utcnow()
                inbox.meetings_ended(since, now)
                since = now
            except Exception:  # noqa: BLE001 — a database hiccup must not end the pass
                log.exception("consultation deadlines")
                db.session.rollback()
            finally:
                db.session.remove()
