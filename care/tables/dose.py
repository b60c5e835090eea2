"""Tables for the dose: the therapist's actions and every stored decision (R11)."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


def _text(default: str = ""):
    return Field(default=default, sa_column=Column(Text, nullable=False, server_default=default))


class DoseAction(SQLModel, table=True):
    """A therapist's action on the dose: new settings (pin, bounds, thresholds) or a release."""

    __tablename__ = "dose_actions"
    __table_args__ = (Index("ix_dose_actions_client_at", "client_id", "at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id")
    actor_id: uuid.UUID = Field(foreign_key="users.id")
    at: datetime = _when(default_factory=utcnow)
    kind: str = Field(max_length=20)  # settings | release | pause | resume
    settings: str = _text("{}")  # JSON snapshot of the dose settings after a change
    note: str = _text()


class DoseDecision(SQLModel, table=True):
    """Every dose decision with its inputs and reasons (R11)."""

    __tablename__ = "dose_decisions"
    __table_args__ = (
        Index("ix_dose_decisions_client_at", "client_id", "at"),
        UniqueConstraint("client_id", "event_id", name="uq_dose_decisions_event"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id")
    at: datetime = _when()
    recorded_at: datetime = _when(default_factory=utcnow)
    level: int
    prompts_per_day: int
    on_hold: bool
    paused: bool = False
    changed: bool
    notify: bool
    urgent: bool
    event: str = Field(max_length=40)
    event_id: str = Field(default="", max_length=64)
    reasons: str = _text("[]")  # JSON list of {rule, text}
    inputs: str = _text("{}")  # JSON
