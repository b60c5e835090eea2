"""SQLModel tables of the care record. No validation happens here: input is validated by the
non-table models of the layer that receives it (SQLModel table models skip validation)."""

import uuid
from datetime import datetime, time

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow

ROLES = ("admin", "therapist", "client")
CLINICAL_FLAGS = ("dissociation", "self_harm", "suicidality", "low_mentalizing")

# Defaults of CLINICAL.md section 5 (every one is configurable per client by the therapist).
DEFAULT_START_LEVEL = 1
DEFAULT_MIN_LEVEL = 1
DEFAULT_MAX_LEVEL = 5
DEFAULT_WINDOW_THRESHOLD = 7
DEFAULT_CRISIS_THRESHOLD = 9


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


class Client(SQLModel, table=True):
    """A therapist's client: who they are, when to reach them, and the clinical settings."""

    __tablename__ = "clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    therapist_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", unique=True)
    display_name: str = Field(max_length=200)
    script_name: str | None = Field(default=None, max_length=60)
    touch_alternative: str | None = Field(default=None, max_length=120)
    # Speech settings for audio renderings; None means the service's calm default.
    voice: str | None = Field(default=None, max_length=100)
    speech_rate: int | None = None
    speech_pitch: int | None = None
    timezone: str = Field(default="UTC", max_length=64)
    quiet_start: time | None = Field(default=time(22, 0))
    quiet_end: time | None = Field(default=time(7, 0))
    flag_dissociation: bool = False
    flag_self_harm: bool = False
    flag_suicidality: bool = False
    flag_low_mentalizing: bool = False
    yang_ready: bool = False
    start_level: int = DEFAULT_START_LEVEL
    min_level: int = DEFAULT_MIN_LEVEL
    max_level: int = DEFAULT_MAX_LEVEL
    window_threshold: int = DEFAULT_WINDOW_THRESHOLD
    crisis_threshold: int = DEFAULT_CRISIS_THRESHOLD
    pinned_level: int | None = None
    # Channels: the in-app inbox always; email unless switched off; one gentle reminder only
    # if the client asked for it.
    email_prompts: bool = True
    reminders: bool = False
    entry_practice_id: str = Field(default="watching-kindness", max_length=80)
    # The latest dose decision, cached for quick reads (the scheduler, dashboards). The
    # decisions table holds the history; these are rewritten after every decision.
    dose_level: int = DEFAULT_START_LEVEL
    dose_prompts: int = 1
    on_hold: bool = False
    dose_paused: bool = False
    dose_updated_at: datetime | None = _when(default=None, nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)

    def flags(self) -> dict[str, bool]:
        """The clinical flags by name."""
        return {flag: getattr(self, f"flag_{flag}") for flag in CLINICAL_FLAGS}


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


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when, and how it ended. Holds no clinical content."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=80, index=True)
    target_type: str = Field(default="", max_length=40)
    target_id: str = Field(default="", max_length=64)
    client_id: uuid.UUID | None = Field(default=None, index=True)
    outcome: str = Field(default="ok", max_length=20)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class SignInFailure(SQLModel, table=True):
    """A refused sign-in, counted per account and per address for the abuse limits. The
    account key is a hash of the normalised email, so unknown addresses leave no readable
    trace; rows older than a day are pruned as new ones arrive."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # "account", "address", or "notice" (the owner was told)
    key: str = Field(max_length=64)
    at: datetime = _when(default_factory=utcnow, index=True)
