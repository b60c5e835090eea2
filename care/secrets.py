"""Secrets that must be readable again (webhook signing keys) are encrypted at rest with a key
derived from the server's secret key (Fernet: AES-128-CBC with HMAC-SHA256)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_key: bytes | None = None


def configure(server_secret: str) -> None:
    """Derive the encryption key from HEARTH_SECRET_KEY (called once at start)."""
    global _key
    digest = hashlib.sha256(b"hearth-secrets-v1:" + server_secret.encode()).digest()
    _key = base64.urlsafe_b64encode(digest)


def _fernet() -> Fernet:
    if _key is None:
        raise RuntimeError("care.secrets.configure() was not called")
    return Fernet(_key)


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """Decrypt a stored secret; a changed server key makes old secrets unreadable (ValueError)."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "this secret was encrypted with another HEARTH_SECRET_KEY; register the webhook again"
        ) from None
