"""Who is told what, in one place: every area (meetings, minutes, later documents and consultations)
calls here when something happens that waits for someone (consultations: sent, reminders, result), and the rules of who hears of it — and by which
way — live here, not in the views. Today: e-mail through the outbox (services/mail.py), in Vietnamese,
plain text and HTML, naming no confidential content (no document titles, no confidential agenda items).
"""
from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from flask import current_app

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..models import Meeting, Minutes
from ..outbox import notify_user
from . import mail
from .calendar import ics_filename, meeting_ics, uid_host
from .permissions import under_confidential


def meeting_published(meeting: Meeting) -> None:
    """Each participant is invited, the .ics attached — again when the time or place changes later (the
    key names them), never twice for the same time and place."""
    if not mail.enabled() or meeting.status not in ("published", "live", "adjourned"):
        return
    arrangement = hashlib.sha256(f"{meeting.starts_at.isoformat()}|{meeting.ends_at}|{meeting.location}"
                                 .encode()).hexdigest()[:16]
    link = f"{current_app.config['BASE_URL']}/meetings/{meeting.id}"
    letters = []
    for participant in meeting.participants:
        user = participant.user
        if not user.email:
            continue
        ics = meeting_ics(user, meeting, host=uid_host(), url=link, for_mail=True).decode("utf-8")
        letters.append(_letter(user, f"invitation:{meeting.id}:{user.id}:{arrangement}", "mail/invitation",
                               subject=f"Giấy mời họp: {meeting.title}", meeting=meeting, link=link,
                               role=participant.role,
                               attachments=({"name": ics_filename(meeting), "content": ics,
                                             "content_type": "text/calendar; method=PUBLISH"},)))
    mail.queue_all(letters)


def minutes_await_signature(minutes: Minutes, role: str) -> None:
    """The next signer of the minutes (secretary, then chair) is told they wait for them, once per revision."""
    meeting = minutes.meeting
    for participant in meeting.participants:
        if participant.role != role:
            continue
        link = f"{current_app.config['BASE_URL']}/meetings/{meeting.id}/minutes#sign"
        _send(participant.user, f"sign:{minutes.id}:{minutes.current.number}:{role}:{participant.user_id}",
              "mail/minutes_to_sign", subject=f"Biên bản chờ bạn ký: {meeting.title}", meeting=meeting,
              link=link, role=role)


def consultation_sent(consultation) -> None:
    """Each member consulted is asked for their answer, with the deadline."""
    meeting = consultation.meeting
    _consultation_mail(consultation, [(p.user, f"consultation:{meeting.id}:{p.user_id}") for p in meeting.participants
                                      if p.role in ("chair", "member")],
                       "mail/consultation", f"Xin ý kiến bằng văn bản: {meeting.title}")


def consultation_reminder(consultation, waiting: list, lead: str) -> int:
    """Those who have not answered are reminded (24 h, then 2 h before the deadline), each reminder once (its
    key; the pass asks `reminded` first, so as not to render what is queued already); how many were queued."""
    return _consultation_mail(consultation, [(user, reminder_key(consultation, user.id, lead)) for user in waiting],
                              "mail/consultation_reminder", f"Nhắc trả lời xin ý kiến: {consultation.meeting.title}")


def reminder_key(consultation, user_id: int, lead: str) -> str:
    return f"consultation-reminder:{consultation.meeting_id}:{user_id}:{lead}"


def reminded(consultation, user_ids, lead: str) -> set[int]:
    """Those of `user_ids` whose reminder (24h or 2h) is in the outbox already (one query)."""
    keys = {reminder_key(consultation, user_id, lead): user_id for user_id in user_ids}
    return {keys[key] for key in mail.queued_keys(list(keys))} if keys else set()


def consultation_result_to_sign(consultation) -> None:
    """The chair is told that the result is drawn up and waits for their signature."""
    _consultation_mail(consultation, [(p.user, f"consultation-result:{consultation.meeting_id}")
                                      for p in consultation.meeting.participants if p.role == "chair"],
                       "mail/consultation_result", f"Kết quả xin ý kiến chờ bạn ký: {consultation.meeting.title}",
                       path="/result")


