"""A recording SMTP server on loopback (aiosmtpd) for tests that follow an email: bounded in
what it keeps, and with a bounded wait for mail sent from a background thread."""

import email
import re
import time
from email.policy import default

from aiosmtpd.controller import Controller

from tests.pg import free_port

MAX_MESSAGES = 20


class Inbox:
    """An aiosmtpd handler that keeps what arrives (at most MAX_MESSAGES)."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) >= MAX_MESSAGES:  # bounded, whatever a buggy test sends
            return "452 4.5.3 too many messages in this test"
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self) -> list[email.message.EmailMessage]:
        """Every message so far, parsed."""
        return [email.message_from_bytes(e.original_content, policy=default) for e in self.messages]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[email.message.EmailMessage]:
        """The messages once at least `count` have arrived (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} email(s) expected, {len(self.messages)} arrived")
            time.sleep(0.05)
        return self.parsed()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages sent to one address."""
        return [m for m in self.parsed() if address in (m["To"] or "")]


def start() -> tuple[Controller, Inbox]:
    """A recording server on a free loopback port, started."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


def smtp_env(controller: Controller) -> dict:
    """The settings that point an app at this server."""
    return {
        "HEARTH_SMTP_HOST": "127.0.0.1",
        "HEARTH_SMTP_PORT": str(controller.port),
        "HEARTH_SMTP_FROM": "hearth <no-reply@hearth.test>",
        "HEARTH_SMTP_TLS": "none",  # the loopback test server speaks no TLS
    }


def text_of(message: email.message.EmailMessage) -> str:
    """The plain-text body of a message."""
    return message.get_body(("plain",)).get_content()


def link_in(message: email.message.EmailMessage, path: str) -> str:
    """The first link in a message that goes to `path` (e.g. /welcome or /reset)."""
    found = re.search(
        r"https?://[^\s\"<>]+" + re.escape(path) + r"\?code=[\w\-]+(?:&[\w\-]+=[\w%.\-]+)*",
        text_of(message),
    )
    assert found, f"no {path} link in: {text_of(message)[:400]}"
    return found[0]
