"""Time-based one-time codes (TOTP, RFC 6238, the 6-digit codes of authenticator apps): is a
code right for a key at a time, and may it be used (each code works once). The key is made by
care/accounts/second_factor.py and stored sealed with the server's key (care/secrets.py)."""

import hmac
import re
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import or_, update
from sqlmodel import Session

from care import secrets
from care.tables import User
from care.types import utcnow

STEP = timedelta(seconds=30)
# One step either side: a phone's clock a little off, or a code typed as it turned over.
DRIFT = 1
_SIX_DIGITS = re.compile(r"\d{6}")


class CodeNeeded(Exception):
    """The password was right and the account also asks for its one-time code."""

    def __init__(self, user: User):
        super().__init__("this account also asks for the 6-digit code from its authenticator app")
        self.user = user


def enabled(user: User) -> bool:
    """True once a second factor is set up and confirmed."""
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def new_key() -> str:
    """A fresh shared key (160 bits, base32, as authenticator apps expect)."""
    return pyotp.random_base32(32)


def seal(key: str) -> str:
    """The key as it is stored."""
    return secrets.encrypt(key)


def key_of(user: User) -> str:
    """The user's key, unsealed (ValueError when no configured server key opens it)."""
    return secrets.decrypt(user.totp_secret)


def step_of(key: str, code: str, now: datetime | None = None) -> int | None:
    """The time step at which `code` is right for `key` (within the drift), or None. Spaces
    in the code are allowed, since apps show it in two halves."""
    code = (code or "").replace(" ", "")
    if not _SIX_DIGITS.fullmatch(code):
        return None
    totp = pyotp.TOTP(key)
    now = now or utcnow()
    for offset in range(-DRIFT, DRIFT + 1):
        at = now + offset * STEP
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def use(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """True when the code is right and newer than the last one used; it is then used up, by a
    guarded write, so two requests with one code cannot both pass."""
    if not enabled(user):
        return False
    try:
        key = key_of(user)
    except ValueError:
        return False  # sealed with a server key that is gone: an admin resets it
    step = step_of(key, code, now)
    if step is None:
        return False
    result = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_step.is_(None), User.totp_step < step))
        .values(totp_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(user, ["totp_step"])
    return True
