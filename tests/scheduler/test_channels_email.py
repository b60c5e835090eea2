"""EmailChannel against a real SMTP server (aiosmtpd) on loopback, and against no server."""

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from practices.language import language_problems
from scheduler.channels.base import Channel
from scheduler.channels.email import DEFAULT_SENDER, EmailChannel, message_id
from tests.scheduler.test_channels_wording import OPEN_URL, SETTINGS_URL, make_alert, make_message

SENDER = "hearth <no-reply@hearth.test>"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that keeps every envelope and refuses chosen recipients."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Refuse nobody@ for good, busy@ for now, accept everyone else."""
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox here"
        if address.startswith("busy@"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Record the envelope (up to a bound)."""
        if len(self.envelopes) >= 50:  # bounded, whatever a buggy test sends
            return "452 4.5.3 too many messages in this test"
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp():
    """A recording SMTP server on 127.0.0.1, stopped after the test."""
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    try:
        yield handler, controller
    finally:
        controller.stop()


def channel_for(controller, **options) -> EmailChannel:
    """An EmailChannel pointed at the test server."""
    return EmailChannel(
        controller.hostname, controller.port, SENDER, timeout=5, **({"tls": "none"} | options)
    )


def parsed(envelope) -> email.message.EmailMessage:
    """The delivered message, parsed with the modern email API."""
    return email.message_from_bytes(envelope.original_content, policy=default)


def test_prompt_is_delivered_with_plain_and_html_parts(smtp):
    handler, controller = smtp
    channel = channel_for(controller)
    result = channel.send(make_message())
    assert result.outcome == "ok", result.detail
    assert isinstance(channel, Channel)
    (envelope,) = handler.envelopes
    assert envelope.mail_from == "no-reply@hearth.test"
    assert envelope.rcpt_tos == ["sam@example.org"]
    mail = parsed(envelope)
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert OPEN_URL in plain and f'href="{OPEN_URL}"' in html
    for part in (mail["Subject"], plain, html):
        assert language_problems(part) == [], part
    assert mail["Subject"] == "Your 5-minute practice is ready: A kind pause for a hard moment"
    assert mail["To"] == "Sam <sam@example.org>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Hearth-Idempotency-Key"] == "prompt-p-123-v1"
    assert mail["List-Unsubscribe"] == f"<{SETTINGS_URL}>"


def test_resend_keeps_the_message_id(smtp):
    handler, controller = smtp
    channel = channel_for(controller)
    first, again = make_message(), make_message(recipient_name="Sam R.")
    assert channel.send(first).ok and channel.send(again).ok
    assert channel.send(make_message(idempotency_key="prompt-p-124-v1")).ok
    ids = [parsed(e)["Message-ID"] for e in handler.envelopes]
    assert ids[0] == ids[1] == message_id(first, SENDER) and ids[2] != ids[0]
    assert ids[0].endswith("@hearth.test>")


def test_reminder_and_alert_travel_the_same_way(smtp):
    handler, controller = smtp
    channel = channel_for(controller)
    assert channel.send(make_message(kind="reminder", idempotency_key="rem-1")).ok
    assert channel.send(make_alert()).ok
    reminder, alert = (parsed(e) for e in handler.envelopes)
    assert "still here until 10:30" in reminder.get_body(("plain",)).get_content()
    assert alert["Subject"] == "Urgent: a crisis alert in hearth"
    assert alert["Importance"] == "high" and alert["List-Unsubscribe"] is None
    assert "https://hearth.test/dashboard/clients/c-1" in alert.get_body(("plain",)).get_content()


def test_refused_recipient_is_failed(smtp):
    handler, controller = smtp
    result = channel_for(controller).send(make_message(recipient_email="nobody@example.org"))
    assert result.outcome == "failed" and result.status_code == 550
    assert "no such mailbox" in result.detail and handler.envelopes == []


def test_temporarily_refused_recipient_is_retry(smtp):
    _, controller = smtp
    result = channel_for(controller).send(make_message(recipient_email="busy@example.org"))
    assert result.outcome == "retry" and result.status_code == 450


def test_no_email_address_is_failed_without_connecting():
    # A closed port: had the channel tried to connect, the result would be "retry".
    channel = EmailChannel("127.0.0.1", free_port(), SENDER, timeout=1)
    for missing in (None, ""):
        result = channel.send(make_message(recipient_email=missing))
        assert result.outcome == "failed" and "no email address" in result.detail


def test_malformed_address_is_failed():
    result = EmailChannel("127.0.0.1", free_port(), SENDER).send(
        make_message(recipient_email="sam at example")
    )
    assert result.outcome == "failed" and "cannot email" in result.detail


def test_server_down_is_retry():
    result = EmailChannel("127.0.0.1", free_port(), SENDER, timeout=2).send(make_message())
    assert result.outcome == "retry" and "could not reach" in result.detail


def test_starttls_against_a_server_without_it_is_failed(smtp):
    _, controller = smtp
    result = channel_for(controller, tls="starttls").send(make_message())
    assert result.outcome == "failed" and "STARTTLS" in result.detail


def test_a_login_without_tls_is_refused_before_anything_is_sent(smtp):
    _, controller = smtp
    with pytest.raises(ValueError, match="needs TLS"):
        channel_for(controller, username="care", password="pw")


def test_from_settings():
    assert EmailChannel.from_settings({}) is None
    assert EmailChannel.from_settings({"HEARTH_SMTP_HOST": " "}) is None
    plain = EmailChannel.from_settings({"HEARTH_SMTP_HOST": "mail.test"})
    assert (plain.host, plain.port, plain.sender, plain.tls) == (
        "mail.test",
        25,
        DEFAULT_SENDER,
        "starttls",  # TLS unless the operator says otherwise
    )
    full = EmailChannel.from_settings(
        {
            "HEARTH_SMTP_HOST": "mail.test",
            "HEARTH_SMTP_PORT": "587",
            "HEARTH_SMTP_FROM": "Clinic <care@clinic.test>",
            "HEARTH_SMTP_USER": "care",
            "HEARTH_SMTP_PASSWORD": "pw",
            "HEARTH_SMTP_STARTTLS": "1",
        }
    )
    assert (full.port, full.sender, full.username, full.password, full.tls) == (
        587,
        "Clinic <care@clinic.test>",
        "care",
        "pw",
        "starttls",
    )
    implicit = EmailChannel.from_settings(
        {"HEARTH_SMTP_HOST": "mail.test", "HEARTH_SMTP_PORT": "465", "HEARTH_SMTP_TLS": "implicit"}
    )
    assert implicit.tls == "implicit"
    old = EmailChannel.from_settings({"HEARTH_SMTP_HOST": "mail.test", "HEARTH_SMTP_STARTTLS": "0"})
    assert old.tls == "none"
    with pytest.raises(ValueError, match="needs TLS"):
        EmailChannel.from_settings(
            {"HEARTH_SMTP_HOST": "mail.test", "HEARTH_SMTP_USER": "care", "HEARTH_SMTP_TLS": "none"}
        )
    with pytest.raises(ValueError, match="HEARTH_SMTP_PORT"):
        EmailChannel.from_settings({"HEARTH_SMTP_HOST": "mail.test", "HEARTH_SMTP_PORT": "x"})


def test_implicit_tls_against_a_plain_server_is_not_sent(smtp):
    handler, controller = smtp
    result = channel_for(controller, tls="implicit").send(make_message())
    assert result.outcome != "ok" and handler.envelopes == []
