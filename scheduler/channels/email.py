"""Email through any SMTP server: one multipart/alternative message per attempt.

The Message-ID comes from the idempotency key, so a resend after a lost reply is recognisably
the same message to the recipient's mail system (and to anyone reading the logs).
"""

import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from scheduler.channels import wording
from scheduler.channels.base import DeliveryResult, Message

DEFAULT_SENDER = "hearth <no-reply@localhost>"


def message_id(message: Message, sender: str) -> str:
    """A stable Message-ID for this message's idempotency key (and kind) at the sender's domain."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "hearth.invalid"
    return f"<{message.kind}.{digest}@{domain}>"


def build(message: Message, sender: str) -> EmailMessage:
    """The complete email for `message` (raises ValueError when the recipient is unusable)."""
    if not message.recipient_email:
        raise ValueError("this person has no email address on file")
    subject, plain, html = wording.render(message)
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    # Address() refuses line breaks and malformed addresses, so no header can be injected.
    mail["To"] = Address(
        display_name=" ".join(message.recipient_name.split()), addr_spec=message.recipient_email
    )
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(message, sender)
    mail["X-Hearth-Idempotency-Key"] = message.idempotency_key
    # Keeps vacation responders and mail loops from answering a machine.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    if message.kind == "alert":
        if message.severity == "urgent":
            mail["Importance"] = "high"
    elif wording.web_link(message.settings_url):
        # The settings page is not an RFC 8058 one-click endpoint, so no List-Unsubscribe-Post.
        mail["List-Unsubscribe"] = f"<{message.settings_url.strip()}>"
    mail.set_content(plain)
    mail.add_alternative(html, subtype="html")
    return mail


def _by_code(code: int, what: str) -> DeliveryResult:
    # SMTP's own split: 4xx is "try again later", 5xx is "this will never work".
    reply = f"{what} (SMTP {code})"
    return DeliveryResult("retry" if 400 <= code < 500 else "failed", reply, code)


class EmailChannel:
    """Sends messages by SMTP; reports temporary trouble as retry, permanent as failed."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: str = "starttls",
        timeout: float = 10,
    ) -> None:
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {', '.join(TLS_MODES)} (got {tls!r})")
        if username and tls == "none":
            # A password sent in the clear on every connection: refuse, whatever asks for it.
            raise ValueError("an SMTP login needs TLS: use starttls or implicit")
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.tls = tls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> "EmailChannel | None":
        """An EmailChannel from HEARTH_SMTP_* settings, or None when no SMTP host is set."""
        host = (settings.get("HEARTH_SMTP_HOST") or "").strip()
        if not host:
            return None
        raw_port = (settings.get("HEARTH_SMTP_PORT") or "25").strip()
        try:
            port = int(raw_port)
        except ValueError:
            message = f"HEARTH_SMTP_PORT must be a whole number (got {raw_port!r})"
            raise ValueError(message) from None
        if not 0 < port < 65536:
            raise ValueError(f"HEARTH_SMTP_PORT must be between 1 and 65535 (got {port})")
        return cls(
            host,
            port,
            settings.get("HEARTH_SMTP_FROM") or DEFAULT_SENDER,
            username=settings.get("HEARTH_SMTP_USER") or None,
            password=settings.get("HEARTH_SMTP_PASSWORD") or None,
            tls=tls_mode(settings),
        )

    def send(self, message: Message) -> DeliveryResult:
        """Deliver `message` once to its recipient's email address."""
        try:
            mail = build(message, self.sender)
        except ValueError as error:
            return DeliveryResult("failed", f"cannot email: {error}")
        envelope_from = parseaddr(self.sender)[1]
        try:
            with self._connect() as smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(
                    mail, from_addr=envelope_from, to_addrs=[message.recipient_email]
                )
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            return _by_code(code, f"the server refused the recipient: {_reply(reply)}")
        except smtplib.SMTPNotSupportedError as error:
            return DeliveryResult("failed", f"the SMTP server does not support this: {error}")
        except smtplib.SMTPResponseException as error:
            return _by_code(error.smtp_code, f"the SMTP server said: {_reply(error.smtp_error)}")
        except smtplib.SMTPServerDisconnected as error:
            return DeliveryResult("retry", f"the SMTP server hung up: {error}")
        except ssl.SSLError as error:
            # Certificates and TLS versions do not fix themselves: a person must look.
            return DeliveryResult("failed", f"TLS with the SMTP server failed: {error}")
        except (OSError, smtplib.SMTPException) as error:
            # Refused connections, timeouts and DNS trouble are usually passing.
            where = f"{self.host}:{self.port}"
            return DeliveryResult("retry", f"could not reach the SMTP server at {where}: {error}")
        if refused:
            code, reply = next(iter(refused.values()))
            return _by_code(code, f"the server refused the recipient: {_reply(reply)}")
        return DeliveryResult("ok", f"accepted by {self.host}:{self.port}")

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "implicit":  # TLS from the first byte (usually port 465)
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


TLS_MODES = ("starttls", "implicit", "none")


def tls_mode(settings: Mapping[str, str]) -> str:
    """HEARTH_SMTP_TLS (starttls by default); the older HEARTH_SMTP_STARTTLS=0 means none."""
    chosen = (settings.get("HEARTH_SMTP_TLS") or "").strip().lower()
    if chosen:
        return chosen
    return "none" if (settings.get("HEARTH_SMTP_STARTTLS") or "").strip() == "0" else "starttls"


def _reply(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
