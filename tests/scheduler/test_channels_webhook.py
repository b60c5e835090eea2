"""Signed webhooks: signing and verifying, the loopback receiver, and every answer class."""

import json
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread

import pytest

from scheduler.channels.base import Channel
from scheduler.channels.targets import Targets
from scheduler.channels.webhook import (
    USER_AGENT,
    WebhookChannel,
    check_url,
    payload,
    sign,
    verify,
)
from tests.scheduler.receiver import WebhookReceiver, signature_ok
from tests.scheduler.test_channels_wording import make_message

LOOPBACK = Targets(allow_http=True, allow_private=True)  # the test receivers

SECRET = "whsec-test-0123456789"


def test_sign_matches_the_documented_algorithm():
    header = sign(SECRET, b'{"a":1}', 1700000000)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert signature_ok(SECRET, header, b'{"a":1}', now=1700000000)
    assert verify(SECRET, header, b'{"a":1}', now=1700000000)


def test_verify_rejects_tampering_stale_and_garbage():
    body, t = b'{"id":"k"}', 1700000000
    header = sign(SECRET, body, t)
    assert verify(SECRET, header, body, now=t + 300)
    assert not verify(SECRET, header, b'{"id":"K"}', now=t)
    assert not verify("other-secret", header, body, now=t)
    assert not verify(SECRET, header, body, now=t + 301)
    assert not verify(SECRET, header, body, now=t - 301)
    assert not verify(SECRET, header, body, now=t + 60, tolerance=30)
    for bad in (
        "",
        "t=abc,v1=00",
        "t=¹,v1=00",
        f"v1={header.split('v1=')[1]}",
        f"t={t}",
        "nonsense",
    ):
        assert not verify(SECRET, bad, body, now=t)
    # A second v1 (a rotated secret) is accepted when one of them matches.
    assert verify(SECRET, f"t={t},v1={'0' * 64},{header.split(',')[1]}", body, now=t)


def test_payload_carries_what_to_show_and_no_ratings():
    data = payload(make_message(alert_text="distress 9/10", client_name="Sam"))
    assert data == {
        "event": "prompt.due",
        "id": "prompt-p-123-v1",
        "kind": "prompt",
        "prompt_id": "p-123",
        "practice_id": "self-compassion-break",
        "practice_title": "A kind pause for a hard moment",
        "level": 3,
        "minutes": 5,
        "scheduled_local": "Tuesday 08:30",
        "expires_at": "2025-03-04T09:30:00+00:00",
        "open_url": "https://hearth.test/practice/p-123",
    }
    text = json.dumps(data).lower()
    assert all(word not in text for word in ("distress", "rating", "9/10", "note", "@"))


def test_delivery_is_signed_and_recorded():
    channel = WebhookChannel(timeout=5, targets=LOOPBACK)
    assert isinstance(channel, Channel)
    with WebhookReceiver(SECRET) as receiver:
        result = channel.send(make_message(), url=receiver.url, secret=SECRET)
        assert result.outcome == "ok" and result.status_code == 200
        (seen,) = receiver.requests
    assert seen.valid and seen.key == "prompt-p-123-v1" and seen.event == "prompt.due"
    assert seen.body == payload(make_message())
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["User-Agent"] == USER_AGENT
    assert receiver.keys_processed == ["prompt-p-123-v1"] and receiver.duplicates() == []


def test_receiver_flags_tampered_and_stale_requests():
    body = json.dumps({"event": "prompt.due", "id": "k1"}).encode()
    fresh, stale = int(time.time()), int(time.time()) - 3600
    cases = [(body + b" ", sign(SECRET, body, fresh)), (body, sign(SECRET, body, stale))]
    with WebhookReceiver(SECRET) as receiver:
        for sent_body, header in cases:
            request = urllib.request.Request(
                receiver.url,
                data=sent_body,
                headers={"Hearth-Signature": header, "Hearth-Idempotency-Key": "k1"},
            )
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=5)
            caught.value.close()
            assert caught.value.code == 401
    assert [r.valid for r in receiver.requests] == [False, False]
    assert receiver.keys_processed == []


