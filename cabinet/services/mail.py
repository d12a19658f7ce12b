"""E-mail through a durable outbox. A message is a row written in the transaction of the change that
caused it (`queue`), so a rolled-back change sends nothing and a restart loses nothing; a background
sender (`send_due`, looped by `send_forever` under `cabinet serve`) claims a batch of due rows, sends them
over one SMTP connection and marks them sent — a row is claimed by one sender only, so two processes never
send it twice. A failure is retried with backoff (1, 2, 4 … minutes, at most 6 h apart), and after MAX_ATTEMPTS the row
stays `failed` with its last error for the operator. Nothing is queued while CABINET_SMTP_URL is unset.

The SMTP conversation runs in the sender's own task: under eventlet its socket waits are green (the event
loop serves the tablets meanwhile), in the threading mode it is a thread of its own — never a request's.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
import ssl
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import OutgoingMail, User
from ..models.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM_EXPIRES = timedelta(minutes=10)  # a sender that died mid-send: its rows are due again after this


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


@dataclass(frozen=True)
class Letter:
    """One message for one person, rendered, before it is queued."""
    user: User
    key: str  # names the message: the same key is queued once, ever (a reminder, an invitation for a time)
    subject: str
    text: str
    html: str = ""
    attachments: tuple[dict, ...] = ()


def queue(user: User, key: str, subject: str, text: str, html: str = "",
          attachments: tuple[dict, ...] = ()) -> int | None:
    """Add one message for `user` to the outbox in the current transaction: its id, or None (see queue_all)."""
    return next(iter(queue_all([Letter(user, key, subject, text, html, tuple(attachments))])), None)


def queue_all(letters: list[Letter]) -> list[int]:
    """Add messages to the outbox in the current transaction (sent after it commits, by the sender); the ids of
    those added. Left out: all when e-mail is off; a user without an address or disabled; a key queued before —
    by this transaction or by another at the same moment.

    One INSERT … ON CONFLICT DO NOTHING for all of them: no lookup first, no savepoint (on SQLite a savepoint
    as a transaction's first write commits at its release), and compiled once — SQLAlchemy cannot cache an
    ON CONFLICT insert, and compiling it again for each of 500 messages was most of the time of queueing."""
    if not enabled():
        return []
    now = utcnow()
    rows = [{"key": letter.key[:200], "user_id": letter.user.id, "to_address": letter.user.email,
             "subject": letter.subject[:300], "text": letter.text, "html": letter.html,
             "attachments": list(letter.attachments), "status": "pending", "attempts": 0, "next_attempt_at": now,
             "last_error": "", "created_at": now}
            for letter in letters if letter.user.email and letter.user.is_active]
    if not rows:
        return []
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return list(db.session.scalars(
        insert(OutgoingMail).on_conflict_do_nothing(index_elements=["key"]).returning(OutgoingMail.id), rows))


def queued_keys(keys: list[str]) -> set[str]:
    """Which of `keys` are in the outbox already (one query): a pass that would queue many messages
    skips these before rendering anything."""
    return set(db.session.scalars(select(OutgoingMail.key).where(OutgoingMail.key.in_([k[:200] for k in keys]))))


SEND_BATCH = 50
MARK_EVERY = 10  # "sent" marks committed together: a crash in between re-sends at most these (after CLAIM_EXPIRES)


def send_due(limit: int = SEND_BATCH) -> int:
    """Send the messages that are due; returns how many were sent. Call in an app context, outside any
    request's transaction.

    The batch is claimed in one committed UPDATE (no other sender takes a claimed row), read in one short
    transaction, sent over one SMTP conversation with NO transaction open (under eventlet the tablets'
    requests run while the server answers; an open write there locked SQLite for them: "database is
    locked"), and marked MARK_EVERY messages at a time, renewing the claim on the rest (a batch longer than
    CLAIM_EXPIRES must not be taken and sent again by another sender). A connection and two commits per
    message held the event loop often enough to move a live session's broadcast p99 while 500 reminders left."""
    now = utcnow()
    claimable = or_(OutgoingMail.status == "pending",
                    (OutgoingMail.status == "sending") & (OutgoingMail.claimed_at < now - CLAIM_EXPIRES))
    due = select(OutgoingMail.id).where(claimable, OutgoingMail.next_attempt_at <= now) \
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(limit).scalar_subquery()
    claimed = sorted(db.session.scalars(
        update(OutgoingMail).where(OutgoingMail.id.in_(due), claimable)  # re-checked: another sender's claim wins
        .values(status="sending", claimed_at=now).returning(OutgoingMail.id)
        .execution_options(synchronize_session=False)).all())
    db.session.commit()
    messages = list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(claimed))
                                       .order_by(OutgoingMail.id)))
    for message in messages:
        db.session.expunge(message)  # read once; each is made into a message just before it leaves
    db.session.rollback()
    outcomes: dict[int, tuple[Exception, bool] | None] = {}  # id → None (sent) or (error, for good)
    sent = 0
    with _Connection() as connection:
        for done, message in enumerate(messages, start=1):
            try:
                email = as_email(message)
            except Exception as error:  # noqa: BLE001 — it cannot be made (a bad address…): no retry mends it
                outcomes[message.id] = (error, True)
            else:
                try:
                    connection.open()
                except (OSError, smtplib.SMTPException) as unreachable:  # the server is down: the batch waits
                    outcomes.update({waiting.id: (unreachable, False) for waiting in messages[done - 1:]})
                    break
                try:
                    connection.send(email)
                    outcomes[message.id] = None
                    sent += 1
                except (OSError, smtplib.SMTPException) as refused:
                    outcomes[message.id] = (refused, _for_good(refused))
                    connection.close()  # a broken conversation: the next message starts a new one
            if done % MARK_EVERY == 0:
                _mark(outcomes, still_claimed=[waiting.id for waiting in messages[done:]])
                outcomes = {}
            _serve_others()
    _mark(outcomes, still_claimed=[])
    return sent


