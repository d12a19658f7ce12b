"""The test SMTP server's handler (aiosmtpd's Maildir handler) that also behaves like a picky real server
where a test asks: it notes each conversation (one line per EHLO/HELO in `conversations.log` beside the
Maildir), and with a limit it answers 421 to a conversation's next message after that many — as Exchange
does after 20 messages a connection by default."""
from __future__ import annotations

from pathlib import Path

from aiosmtpd.handlers import Mailbox


class PickyMailbox(Mailbox):
    def __init__(self, mail_dir, per_conversation: int = 0):
        super().__init__(mail_dir)
        self.log = Path(mail_dir).parent / "conversations.log"
        self.per_conversation = per_conversation

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0], int(args[1]) if len(args) > 1 else 0)

    def _greeted(self, session) -> None:
        if not getattr(session, "counted", False):  # STARTTLS greets twice in one conversation
            session.counted, session.delivered = True, 0
            with self.log.open("a") as log:
                log.write(f"{session.peer}\n")

    async def handle_HELO(self, server, session, envelope, hostname):
        self._greeted(session)
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self._greeted(session)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.per_conversation and session.delivered >= self.per_conversation:
            return "421 4.3.2 Too many messages for this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        session.delivered += 1
        return answer