def test_server_errors_are_retried_and_a_resend_is_one_key():
    channel, message = WebhookChannel(timeout=5, targets=LOOPBACK), make_message()
    with WebhookReceiver(SECRET, fail_first=2) as receiver:
        outcomes = [channel.send(message, url=receiver.url, secret=SECRET) for _ in range(3)]
        assert [r.outcome for r in outcomes] == ["retry", "retry", "ok"]
        assert outcomes[0].status_code == 500
        assert len({r.key for r in receiver.requests}) == 1
        assert receiver.keys_processed == [message.idempotency_key]
        channel.send(message, url=receiver.url, secret=SECRET)
        assert receiver.duplicates() == [message.idempotency_key]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, "ok"),
        (204, "ok"),
        (404, "failed"),
        (410, "failed"),
        (408, "retry"),
        (429, "retry"),
        (503, "retry"),
        (302, "failed"),
        (307, "failed"),
    ],
)
def test_status_classes(status, outcome):
    with WebhookReceiver(SECRET, status=status) as receiver:
        result = WebhookChannel(targets=LOOPBACK).send(
            make_message(), url=receiver.url, secret=SECRET
        )
        assert (result.outcome, result.status_code) == (outcome, status)
        assert len(receiver.requests) == 1  # redirects are not followed to a second request
    if 300 <= status < 400:
        assert "register the final URL" in result.detail


def test_slow_receiver_is_retry():
    with WebhookReceiver(SECRET, delay=2) as receiver:
        result = WebhookChannel(timeout=0.5, targets=LOOPBACK).send(
            make_message(), url=receiver.url, secret=SECRET
        )
        # The receiver did process it: the sender cannot know, which is why keys are stable.
        assert receiver.keys_processed == [make_message().idempotency_key]
    assert result.outcome == "retry" and "in time" in result.detail


def test_closed_port_is_retry():
    with WebhookReceiver(SECRET) as receiver:
        url = receiver.url
    result = WebhookChannel(timeout=1, targets=LOOPBACK).send(
        make_message(), url=url, secret=SECRET
    )
    assert result.outcome == "retry" and "could not reach" in result.detail


def test_bad_url_is_failed_without_a_request():
    result = WebhookChannel(targets=LOOPBACK).send(
        make_message(), url="ftp://x.test/h", secret=SECRET
    )
    assert result.outcome == "failed" and "https://" in result.detail


def test_ping_is_a_signed_event():
    with WebhookReceiver(SECRET) as receiver:
        assert WebhookChannel(targets=LOOPBACK).ping(receiver.url, SECRET).ok
        (seen,) = receiver.requests
    assert seen.valid and seen.event == "webhook.ping" and seen.key.startswith("ping-")
    assert seen.body == {"event": "webhook.ping", "id": seen.key}


def test_answers_that_are_not_http_are_retry():
    class Garbage(BaseHTTPRequestHandler):
        def handle(self):
            """Answer one request with bytes that are not an HTTP response."""
            self.rfile.readline()
            self.wfile.write(b"not http at all\r\n\r\n")

    server = HTTPServer(("127.0.0.1", 0), Garbage)
    thread = Thread(target=server.handle_request, daemon=True)  # exactly one request
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = WebhookChannel(timeout=2, targets=LOOPBACK).send(
            make_message(), url=url, secret=SECRET
        )
    finally:
        thread.join(timeout=5)
        server.server_close()
    assert result.outcome == "retry"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.org/hooks", None),
        ("http://127.0.0.1:8080/h?x=1", None),
        ("HTTPS://Example.org", None),
        ("", "empty"),
        ("example.org/hooks", "must start with https:// or http://"),
        ("ftp://example.org/", "must start with https:// or http://"),
        ("javascript:alert(1)", "must start with https:// or http://"),
        ("https:///hooks", "host name"),
        ("https://exa mple.org", "spaces"),
        (" https://example.org", "spaces"),
        ("https://example.org/\nx", "spaces"),
        ("https://user:pw@example.org/", "user name or password"),
        ("https://example.org:99999/", "port"),
        ("https://example.org:0/", "port"),
        ("https://example.org/" + "a" * 2000, "at most 2000"),
    ],
)
def test_check_url(url, problem):
    answer = check_url(url)
    if problem is None:
        assert answer is None
    else:
        assert problem in answer and answer[0].islower() and not answer.endswith(".")
