"""Issue 13's first floor: e-mail through a durable outbox, to a real SMTP server (aiosmtpd in a child
process). A message is a row written with the change that caused it — none for a change rolled back, none
while CABINET_SMTP_URL is unset —, sent once, retried with backoff while the server is down; invitations
carry the .ics and no confidential agenda item; the chair hears that the minutes await his signature."""
from datetime import timedelta

from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import OutgoingMail
from cabinet.models.types import utcnow
from cabinet.services import agenda, certificates, mail, meetings, minutes, minutes_signing

from ..mail_server import SmtpServer
from ..minutes_helpers import held_session
from ..servers import free_port

SECRET_ITEM = "Phương án kỷ luật cán bộ (mật)"


def _meeting(make):
    staff = make.user("secretariat")
    chair = make.user(full_name="Lê Anh Xuân", email="chutich@thanhhoa.gov.vn")
    member = make.user(full_name="Đỗ Thị Hương", email="huong@thanhhoa.gov.vn")
    meeting = make.meeting(staff, items=1, title="Phiên họp UBND thành phố tháng 12",
                           participants_={chair: "chair", member: "member"})
    agenda.add_item(staff, meeting, {"title": SECRET_ITEM, "confidential": True})
    meeting.location = "Phòng họp số 1"
    db.session.commit()
    return staff, chair, member, meeting


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def test_nothing_is_queued_while_no_smtp_server_is_set(make):
    staff, _chair, _member, meeting = _meeting(make)
    meetings.move_status(staff, meeting, "publish")
    db.session.commit()
    assert _count() == 0


def test_invitations_go_with_the_publication_once_and_again_when_the_time_changes(make, smtp):
    staff, chair, member, meeting = _meeting(make)
    meetings.move_status(staff, meeting, "publish")
    db.session.rollback()  # a publication rolled back queues nothing
    assert _count() == 0
    meetings.move_status(staff, meeting, "publish")
    db.session.commit()
    assert _count() == 2 and mail.send_due() == 2 and mail.send_due() == 0
    received = smtp.messages()
    assert sorted(m["To"] for m in received) == ["chutich@thanhhoa.gov.vn", "huong@thanhhoa.gov.vn"]
    letter = next(m for m in received if m["To"] == "huong@thanhhoa.gov.vn")
    assert letter["Subject"] == "Giấy mời họp: Phiên họp UBND thành phố tháng 12"
    text = letter.get_body(("plain",)).get_content()
    assert "Kính gửi Đỗ Thị Hương" in text and "Phòng họp số 1" in text and f"/meetings/{meeting.id}" in text
    assert "Xem chương trình và tài liệu" in letter.get_body(("html",)).get_content()
    ics = next(part for part in letter.iter_attachments() if part.get_content_type() == "text/calendar")
    calendar = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert "SUMMARY:Phiên họp UBND thành phố tháng 12" in calendar.replace("\r\n ", "")
    assert "Nội dung 1" in calendar.replace("\r\n ", "")
    for message in received:  # mail leaves the system: no confidential item in it, nor in its calendar
        parts = [message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content(),
                 *(p.get_content() for p in message.iter_attachments())]
        assert not any("kỷ luật" in part.replace("\r\n ", "") for part in parts)

    meetings.update_meeting(staff, meeting, {"title": "Phiên họp UBND thành phố tháng 12 (bổ sung)"})
    db.session.commit()
    assert _count() == 2, "a new title alone sends nothing"
    meetings.update_meeting(staff, meeting, {"starts_at": meeting.starts_at + timedelta(hours=2)})
    db.session.commit()
    assert mail.send_due() == 2 and len(smtp.messages()) == 4


def test_a_server_that_is_down_is_tried_again_later(app, make, tmp_path):
    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        staff, _chair, _member, meeting = _meeting(make)
        meetings.move_status(staff, meeting, "publish")
        db.session.commit()
        assert mail.send_due() == 0
        rows = db.session.scalars(select(OutgoingMail)).all()
        assert all(r.status == "pending" and r.attempts == 1 and r.last_error for r in rows)
        assert all(r.next_attempt_at > utcnow() + timedelta(seconds=50) for r in rows), "backoff: a minute"
        assert mail.send_due() == 0 and all(r.attempts == 1 for r in rows), "not due yet: not tried"
        server = SmtpServer(tmp_path, port=port).start()
        try:
            for row in rows:
                row.next_attempt_at = utcnow()
            db.session.commit()
            assert mail.send_due() == 2
            assert len(server.messages()) == 2
            assert {r.status for r in db.session.scalars(select(OutgoingMail))} == {"sent"}
        finally:
            server.stop()
    finally:
        app.config["SMTP_URL"] = None


