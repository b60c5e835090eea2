"""Signed webhooks for companion-app backends, sent with the standard library only.

Signature header: `Hearth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
The timestamp is signed with the body so a captured request cannot be replayed later.
"""

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from scheduler.channels.base import DeliveryResult, Message
from scheduler.channels.targets import Target, Targets, resolve

USER_AGENT = "hearth-webhooks/1"
MAX_URL_LENGTH = 2000
_RETRY_STATUSES = frozenset({408, 429})


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Hearth-Signature header value for `body` sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True when `header` signs `body` with `secret` within `tolerance` seconds of `now`."""
    timestamp, candidates = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)  # several v1 values let a receiver rotate secrets
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).partition(",v1=")[2]
    # Each comparison is constant-time; stopping at a match reveals only which one matched.
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def payload(message: Message, event: str = "prompt.due") -> dict[str, Any]:
    """The JSON body for `message`: what to show and where to open it, never ratings or notes."""
    return {
        "event": event,
        "id": message.idempotency_key,
        "kind": message.kind,
        "prompt_id": message.prompt_id,
        "practice_id": message.practice_id,
        "practice_title": message.practice_title,
        "level": message.level,
        "minutes": message.minutes,
        "scheduled_local": message.local_time_text,
        "expires_at": message.expires_at.isoformat(),
        "open_url": message.open_url,
    }


def check_url(url: str) -> str | None:
    """None when `url` is a usable http(s) webhook URL, else a sentence saying what to fix."""
    if not url or not url.strip():
        return "the webhook URL is empty; paste the full address, e.g. https://example.org/hooks"
    if url != url.strip() or any(c.isspace() or ord(c) < 32 for c in url):
        return "the webhook URL must not contain spaces or line breaks"
    if len(url) > MAX_URL_LENGTH:
        return f"the webhook URL must be at most {MAX_URL_LENGTH} characters long"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "the webhook URL must start with https:// or http://"
    if not parts.hostname:
        return "the webhook URL needs a host name after the //, e.g. https://example.org/hooks"
    if parts.username is not None or parts.password is not None:
        return "the webhook URL must not contain a user name or password; the secret signs it"
    try:
        port = parts.port  # urlsplit only checks the port when asked
    except ValueError:
        port = 0
    if port == 0:
        return "the port in the webhook URL must be a number between 1 and 65535"
    return None


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        """Connect to the checked address, then TLS for the registered host name."""
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout)
    return http.client.HTTPConnection(target.address, target.port, timeout=timeout)


def _classify(status: int, retry_after: str = "") -> DeliveryResult:
    if 200 <= status < 300:
        return DeliveryResult("ok", f"accepted with HTTP {status}", status)
    if 300 <= status < 400:
        # Redirects are never followed (a signed body must not go elsewhere), and where one
        # points is not repeated: the log must not become a way to read other servers.
        detail = "the webhook URL redirects; register the final URL instead"
        return DeliveryResult("failed", detail, status)
    if status in _RETRY_STATUSES or status >= 500:
        wait = f"; the receiver asked to wait {retry_after[:40]}" if retry_after else ""
        return DeliveryResult("retry", f"the receiver answered HTTP {status}{wait}", status)
    return DeliveryResult("failed", f"the receiver refused the request with HTTP {status}", status)


class WebhookChannel:
    """POSTs signed JSON events to checked public addresses; never follows redirects; reports
    retry or failed, never raises."""

    name = "webhook"

    def __init__(self, timeout: float = 5, targets: Targets | None = None) -> None:
        self.timeout = timeout
        self.targets = targets or Targets()

    def send(
        self, message: Message, *, url: str, secret: str, event: str = "prompt.due"
    ) -> DeliveryResult:
        """POST `message` as `event` to `url`, signed with `secret`."""
        return self._post(url, secret, event, message.idempotency_key, payload(message, event))

    def ping(self, url: str, secret: str) -> DeliveryResult:
        """Send a signed `webhook.ping` event so an owner can test their endpoint."""
        key = f"ping-{uuid.uuid4().hex}"
        return self._post(url, secret, "webhook.ping", key, {"event": "webhook.ping", "id": key})

    def _post(self, url: str, secret: str, event: str, key: str, data: dict) -> DeliveryResult:
        problem = check_url(url)
        if problem:
            return DeliveryResult("failed", problem)
        target = resolve(url, self.targets)
        if isinstance(target, str):
            return DeliveryResult("failed", target)
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Host": target.netloc.rsplit("@", 1)[-1],
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Hearth-Event": event,
            "Hearth-Idempotency-Key": key,
            "Hearth-Signature": sign(secret, body, int(time.time())),
        }
        connection = _connection(target, self.timeout)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            # Read a little so keep-alive servers see a complete exchange; the body is unused.
            response.read(1024)
            return _classify(response.status, response.getheader("Retry-After", "") or "")
        except (OSError, http.client.HTTPException) as error:
            return _unreachable(error)
        finally:
            connection.close()


def _unreachable(reason: object) -> DeliveryResult:
    if isinstance(reason, ssl.SSLCertVerificationError):
        # A certificate problem needs a person, not another attempt.
        return DeliveryResult("failed", "the receiver's TLS certificate was refused")
    # Refused, reset, timed out: one answer, so the log tells nothing about ports and hosts.
    return DeliveryResult("retry", "could not reach the receiver, or it did not answer in time")
