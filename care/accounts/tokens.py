"""Bearer tokens and invitations: random secrets of which only a SHA-256 hash is stored.

The secrets carry 256 bits of entropy, so a fast hash is enough (no need for argon2 here)."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from care.tables import ApiToken, User
from care.types import utcnow

API_PREFIX = "hth_"
INVITE_PREFIX = "hti_"
RESET_PREFIX = "htr_"
EMAIL_PREFIX = "hte_"
# A claim is the code handed over for an address that already has an account: it looks like
# an invitation, so whoever handed it over cannot tell the two apart (care/clients/logins.py).
_PREFIXES = {
    "invite": INVITE_PREFIX,
    "claim": INVITE_PREFIX,
    "reset": RESET_PREFIX,
    "email": EMAIL_PREFIX,
}
KINDS = ("api", "invite", "claim", "reset", "email")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    session: Session, user: User, *, ttl: timedelta, kind: str = "api", label: str = ""
) -> tuple[str, ApiToken]:
    """Create a token for a user; the plain secret is returned once and never stored."""
    secret = _PREFIXES.get(kind, API_PREFIX) + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        kind=kind,
        token_hash=_hash(secret),
        label=label,
        expires_at=utcnow() + ttl,
    )
    session.add(token)
    return secret, token


def find_valid(session: Session, secret: str, *, kind: str = "api") -> ApiToken | None:
    """The live token for a secret: not expired, not revoked, of the right kind."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash(secret))).first()
    if token is None or token.kind != kind or token.revoked_at is not None:
        return None
    if token.expires_at <= utcnow():
        return None
    return token


def authenticate(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token, or None."""
    token = find_valid(session, secret)
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    # Writing last_used_at on every request would make each read a write; once a minute is enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        session.add(token)
    return user, token


def use_up(session: Session, token: ApiToken) -> bool:
    """Use a one-time code (an invitation, a reset link): True for the one request that got
    it first. A guarded UPDATE, so two requests with the same code cannot both pass, on
    SQLite or PostgreSQL, whatever they read before."""
    now = utcnow()
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    token.revoked_at = now
    return True


def revoke(session: Session, token: ApiToken, when: datetime | None = None) -> None:
    """Revoke a token from now on."""
    token.revoked_at = when or utcnow()
    session.add(token)


def revoke_all(
    session: Session,
    user_id: uuid.UUID,
    *,
    kind: str | None = None,
    keep: uuid.UUID | None = None,
) -> int:
    """Revoke every live token of one kind (or of every kind) for a user, except `keep`;
    returns how many."""
    statement = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if kind is not None:
        statement = statement.where(ApiToken.kind == kind)
    count = 0
    for token in session.exec(statement):
        if token.id != keep:
            revoke(session, token)
            count += 1
    return count


def revoke_labelled(session: Session, kind: str, label: str) -> None:
    """Revoke every live token of one kind that carries this label, whoever holds it."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.kind == kind, ApiToken.label == label, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def issued_since(session: Session, user_id: uuid.UUID, kind: str, since: datetime) -> int:
    """How many tokens of one kind were issued to a user since `since` (used or not)."""
    rows = session.exec(
        select(ApiToken.id).where(
            ApiToken.user_id == user_id, ApiToken.kind == kind, ApiToken.created_at >= since
        )
    )
    return len(rows.all())
