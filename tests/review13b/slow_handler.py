"""Review 13b: an SMTP handler that takes its time over each message (a loaded relay, a content filter)."""
import asyncio

from aiosmtpd.handlers import Mailbox


class SlowMailbox(Mailbox):
    def __init__(self, mail_dir, delay: float = 0.0):
        super().__init__(mail_dir)
        self.delay = delay

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0], float(args[1]) if len(args) > 1 else 0.0)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such user"
        if address.startswith("busy"):
            return "421 4.7.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