def _consultation_mail(consultation, addressed: list[tuple], template: str, subject: str, path: str = "") -> int:
    """The same message to each (user, key) of `addressed`, queued together; how many were queued."""
    if not mail.enabled():
        return 0
    link = f"{current_app.config['BASE_URL']}/consultations/{consultation.meeting_id}{path}"
    deadline = spoken_time(consultation.deadline)
    return len(mail.queue_all([_letter(user, key, template, subject=subject, meeting=consultation.meeting,
                                       link=link, deadline=deadline) for user, key in addressed]))


def draft_comment_answered(comment) -> None:
    """The author of a comment on a draft hears, on every open page, that the secretariat answered it
    (ids only: the page fetches the answer with the author's own permission)."""
    notify_user(db.session, comment.user_id, "draft_comment.answered",
                {"document_id": comment.document_id, "comment_id": comment.id})


def draft_table_forwarded(consultation) -> None:
    """The drafting unit's users hear that a document's table of comments is there for them to read: live,
    in their inbox, and by e-mail — which names a confidential document by its meeting only."""
    document = consultation.document
    recipients = [row.user for row in consultation.recipient_rows]
    for user in recipients:
        notify_user(db.session, user.id, "draft_comments.forwarded", {"document_id": document.id})
    inbox_changed(users=[user.id for user in recipients])
    if mail.enabled():
        link = f"{current_app.config['BASE_URL']}/documents/{document.id}/comments"
        secret = document.access == "confidential" or (
            document.agenda_item_id is not None and under_confidential(document.meeting, document.agenda_item_id))
        title = "" if secret else document.title
        stamp = consultation.forwarded_at.strftime("%Y%m%d%H%M%S%f")
        mail.queue_all([_letter(user, f"draft-table:{document.id}:{user.id}:{stamp}", "mail/draft_table",
                                subject=f"Tổng hợp góp ý dự thảo: {title or document.meeting.title}",
                                meeting=document.meeting, document_title=title, link=link) for user in recipients])


def password_reset(user, token_id: int, link: str, minutes: int) -> None:
    """The member who asked (or someone who typed their name) gets the one-use link; nobody else hears."""
    _send(user, f"password-reset:{token_id}", "mail/password_reset",
          subject="Đặt lại mật khẩu Cabinet", link=link, minutes=minutes)


ROLE_WORDS = {"chair": "Chủ tọa", "secretary": "Thư ký", "member": "Đại biểu", "guest": "Khách mời"}


def spoken_time(moment) -> str:
    """"08 giờ 00, thứ Hai ngày 07/12/2026" in Vietnam's time (e-mails are Vietnamese, as the minutes)."""
    local = moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    weekday = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"][local.weekday()]
    return f"{local:%H} giờ {local:%M}, {weekday} ngày {local:%d/%m/%Y}"


def _send(user, key: str, template: str, *, subject: str, attachments: tuple = (), **context):
    if not mail.enabled():
        return None
    return mail.queue_all([_letter(user, key, template, subject=subject, attachments=attachments, **context)])


def _letter(user, key: str, template: str, *, subject: str, attachments: tuple = (), **context) -> mail.Letter:
    meeting = context.get("meeting")
    context = {"user": user, "organisation": current_app.config["ORGANISATION"], "role_words": ROLE_WORDS,
               "when": spoken_time(meeting.starts_at) if meeting is not None else "", **context}
    # The templates alone, without the pages' context: a message is also written outside any request.
    render = lambda suffix: current_app.jinja_env.get_template(f"{template}.{suffix}").render(**context)  # noqa: E731
    return mail.Letter(user, key, subject, render("txt"), render("html"), tuple(attachments))


def inbox_changed(*, users=(), meetings=(), roles: tuple[str, ...] | None = None) -> None:
    """Someone's "Việc cần làm" may have changed: `users`, and the participants of `meetings` (those in
    `roles` only, when given). Their devices get the new count (`inbox.count`) once this commits; the count
    is derived (services/inbox.py), so a missed push is corrected by the next one or the next page."""
    from . import inbox
    inbox.changed(users=users, meetings=meetings, roles=roles)
