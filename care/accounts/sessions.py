"""Web sessions on the server: started at sign-in, checked on every request against an idle
and an absolute lifetime, ended by sign-out, by the person (one at a time, from their account
page) and together with every token when a password is set or access ends."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from care import audit
from care.errors import NotFound
from care.tables import ApiToken, User, WebSession
from care.types import utcnow

# Writing last_seen_at on every request would make each read a write; once a minute is enough.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lives: without a request (idle), and at most (absolute)."""

    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, user: User, *, user_agent: str = "", address: str = "") -> str:
    """A new session for this user; returns its secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id,
            secret_hash=_hash(secret),
            user_agent=(user_agent or "")[:200],
            address=(address or "")[:64],
        )
    )
    return secret


def live(
    session: Session, secret: str, lifetimes: Lifetimes, now: datetime | None = None
) -> WebSession | None:
    """The session this secret names, while it has neither ended nor outlived either
    lifetime; notes that it was seen (at most once a minute)."""
    if not isinstance(secret, str) or not secret:
        return None
    now = now or utcnow()
    row = session.exec(select(WebSession).where(WebSession.secret_hash == _hash(secret))).first()
    if row is None or row.ended_at is not None:
        return None
    if now - row.created_at > lifetimes.absolute or now - row.last_seen_at > lifetimes.idle:
        row.ended_at = now
        session.add(row)
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
        session.add(row)
    return row


def end(session: Session, row: WebSession) -> None:
    """End one session from now on."""
    if row.ended_at is None:
        row.ended_at = utcnow()
        session.add(row)


def end_all(session: Session, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
    """End every open session of a user but `keep`; returns how many."""
    statement = (
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        statement = statement.where(WebSession.id != keep)
    return session.execute(statement).rowcount


def open_sessions(session: Session, user: User, lifetimes: Lifetimes) -> list[WebSession]:
    """The user's sessions that still work, newest first."""
    now = utcnow()
    rows = session.exec(
        select(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .order_by(WebSession.created_at.desc())
    )
    return [
        r
        for r in rows
        if now - r.created_at <= lifetimes.absolute and now - r.last_seen_at <= lifetimes.idle
    ]


def own_session(session: Session, user: User, session_id: uuid.UUID) -> WebSession | None:
    """One of the user's sessions by id, or None (another person's is None too)."""
    row = session.get(WebSession, session_id)
    return row if row is not None and row.user_id == user.id else None


@dataclass(frozen=True)
class SignIn:
    """One place where a person is signed in: a browser session or an API token."""

    id: uuid.UUID
    kind: str  # "web" or "token"
    label: str  # the browser's description, or the token's label
    address: str
    created_at: datetime
    last_used_at: datetime | None
    current: bool


def sign_ins(
    session: Session,
    user: User,
    lifetimes: Lifetimes,
    *,
    current_session: uuid.UUID | None = None,
    current_token: uuid.UUID | None = None,
) -> list[SignIn]:
    """Every open session and live API token of the user, newest first."""
    now = utcnow()
    found = [
        SignIn(
            r.id,
            "web",
            r.user_agent,
            r.address,
            r.created_at,
            r.last_seen_at,
            r.id == current_session,
        )
        for r in open_sessions(session, user, lifetimes)
    ]
    for token in session.exec(
        select(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.kind == "api",
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    ):
        found.append(
            SignIn(
                token.id,
                "token",
                token.label,
                "",
                token.created_at,
                token.last_used_at,
                token.id == current_token,
            )
        )
    return sorted(found, key=lambda s: s.created_at, reverse=True)


def end_sign_in(session: Session, user: User, sign_in_id: uuid.UUID) -> str:
    """End one of the user's own sessions or revoke one of their tokens; returns which kind.
    Another person's (or an unknown) id is NotFound."""
    row = own_session(session, user, sign_in_id)
    kind = "web"
    if row is not None and row.ended_at is None:
        end(session, row)
    else:
        token = session.get(ApiToken, sign_in_id)
        if token is None or token.user_id != user.id or token.kind != "api":
            raise NotFound("no sign-in with this id among yours")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)
        kind = "token"
    audit.record(
        session, "auth.end_sign_in", actor_id=user.id, target_type=kind, target_id=sign_in_id
    )
    return kind
