"""Passwords after the first: a signed-in person changes theirs (the current one required), a
forgotten one is reset through a one-time link that lasts half an hour. Setting a password
ends every other session and token of the account; the caller tells the owner by email."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from care import audit
from care.accounts import tokens
from care.accounts.passwords import verify_password
from care.accounts.users import (
    check_password_strength,
    end_other_sessions,
    find_by_email,
    normalise_email,
    set_password,
)
from care.errors import Conflict, Invalid, NotFound, TooMany
from care.schemas.fields import Email
from care.tables import ApiToken, User
from care.types import utcnow

RESET_TTL = timedelta(minutes=30)
# A reset link goes to the account's own address, but nobody should be able to flood it.
RESETS_PER_HOUR = 3
RESET_INVALID = (
    "this reset link is not valid: it may have expired (links last "
    f"{int(RESET_TTL.total_seconds() // 60)} minutes) or been used already; ask for a new one"
)

# A move of one's email waits for the new address to answer, for a day at most.
EMAIL_TTL = timedelta(hours=24)
EMAIL_REQUESTS_PER_HOUR = 5
EMAIL_LINK_INVALID = (
    "this link is not valid: it may have expired (links last a day) or been used already; "
    "ask for a new one on your Password and email page"
)


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    keep_token: ApiToken | None = None,
    keep_session: uuid.UUID | None = None,
) -> None:
    """Change a signed-in person's password; every other session and token ends (the token
    or web session of this request, if any, keeps working)."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid("the current password is not right", field="current_password")
    if new == current:
        raise Invalid("choose a new password, different from the current one", field="password")
    set_password(
        session,
        user,
        new,
        keep_token=keep_token.id if keep_token else None,
        keep_session=keep_session,
    )
    audit.record(
        session, "auth.password_change", actor_id=user.id, target_type="user", target_id=user.id
    )


def request_reset(session: Session, email: str) -> tuple[User, str] | None:
    """A one-time reset link's secret for the active account with this email, or None (no
    such account, a disabled one, or too many links in the last hour). The caller answers the
    same in every case, so the page tells nobody whether an address has an account."""
    user = find_by_email(session, email)
    if user is None or not user.active:
        return None
    now = utcnow()
    if tokens.issued_since(session, user.id, "reset", now - timedelta(hours=1)) >= RESETS_PER_HOUR:
        audit.record(
            session,
            "auth.reset_request",
            actor_id=None,
            target_type="user",
            target_id=user.id,
            outcome="limited",
        )
        return None
    tokens.revoke_all(session, user.id, kind="reset")  # only the newest link works
    secret, _ = tokens.issue(session, user, ttl=RESET_TTL, kind="reset", label="password reset")
    audit.record(
        session, "auth.reset_request", actor_id=None, target_type="user", target_id=user.id
    )
    return user, secret


def reset_password(session: Session, secret: str, password: str) -> User:
    """Set a new password with a reset link and use the link up; every session ends."""
    token = tokens.find_valid(session, secret or "", kind="reset")
    user = session.get(User, token.user_id) if token else None
    if token is None or user is None or not user.active:
        raise NotFound(RESET_INVALID)
    check_password_strength(password, user.email)  # before the link is used up: retry allowed
    if not tokens.use_up(session, token):
        raise NotFound(RESET_INVALID)
    set_password(session, user, password)
    audit.record(
        session, "auth.reset_password", actor_id=user.id, target_type="user", target_id=user.id
    )
    return user


def _new_address(user: User, current: str, email: str) -> str:
    """The address one asks to move to, once the current password is right."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid("the current password is not right", field="current_password")
    try:
        new = normalise_email(TypeAdapter(Email).validate_python(email or ""))
    except ValidationError:
        raise Invalid("write a full email address, e.g. name@example.org", field="email") from None
    if new == user.email:
        raise Invalid("this is already your email address", field="email")
    return new


def _move(
    session: Session,
    user: User,
    new: str,
    *,
    keep_token: uuid.UUID | None = None,
    keep_session: uuid.UUID | None = None,
) -> str:
    old, user.email = user.email, new
    session.add(user)
    end_other_sessions(session, user, keep_token=keep_token, keep_session=keep_session)
    audit.record(
        session, "auth.email_change", actor_id=user.id, target_type="user", target_id=user.id
    )
    return old


def change_email(
    session: Session,
    user: User,
    current: str,
    email: str,
    *,
    keep_token: ApiToken | None = None,
    keep_session: uuid.UUID | None = None,
) -> str:
    """Change one's own sign-in email at once (the current password required), for a
    deployment that sends no email and so cannot ask the new address first; every other
    session and token ends, as after a new password. Returns the old address, to be told."""
    new = _new_address(user, current, email)
    if find_by_email(session, new) is not None:
        raise Conflict("this email cannot be used; please use another address", field="email")
    keep = keep_token.id if keep_token else None
    return _move(session, user, new, keep_token=keep, keep_session=keep_session)


@dataclass(frozen=True)
class EmailRequest:
    """A move to `new` waiting for the new address to answer. `secret` goes in the link to
    `new`; `owner` is set instead when another account already has the address (it is told,
    and nothing changes). The person who asked sees the same either way."""

    user: User
    new: str
    secret: str
    expires_at: datetime
    owner: User | None = None


def _address_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def request_email_change(session: Session, user: User, current: str, email: str) -> EmailRequest:
    """Ask to move one's sign-in email (the current password required): nothing changes
    until the link sent to the new address is opened, so the answer never says whether the
    address has an account. At most EMAIL_REQUESTS_PER_HOUR, counted the same either way."""
    new = _new_address(user, current, email)
    if tokens.issued_since(session, user.id, "email", utcnow() - timedelta(hours=1)) >= (
        EMAIL_REQUESTS_PER_HOUR
    ):
        raise TooMany(
            "you asked for several email changes in the last hour; please wait an hour and "
            "try again",
            retry_after=3600,
        )
    tokens.revoke_all(session, user.id, kind="email")
    # A token either way: the count above must not tell the two apart.
    secret, token = tokens.issue(
        session, user, ttl=EMAIL_TTL, kind="email", label=_address_key(new)
    )
    owner = find_by_email(session, new)
    audit.record(
        session,
        "auth.email_change_request",
        actor_id=user.id,
        target_type="user",
        target_id=user.id,
        detail="the address already has an account; its owner is told" if owner else "",
    )
    return EmailRequest(user=user, new=new, secret=secret, expires_at=token.expires_at, owner=owner)


def confirm_email_change(
    session: Session, secret: str, email: str, *, keep_session: uuid.UUID | None = None
) -> tuple[User, str]:
    """Open the link sent to the new address: the account moves to it, every other session
    and token ends. Returns (the user, the old address, to be told)."""
    token = tokens.find_valid(session, secret, kind="email")
    if token is None or token.label != _address_key(email or ""):
        raise NotFound(EMAIL_LINK_INVALID)
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise NotFound(EMAIL_LINK_INVALID)
    new = normalise_email(email)
    if find_by_email(session, new) is not None:
        # Whoever opens this link reads the new address's mail: they may know.
        raise Conflict("this address has an account now, so your email stays as it was")
    if not tokens.use_up(session, token):
        raise NotFound(EMAIL_LINK_INVALID)
    return user, _move(session, user, new, keep_session=keep_session)
