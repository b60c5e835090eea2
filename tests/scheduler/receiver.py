"""A loopback webhook receiver for tests: verifies signatures, records requests, misbehaves
on request (fail the first N, answer a fixed status, answer slowly).

Verification is written here from the header spec alone, on purpose independent of
scheduler.channels.webhook, so a bug in the sender's signing cannot hide behind the same bug
in the checker.
"""

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1024 * 1024
TOLERANCE = 300


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    key: str
    event: str
    body: Any  # parsed JSON, or None when the body was not JSON
    valid: bool
    status: int
    headers: dict[str, str]


def signature_ok(secret: str, header: str, body: bytes, now: float) -> bool:
    """The documented check: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>, fresh t."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE:
        return False
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


class WebhookReceiver:
    """A threading HTTP server on 127.0.0.1 that accepts signed webhooks (a context manager)."""

    def __init__(
        self,
        secret: str,
        *,
        fail_first: int = 0,
        status: int = 200,
        delay: float = 0,
        max_requests: int = 100,
    ) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.status = status
        self.delay = delay
        self.max_requests = max_requests
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests: list[Received] = []
        self._keys: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The address to POST to."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    @property
    def requests(self) -> list[Received]:
        """A snapshot of every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def keys_processed(self) -> list[str]:
        """Idempotency keys answered 2xx, in order, repeats included; a slow answer counts
        even when the sender stopped waiting, as a real receiver would have done the work."""
        with self._lock:
            return list(self._keys)

    def duplicates(self) -> list[str]:
        """Keys accepted more than once (what an idempotent sender must never cause)."""
        return sorted(key for key, n in Counter(self.keys_processed).items() if n > 1)

    def close(self) -> None:
        """Stop serving and release the port; wakes any request still waiting out its delay."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "WebhookReceiver":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _answer(self, key: str, event: str, body: bytes, headers: dict[str, str]) -> int:
        valid = signature_ok(self.secret, headers.get("Hearth-Signature", ""), body, time.time())
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with self._lock:
            seen = len(self._requests)
            if seen >= self.max_requests:
                status = 503  # a runaway sender must not grow the record forever
            elif seen < self.fail_first:
                status = 500
            elif not valid:
                status = 401
            else:
                status = self.status
            if seen < self.max_requests:
                self._requests.append(Received(key, event, parsed, valid, status, headers))
            if 200 <= status < 300:
                self._keys.append(key)
        return status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # a stalled client cannot hold a server thread for long

            def do_POST(self) -> None:
                """Read, verify and record one webhook, then answer as configured."""
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._reply(413)
                    return
                body = self.rfile.read(length)
                headers = dict(self.headers.items())
                status = receiver._answer(
                    headers.get("Hearth-Idempotency-Key", ""),
                    headers.get("Hearth-Event", ""),
                    body,
                    headers,
                )
                if receiver.delay:
                    receiver._stopping.wait(receiver.delay)
                self._reply(status)

            def _reply(self, status: int) -> None:
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", receiver.url + "/moved")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (its timeout), which is what the test wanted

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler
