"""Secrets that must be readable again (webhook signing keys, the keys of second factors) are
encrypted at rest with a key derived from the server's secret key (Fernet: AES-128-CBC with
HMAC-SHA256).

During a key rotation the previous server key is configured too: stored secrets open with
either key (newest first) and everything new is encrypted with the current one."""

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import Session, select

from care.tables import User, WebhookEndpoint

_keys: list[bytes] = []


def _derive(server_secret: str) -> bytes:
    digest = hashlib.sha256(b"hearth-secrets-v1:" + server_secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configure(server_secret: str, previous: str | None = None) -> None:
    """Derive the encryption keys from HEARTH_SECRET_KEY and, while rotating, the previous key."""
    global _keys
    _keys = [_derive(server_secret)] + ([_derive(previous)] if previous else [])


def _fernet() -> MultiFernet:
    if not _keys:
        raise RuntimeError("care.secrets.configure() was not called")
    return MultiFernet([Fernet(key) for key in _keys])


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage (always with the current key)."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """Decrypt a stored secret; one that no configured key opens raises ValueError."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "this secret was encrypted with another HEARTH_SECRET_KEY; register the webhook again"
        ) from None


def _under_current_key(stored: str) -> bool:
    """True when the current key alone opens the stored secret (nothing left to rotate)."""
    _fernet()  # raises when not configured
    try:
        Fernet(_keys[0]).decrypt(stored.encode())
    except InvalidToken:
        return False
    return True


def _rotate(stored: str) -> str:
    """The stored secret re-encrypted with the current key; ValueError if no key opens it."""
    try:
        return _fernet().rotate(stored.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "neither the current nor the previous HEARTH_SECRET_KEY opens it"
        ) from None


@dataclass
class Rotation:
    """What a rotation did: secrets moved to the current key, already on it, and unreadable."""

    rotated: int = 0
    current: int = 0
    unreadable: list[WebhookEndpoint] = field(default_factory=list)
    keys_rotated: int = 0  # the same for second-factor keys
    keys_current: int = 0
    keys_unreadable: list[User] = field(default_factory=list)


def rotate_stored(session: Session) -> Rotation:
    """Re-encrypt every stored webhook secret and second-factor key with the current key (the
    caller commits, so it is one transaction); one that no configured key opens is listed and
    left as it is."""
    done = Rotation()
    for endpoint in session.exec(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)):
        if _under_current_key(endpoint.secret):
            done.current += 1
            continue
        try:
            endpoint.secret = _rotate(endpoint.secret)
        except ValueError:
            done.unreadable.append(endpoint)
            continue
        session.add(endpoint)
        done.rotated += 1
    for user in session.exec(select(User).where(User.totp_secret.is_not(None))):
        if _under_current_key(user.totp_secret):
            done.keys_current += 1
            continue
        try:
            user.totp_secret = _rotate(user.totp_secret)
        except ValueError:
            done.keys_unreadable.append(user)
            continue
        session.add(user)
        done.keys_rotated += 1
    return done
