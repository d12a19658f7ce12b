"""A real SMTP server for the tests: aiosmtpd in a child process, delivering into a Maildir the test reads."""
from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

from .servers import free_port


class SmtpServer:
    def __init__(self, folder: Path, port: int | None = None, per_conversation: int = 0,
                 handler: str = "tests.mail_handler.PickyMailbox", handler_args: tuple = ()):
        """`per_conversation`: refuse (421) a conversation's messages after that many (0: no limit);
        `handler`, `handler_args`: another aiosmtpd handler class (dotted path) and its arguments after the
        Maildir (a test's own misbehaving server)."""
        self.folder, self.port = folder, port or free_port()
        self.handler = handler
        self.handler_args = handler_args or ((per_conversation,) if handler.endswith(".PickyMailbox") else ())
        self.maildir = folder / "Maildir"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        mailbox.Maildir(self.maildir, create=True)  # tmp/, new/, cur/
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", self.handler, str(self.maildir), *map(str, self.handler_args)],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "smtp.log").open("ab"),
            cwd=Path(__file__).resolve().parents[1])  # where `tests.mail_handler` is found
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def conversations(self) -> int:
        """How many SMTP conversations (connections greeted with EHLO/HELO) the server has had."""
        log = self.folder / "conversations.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def messages(self) -> list:
        """What the server received, parsed (email.message.EmailMessage), oldest first."""
        box = mailbox.Maildir(self.maildir, create=False)
        found = [message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.keys()]
        return sorted(found, key=lambda m: m["Date"] or "")
