"""Webhooks go only where they should: https to public addresses unless the operator allows
more, every spelling of a private address refused, the connection made to the very address
that was checked (no DNS rebinding), and no details of other servers in the log."""

import socket

import pytest

from scheduler.channels.targets import PRIVATE, Targets, public, resolve
from scheduler.channels.webhook import WebhookChannel
from tests.scheduler.receiver import WebhookReceiver
from tests.scheduler.test_channels_webhook import SECRET, make_message

STRICT = Targets()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_local_and_metadata_addresses_are_not_public(address):
    assert not public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_are(address):
    assert public(address)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one number
        "https://0x7f.1/hook",  # and in hexadecimal parts
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:7f00:1]/hook",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
def test_every_spelling_of_a_local_address_is_refused(url):
    assert resolve(url, STRICT) == PRIVATE
    result = WebhookChannel(timeout=1, targets=STRICT).send(make_message(), url=url, secret="s")
    assert result.outcome == "failed" and "private or local" in result.detail


def test_plain_http_needs_the_operators_leave():
    assert "https://" in resolve("http://93.184.216.34/hook", STRICT)
    assert not isinstance(resolve("http://93.184.216.34/hook", Targets(allow_http=True)), str)


def test_a_loopback_receiver_gets_nothing_unless_private_targets_are_allowed():
    with WebhookReceiver(SECRET) as receiver:
        strict = WebhookChannel(timeout=2, targets=Targets(allow_http=True))
        assert not strict.send(make_message(), url=receiver.url, secret=SECRET).ok
        assert receiver.requests == []
        open_ = WebhookChannel(timeout=2, targets=Targets(allow_http=True, allow_private=True))
        assert open_.send(make_message(), url=receiver.url, secret=SECRET).ok


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """A name that answers a public address for the check and loopback afterwards (DNS
    rebinding) never reaches the loopback receiver: the request uses the checked address."""
    with WebhookReceiver(SECRET) as receiver:
        port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
        answers = iter(["192.0.2.10", "127.0.0.1", "127.0.0.1", "127.0.0.1"])
        real = socket.getaddrinfo

        def rebinding(host, *args, **kwargs):
            if host == "rebind.example":
                address = next(answers)
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        monkeypatch.setattr("scheduler.channels.targets.public", lambda a: a == "192.0.2.10")
        channel = WebhookChannel(timeout=1, targets=Targets(allow_http=True))
        result = channel.send(make_message(), url=f"http://rebind.example:{port}/", secret=SECRET)
        assert not result.ok and receiver.requests == []


def test_closed_and_silent_receivers_read_the_same_in_the_log():
    with WebhookReceiver(SECRET, delay=3) as silent:
        slow = WebhookChannel(timeout=0.5, targets=Targets(True, True)).send(
            make_message(), url=silent.url, secret=SECRET
        )
    closed = WebhookChannel(timeout=0.5, targets=Targets(True, True)).send(
        make_message(), url=silent.url, secret=SECRET
    )
    assert slow.detail == closed.detail and slow.outcome == closed.outcome == "retry"


def test_a_redirect_is_not_followed_nor_repeated():
    with WebhookReceiver(SECRET, status=302) as receiver:
        result = WebhookChannel(targets=Targets(True, True)).send(
            make_message(), url=receiver.url, secret=SECRET
        )
    assert (
        result.outcome == "failed"
        and "redirects" in result.detail
        and "http" not in (result.detail)
    )
