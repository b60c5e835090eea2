"""Who is asking: bearer tokens for the API, a session cookie for the web pages."""

import hmac
import secrets
import uuid

from flask import g, request, session

from care.accounts import tokens
from care.tables import User
from service import db

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"
SESSION_EPOCH = "epoch"


def bearer_secret() -> str | None:
    """The token from an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_user() -> User | None:
    """The signed-in user of this request (bearer token first, then the session cookie)."""
    if "user" in g:
        return g.user
    user = None
    g.via = None
    secret = bearer_secret()
    if secret is not None:
        found = tokens.authenticate(db.session(), secret)
        if found:
            user, g.token = found
            g.via = "token"
            db.session().commit()
    elif SESSION_USER in session:
        try:
            candidate = db.session().get(User, uuid.UUID(session[SESSION_USER]))
        except ValueError:
            candidate = None
        # A session from before the account's latest new password (or disable) has ended.
        if (
            candidate is not None
            and candidate.active
            and session.get(SESSION_EPOCH, 0) == candidate.session_epoch
        ):
            user = candidate
            g.via = "cookie"
        else:
            session.clear()
    g.user = user
    return user


def sign_in_session(user: User) -> None:
    """Start a fresh web session for this user (a new session on every sign-in)."""
    session.clear()
    session[SESSION_USER] = str(user.id)
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    session[SESSION_EPOCH] = user.session_epoch or 0
    session.permanent = True


def keep_this_session(user: User) -> None:
    """After this session set a new password (which ends every session): keep this one."""
    session[SESSION_EPOCH] = user.session_epoch or 0


def sign_out_session() -> None:
    """End the web session."""
    session.clear()


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    if SESSION_CSRF not in session:
        session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return session[SESSION_CSRF]


def csrf_valid(candidate: str | None) -> bool:
    """True when the candidate matches this session's token."""
    expected = session.get(SESSION_CSRF)
    return bool(expected and candidate) and hmac.compare_digest(expected, candidate)