def test_a_message_claimed_by_a_sender_that_died_is_sent_later_not_twice(make, smtp):
    staff, _chair, _member, meeting = _meeting(make)
    meetings.move_status(staff, meeting, "publish")
    db.session.commit()
    first, second = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    first.status, first.claimed_at = "sending", utcnow()  # another sender is on it right now
    second.status, second.claimed_at = "sending", utcnow() - timedelta(minutes=30)  # one that died
    db.session.commit()
    assert mail.send_due() == 1
    assert [m["To"] for m in smtp.messages()] == [second.to_address]


def test_the_chair_hears_that_the_minutes_await_his_signature(make, smtp):
    held = held_session(make)
    held["chair"].email = "chutich@thanhhoa.gov.vn"
    certificates.issue_demo_certificate(held["secretary"], "thu-ky-ky-so")
    record = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    minutes_signing.sign_minutes(held["secretary"], record, "thu-ky-ky-so", confirm_empty=True)
    db.session.commit()
    assert mail.send_due() == 1
    (letter,) = smtp.messages()
    assert letter["To"] == "chutich@thanhhoa.gov.vn"
    assert letter["Subject"] == f"Biên bản chờ bạn ký: {held['meeting'].title}"
    assert f"/meetings/{held['meeting'].id}/minutes#sign" in letter.get_body(("plain",)).get_content()


def _queue_many(make, count: int) -> list[str]:
    """`count` messages due now, to `count` people."""
    people = [make.user() for _ in range(count)]
    for n, person in enumerate(people):
        person.email = f"nguoi{n}@thanhhoa.gov.vn"
        mail.queue(person, f"test-{n}", f"Thư số {n}", "Nội dung")
    db.session.commit()
    return [p.email for p in people]


def test_a_batch_leaves_in_one_conversation(make, smtp):
    """A connection per message (and its handshake) held the sender's loop for each of 500 reminders."""
    addresses = _queue_many(make, 12)
    assert mail.send_due() == 12
    assert sorted(m["To"] for m in smtp.messages()) == sorted(addresses)
    assert smtp.conversations() == 1
    assert {r.status for r in db.session.scalars(select(OutgoingMail))} == {"sent"}


def test_a_server_that_hangs_up_after_some_messages_gets_the_rest_on_a_new_conversation(app, make, tmp_path):
    server = SmtpServer(tmp_path, per_conversation=5).start()  # as Exchange does after 20 by default
    app.config["SMTP_URL"] = server.url
    try:
        addresses = _queue_many(make, 12)
        assert mail.send_due() == 12, [r.last_error for r in db.session.scalars(select(OutgoingMail))]
        assert sorted(m["To"] for m in server.messages()) == sorted(addresses), "each once, none lost"
        assert server.conversations() == 3
    finally:
        app.config["SMTP_URL"] = None
        server.stop()


def test_many_messages_are_queued_in_one_statement_each_once(make, smtp):
    """500 invitations to a consultation compiled and ran an INSERT each: most of the 0.4–0.5 s the request held
    the event loop. Now one statement for all; queued again, none twice (the keys)."""
    from sqlalchemy import event

    from cabinet.services import notifications
    people = [make.user() for _ in range(30)]
    for n, person in enumerate(people):
        person.email = f"daibieu{n}@thanhhoa.gov.vn"
    people[3].email = ""  # no address: left out
    db.session.commit()
    inserts = []
    listener = lambda _c, _cur, statement, *rest: inserts.append(statement) if statement.startswith(  # noqa: E731
        "INSERT INTO outgoing_mail") else None
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        letters = [notifications._letter(p, f"many:{p.id}", "mail/password_reset", subject="Thư", link="x",
                                         minutes=30) for p in people]
        assert len(mail.queue_all(letters)) == 29
        assert mail.queue_all(letters) == [], "each key once"
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(inserts) == 2
    db.session.commit()
    assert _count() == 29


def test_no_transaction_is_open_while_the_smtp_server_talks(make, smtp, monkeypatch):
    """Under eventlet the tablets' requests run while the sender waits on the SMTP server: a "sent" mark
    autoflushed by the next message's load kept SQLite's write lock across ten sends ("database is locked",
    500s on the live session's moves in bench/reminders.py)."""
    _queue_many(make, 12)
    open_during_send = []
    real_send = mail._Connection.send

    def watched(connection, email):
        open_during_send.append(db.session().in_transaction())
        return real_send(connection, email)

    monkeypatch.setattr(mail._Connection, "send", watched)
    assert mail.send_due() == 12
    assert open_during_send == [False] * 12
