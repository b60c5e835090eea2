"""Tables for sign-in: users, API tokens and refused sign-ins."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


class User(SQLModel, table=True):
    """A person who signs in: an admin, a therapist or a client."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored lower-cased so that uniqueness is case-insensitive on every database.
    email: str = Field(sa_column=Column(String(320), unique=True, nullable=False))
    name: str = Field(default="", max_length=200)
    password_hash: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = _when(default_factory=utcnow)
    # A second factor (TOTP, RFC 6238) for staff: the shared key once setting up starts (sealed
    # with the server's key, care/secrets.py), when a first code confirmed it, and the time
    # step of the last code used (each works once).
    totp_secret: str | None = Field(default=None, max_length=255)
    totp_confirmed_at: datetime | None = _when(default=None, nullable=True)
    totp_step: int | None = Field(default=None, sa_type=BigInteger)


class ApiToken(SQLModel, table=True):
    """A bearer token or a one-time invitation; only a hash of the secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    kind: str = Field(default="api", max_length=20)
    token_hash: str = Field(max_length=64)
    label: str = Field(default="", max_length=100)
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when()
    revoked_at: datetime | None = _when(default=None, nullable=True)
    last_used_at: datetime | None = _when(default=None, nullable=True)


class SignInFailure(SQLModel, table=True):
    """A refused sign-in, counted per account and per address for the abuse limits. The
    account key is a hash of the normalised email, so unknown addresses leave no readable
    trace; rows older than a day are pruned as new ones arrive."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    # "pair" (an account from an address), "account", "address", "notice" (owner told), "code"
    # (a wrong second-factor code) or "codenote" (owner told about wrong codes)
    kind: str = Field(max_length=10)
    key: str = Field(max_length=64)
    at: datetime = _when(default_factory=utcnow, index=True)


class SignInPolicy(SQLModel, table=True):
    """The deployment's sign-in rules an admin sets: one row (id 1); without it, the defaults."""

    __tablename__ = "sign_in_policy"

    id: int = Field(default=1, primary_key=True)
    # Therapists and admins must use a second factor (clients are never asked for one).
    second_factor_required: bool = Field(default=False)
    updated_at: datetime = _when(default_factory=utcnow)
    updated_by: uuid.UUID | None = None
