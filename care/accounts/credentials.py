"""Passwords after the first: a signed-in person changes theirs (the current one required), a
forgotten one is reset through a one-time link that lasts half an hour. Setting a password
ends every other session and token of the account; the caller tells the owner by email."""

import uuid
from datetime import timedelta

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
from care.errors import Conflict, Invalid, NotFound
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


def change_email(
    session: Session,
    user: User,
    current: str,
    email: str,
    *,
    keep_token: ApiToken | None = None,
    keep_session: uuid.UUID | None = None,
) -> str:
    """Change one's own sign-in email (the current password required); every other session
    and token ends, as after a new password. Returns the old address, to be told."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid("the current password is not right", field="current_password")
    try:
        new = normalise_email(TypeAdapter(Email).validate_python(email or ""))
    except ValidationError:
        raise Invalid("write a full email address, e.g. name@example.org", field="email") from None
    if new == user.email:
        raise Invalid("this is already your email address", field="email")
    if find_by_email(session, new) is not None:
        raise Conflict("this email cannot be used; please use another address", field="email")
    old, user.email = user.email, new
    session.add(user)
    end_other_sessions(
        session,
        user,
        keep_token=keep_token.id if keep_token else None,
        keep_session=keep_session,
    )
    audit.record(
        session, "auth.email_change", actor_id=user.id, target_type="user", target_id=user.id
    )
    return old