def _serve_others() -> None:
    """Between two messages, let the event loop serve the tablets (making a message and talking SMTP is
    CPU the live session's broadcasts wait for); a plain no-op outside `cabinet serve`."""
    from ..extensions import socketio
    socketio.sleep(0)


def _for_good(error: Exception) -> bool:
    """Whether no retry can mend it: every recipient refused for good (5xx: no such mailbox), or the message
    itself refused (554 after DATA). A refused sender (5xx) is the configuration's: retried, fixed once."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _mark(outcomes: dict, still_claimed: list[int]) -> None:
    """Write what happened to these messages in one short transaction, and renew the claim on the rest."""
    now = utcnow()
    sent = [message_id for message_id, outcome in outcomes.items() if outcome is None]
    if sent:
        db.session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(sent), OutgoingMail.status == "sending")
                           .values(status="sent", sent_at=now, last_error="")
                           .execution_options(synchronize_session=False))
    for message_id, outcome in outcomes.items():
        if outcome is not None:
            message = db.session.get(OutgoingMail, message_id)
            if outcome[1]:
                message.attempts = MAX_ATTEMPTS - 1
            _failed(message, outcome[0])
    if still_claimed:
        db.session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(still_claimed),
                                                      OutgoingMail.status == "sending")
                           .values(claimed_at=now).execution_options(synchronize_session=False))
    db.session.commit()


class _Connection:
    """One SMTP conversation for a batch, opened at the first message and again after a failure:
    smtp:// (STARTTLS when the server offers it) or smtps://, as CABINET_SMTP_URL says. A server that hangs
    up or answers 421 after so many messages (Exchange's default is 20 a connection) is called again."""

    def __init__(self):
        self.client, self.used = None, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client, self.used = None, False

    def open(self) -> None:
        if self.client is None:
            self.client = _connect()

    def send(self, email: EmailMessage) -> None:
        try:
            self.client.send_message(email)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as error:
            if not self.used or getattr(error, "smtp_code", 421) != 421:
                raise
            self.close()  # it hung up (or said 421) between two messages: once more on a new conversation
            self.open()
            self.client.send_message(email)
        self.used = True


def _connect() -> smtplib.SMTP:
    url = urlsplit(current_app.config["SMTP_URL"])
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    context = ssl.create_default_context()
    client = smtplib.SMTP_SSL(url.hostname, port, timeout=30, context=context) if secure \
        else smtplib.SMTP(url.hostname, port, timeout=30)
    try:
        client.ehlo()
        if not secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        client.close()
        raise
    return client


def _failed(message: OutgoingMail, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.error("mail %s to %s failed for good: %s", message.key, message.to_address, message.last_error)
        return
    message.status = "pending"
    message.next_attempt_at = utcnow() + backoff(message.attempts)
    log.warning("mail %s to %s not sent (attempt %d): %s", message.key, message.to_address, message.attempts,
                message.last_error)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


class _MailPolicy(EmailPolicy):
    """The standard policy, except that a non-ASCII subject is folded by email.header.Header: Python's
    folding (before 3.15; cpython gh-92081) puts the space between two encoded words outside them, and
    readers drop it ("…chờ bạn ký:Dự thảo…")."""

    def _fold_subject(self, name, value) -> str | None:
        if name.lower() != "subject" or str(value).isascii():
            return None
        return f"{name}: {Header(str(value), 'utf-8').encode(linesep=self.linesep)}{self.linesep}"

    def fold(self, name, value):
        return self._fold_subject(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        folded = self._fold_subject(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy()


def as_email(message: OutgoingMail) -> EmailMessage:
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = " ".join(message.subject.split())  # one line, whatever a title held
    email["Message-ID"] = make_msgid(idstring=f"cabinet-{message.id}")
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:  # text only ("text/calendar; method=PUBLISH"), sent as UTF-8
        kind, *params = [part.strip() for part in attachment["content_type"].split(";")]
        email.add_attachment(attachment["content"], subtype=kind.split("/")[1], filename=attachment["name"],
                             params=dict(p.split("=", 1) for p in params))
    return email


def send_forever(app, every: float = 15.0) -> None:
    """The background sender of `cabinet serve`: the outbox every `every` seconds, whatever happens; a
    full batch is followed by the next at once (the event loop served in between), so 500 reminders
    leave in well under a minute instead of 50 every 15 s."""
    from ..extensions import socketio
    while True:
        socketio.sleep(every)
        with app.app_context():
            if not enabled():
                continue
            try:
                while send_due() == SEND_BATCH:
                    socketio.sleep(0)
            except Exception:  # noqa: BLE001 — a database hiccup must not end the sender
                log.exception("mail sender")
                db.session.rollback()
            finally:
                db.session.remove()
