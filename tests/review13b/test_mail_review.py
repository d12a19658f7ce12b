"""Review 13b: the batch sender against two senders at once, a slow server, refusals mid-batch, 421 on RCPT."""
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import OutgoingMail
from cabinet.services import mail

from ..mail_server import SmtpServer


def _queue(make, addresses):
    for n, address in enumerate(addresses):
        person = make.user()
        person.email = address
        mail.queue(person, f"r13b-{n}", f"Thư {n}", "Nội dung")
    db.session.commit()


def _senders(app, count, results):
    def run():
        with app.app_context():
            try:
                results.append(mail.send_due())
            except Exception as error:  # noqa: BLE001
                results.append(error)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    return threads


@pytest.fixture()
def slow(app, tmp_path):
    server = SmtpServer(tmp_path, handler="tests.review13b.slow_handler.SlowMailbox", handler_args=(0.05,)).start()
    app.config["SMTP_URL"] = server.url
    yield server
    app.config["SMTP_URL"] = None
    server.stop()


def test_two_senders_at_once_send_each_row_once(app, make, slow, backend):
    if backend != "postgresql":
        pytest.skip("two writers at once: PostgreSQL")
    addresses = [f"nguoi{n}@thanhhoa.gov.vn" for n in range(60)]
    _queue(make, addresses)
    results = []
    for t in _senders(app, 3, results):
        t.join(120)
    assert not [r for r in results if isinstance(r, Exception)], results
    # a sender whose claim lost the race to the same 50 first rows gets none (PostgreSQL re-checks them, does
    # not pick the next ones): the rest leave on the next pass — none twice, none lost
    while mail.send_due():
        pass
    got = Counter(m["To"] for m in slow.messages())
    assert got == Counter(addresses), {a: c for a, c in got.items() if c != 1}


def test_a_batch_longer_than_its_claim_is_sent_twice(app, make, slow, backend, monkeypatch):
    """CLAIM_EXPIRES is measured from the claim of the whole batch and never renewed: a batch that takes
    longer than it to send (1000 rows under `cabinet due`, a slow relay) is claimed again by another sender
    for its unsent tail. Scaled down: 1 s claim, 0.05 s a message, 60 messages."""
    if backend != "postgresql":
        pytest.skip("two writers at once: PostgreSQL")
    monkeypatch.setattr(mail, "CLAIM_EXPIRES", mail.timedelta(seconds=1))
    addresses = [f"nguoi{n}@thanhhoa.gov.vn" for n in range(60)]
    _queue(make, addresses)
    results = []
    first = _senders(app, 1, results)
    time.sleep(1.5)  # the first sender is a third of the way through its batch
    second = _senders(app, 1, results)
    for t in first + second:
        t.join(120)
    got = Counter(m["To"] for m in slow.messages())
    twice = sorted(a for a, c in got.items() if c > 1)
    assert not twice, f"{len(twice)} people got their message twice; results {results}"


def test_a_refused_recipient_mid_batch_loses_and_doubles_nothing(app, make, slow):
    addresses = [f"nguoi{n}@thanhhoa.gov.vn" for n in range(12)]
    addresses[5] = "refuse@thanhhoa.gov.vn"
    _queue(make, addresses)
    assert mail.send_due() == 11
    got = Counter(m["To"] for m in slow.messages())
    assert got == Counter(a for a in addresses if not a.startswith("refuse"))
    refused = db.session.scalar(select(OutgoingMail).where(OutgoingMail.to_address == "refuse@thanhhoa.gov.vn"))
    # a permanent 5xx refusal: retried MAX_ATTEMPTS times over ~2 days?
    assert refused.status == "failed", (refused.status, refused.attempts, refused.last_error)


def test_421_at_rcpt_is_a_new_conversation_not_a_failure(app, make, slow):
    """Exchange answers its rate limit at RCPT as well as at MAIL: smtplib raises SMTPRecipientsRefused, which
    _Connection.send does not take for the 421 it is."""
    addresses = [f"nguoi{n}@thanhhoa.gov.vn" for n in range(4)]
    addresses[2] = "busy@thanhhoa.gov.vn"
    _queue(make, addresses)
    mail.send_due()
    busy = db.session.scalar(select(OutgoingMail).where(OutgoingMail.to_address == "busy@thanhhoa.gov.vn"))
    assert busy.attempts == 1 and busy.status == "pending"  # retried later: held (not lost)


def test_an_address_field_with_a_comma_or_a_line_break(api, make, slow):
    """The account's e-mail is plain text (v.text): a comma sends every message of that account — password
    resets included — to a second mailbox; a line break cannot inject a header (the policy refuses it), but the
    message then fails for good, silently for the admin who typed it."""
    admin = make.user("admin")
    made = [api.as_(admin).post("/users", json={"username": f"u{n}", "full_name": "Nguyễn Văn B",
                                                 "password": "Mat-khau-dai-2026!", "roles": ["member"],
                                                 "email": email}) for n, email in
            enumerate(["ong.b@thanhhoa.gov.vn, ke.la@example.com", "ba.c@thanhhoa.gov.vn\r\nBcc: ke.la@example.com"])]
    assert [r.status_code for r in made] == [422, 422], [r.get_json() for r in made]


def test_a_message_that_cannot_be_built_fails_alone(app, make, slow):
    addresses = [f"nguoi{n}@thanhhoa.gov.vn" for n in range(5)]
    for n, address in enumerate(addresses):
        person = make.user()
        person.email = address
        attachments = ({"content_type": "calendar", "name": "x.ics", "content": "BEGIN"},) if n == 2 else ()
        mail.queue(person, f"r13b-b-{n}", f"Thư {n}", "Nội dung", attachments=attachments)
    db.session.commit()
    assert mail.send_due() == 4
    broken = db.session.scalar(select(OutgoingMail).where(OutgoingMail.key == "r13b-b-2"))
    assert broken.status == "failed" and Counter(m["To"] for m in slow.messages()) == Counter(
        a for n, a in enumerate(addresses) if n != 2)


def test_injection_through_titles_stays_in_the_subject(app, make, slow):
    person = make.user()
    person.email = "nguoi@thanhhoa.gov.vn"
    mail.queue(person, "r13b-inj", "Họp\r\nBcc: ke.la@example.com\r\n\r\nThân giả", "Nội dung")
    db.session.commit()
    assert mail.send_due() == 1
    (letter,) = slow.messages()
    assert letter["Bcc"] is None and "Bcc: ke.la@example.com" in letter["Subject"]


def test_a_server_that_accepts_and_then_says_nothing(app, make):
    """The socket is open, no greeting comes: the batch waits (one attempt), after the 30 s timeout."""
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{listener.getsockname()[1]}"
    try:
        _queue(make, [f"nguoi{n}@thanhhoa.gov.vn" for n in range(3)])
        started = time.monotonic()
        assert mail.send_due() == 0
        took = time.monotonic() - started
        rows = db.session.scalars(select(OutgoingMail)).all()
        assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}, [(r.status, r.attempts) for r in rows]
        assert took < 40, took
    finally:
        app.config["SMTP_URL"] = None
        listener.close()
