"""Where a webhook may go: https only (unless the operator allows http), and only to public
addresses (unless the operator allows private ones for an on-premise receiver). A host name is
resolved once and the request connects to the very address that was checked, so a name that
changes its answer between the check and the connection (DNS rebinding) cannot slip through."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

PRIVATE = (
    "the webhook URL points to a private or local address (loopback, a private network, "
    "link-local, carrier-grade NAT, multicast or a cloud metadata service); use the "
    "receiver's public address, or ask whoever runs hearth to allow private targets"
)


@dataclass(frozen=True)
class Targets:
    """The operator's choices (HEARTH_WEBHOOK_ALLOW_HTTP, HEARTH_WEBHOOK_ALLOW_PRIVATE)."""

    allow_http: bool = False
    allow_private: bool = False


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `address`, speak to `host`."""

    scheme: str
    host: str
    port: int
    address: str
    path: str
    netloc: str


def public(address: str) -> bool:
    """True for an address on the public internet (IPv4-mapped IPv6 judged as its IPv4)."""
    parsed = ipaddress.ip_address(address.split("%", 1)[0])
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_global and not parsed.is_multicast


def scheme_problem(url: str, targets: Targets) -> str | None:
    """Why the URL's scheme is not allowed here, or None."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and targets.allow_http):
        return None
    if scheme == "http":
        return "the webhook URL must start with https:// (plain http is not allowed here)"
    return "the webhook URL must start with https://"


def resolve(url: str, targets: Targets) -> Target | str:
    """The checked destination of a syntactically valid URL, or a sentence saying why not."""
    problem = scheme_problem(url, targets)
    if problem:
        return problem
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"the receiver's host name {host[:100]!r} could not be found"
    addresses = [info[4][0] for info in found]
    if not addresses:
        return f"the receiver's host name {host[:100]!r} could not be found"
    if not targets.allow_private and not all(public(a) for a in addresses):
        return PRIVATE
    path = parts.path or "/"
    return Target(
        scheme=scheme,
        host=host,
        port=port,
        address=addresses[0],
        path=path + (f"?{parts.query}" if parts.query else ""),
        netloc=parts.netloc,
    )


def registration_problem(url: str, targets: Targets) -> str | None:
    """What is wrong with registering this URL, checked as far as can be without depending on
    DNS being up: the scheme, and every address the host resolves to (an unknown host is
    left for delivery, which checks again)."""
    problem = scheme_problem(url, targets)
    if problem or targets.allow_private:
        return problem
    found = resolve(url, targets)
    if found == PRIVATE:
        return PRIVATE
    return None
