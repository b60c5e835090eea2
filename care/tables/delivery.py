"""Tables for delivery: the prompts outbox, the delivery log, webhooks, the calendar feed and
the scheduler's heartbeat. The prompts table is the durable truth; schedulers only tick."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow
from care.vocab import PromptStatus


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


class Prompt(SQLModel, table=True):
    """One home-practice prompt: planned ahead, claimed, sent once, then followed to the end."""

    __tablename__ = "prompts"
    __table_args__ = (
        UniqueConstraint("assignment_id", "slot", name="uq_prompts_assignment_slot"),
        Index("ix_prompts_due", "status", "scheduled_at"),
        Index("ix_prompts_client_scheduled", "client_id", "scheduled_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id")
    assignment_id: uuid.UUID = Field(foreign_key="assignments.id")
    slot: str = Field(max_length=80)  # the local nominal time, stable across re-plans
    scheduled_at: datetime = _when()
    expires_at: datetime = _when()
    practice_id: str = Field(max_length=80)
    level: int
    substituted: bool = False
    status: str = Field(default=PromptStatus.PLANNED, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = _when(default=None, nullable=True)
    claimed_by: str = Field(default="", max_length=100)
    lease_until: datetime | None = _when(default=None, nullable=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    sent_at: datetime | None = _when(default=None, nullable=True)
    opened_at: datetime | None = _when(default=None, nullable=True)
    completed_at: datetime | None = _when(default=None, nullable=True)
    reminder_sent_at: datetime | None = _when(default=None, nullable=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class DeliveryLog(SQLModel, table=True):
    """Every attempt to deliver a prompt through a channel, and how it went."""

    __tablename__ = "delivery_log"
    __table_args__ = (Index("ix_delivery_log_prompt", "prompt_id"),)

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: uuid.UUID | None = Field(default=None, foreign_key="prompts.id")
    endpoint_id: uuid.UUID | None = Field(
        default=None, foreign_key="webhook_endpoints.id", index=True
    )
    channel: str = Field(max_length=20)  # inbox | email | webhook | reminder
    at: datetime = _when(default_factory=utcnow)
    outcome: str = Field(max_length=20)  # ok | retry | failed
    status_code: int | None = None
    detail: str = Field(default="", max_length=500)


class WebhookEndpoint(SQLModel, table=True):
    """A companion-app backend that receives signed prompt events for a therapist's clients."""

    __tablename__ = "webhook_endpoints"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    therapist_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=300)  # encrypted with the server key (care.secrets)
    description: str = Field(default="", max_length=200)
    active: bool = True
    failing: bool = False
    consecutive_failures: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _when(default_factory=utcnow)


class CalendarFeed(SQLModel, table=True):
    """A private, revocable iCalendar URL for one client (only a hash of the token is kept)."""

    __tablename__ = "calendar_feeds"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _when(default_factory=utcnow)
    revoked_at: datetime | None = _when(default=None, nullable=True)


class SchedulerBeat(SQLModel, table=True):
    """The last sign of life of each scheduler process (the health endpoint reads it)."""

    __tablename__ = "scheduler_beats"

    name: str = Field(primary_key=True, max_length=100)
    started_at: datetime = _when(default_factory=utcnow)
    beat_at: datetime = _when(default_factory=utcnow)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
