"""SQLModel tables for home practice: assignments, reports, dose decisions, alerts, resources.

JSON-ish fields are stored as text (portable across SQLite and PostgreSQL) and parsed by the
modules that own them.
"""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


def _text(default: str = ""):
    return Field(default=default, sa_column=Column(Text, nullable=False, server_default=default))


class Assignment(SQLModel, table=True):
    """A practice a therapist has assigned to a client, with its bounds and schedule."""

    __tablename__ = "assignments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id", index=True)
    therapist_id: uuid.UUID = Field(foreign_key="users.id")
    practice_id: str = Field(max_length=80)
    start_level: int = 1
    min_level: int = 1
    max_level: int = 5
    note: str = Field(default="", max_length=1000)
    active: bool = True
    schedule: str = _text("{}")  # JSON; the scheduler interprets it
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    deleted_at: datetime | None = _when(default=None, nullable=True)


class PracticeSession(SQLModel, table=True):
    """One practice a client did (or started): the ratings before and after, and backdraft."""

    __tablename__ = "practice_sessions"
    __table_args__ = (Index("ix_practice_sessions_client_started", "client_id", "started_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id")
    assignment_id: uuid.UUID | None = Field(default=None, foreign_key="assignments.id")
    practice_id: str = Field(max_length=80)
    level: int
    substituted: bool = False  # the entry practice stood in for the assigned one
    status: str = Field(default="started", max_length=20)  # started | finished | abandoned
    started_at: datetime = _when(default_factory=utcnow)
    pre_distress: int
    finished_at: datetime | None = _when(default=None, nullable=True)
    post_distress: int | None = None
    backdraft: str = Field(default="", max_length=100)  # comma-separated forms
    safety_concern: bool = False
    note: str = _text()


class CheckIn(SQLModel, table=True):
    """A distress rating outside a practice."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_client_at", "client_id", "at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id")
    at: datetime = _when(default_factory=utcnow)
    distress: int
    safety_concern: bool = False
    note: str = _text()


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


class Alert(SQLModel, table=True):
    """Something the therapist should see: urgent (crisis) or routine (rough session, ...)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_therapist_status", "therapist_id", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="clients.id", index=True)
    therapist_id: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = _when(default_factory=utcnow)
    severity: str = Field(max_length=10)  # urgent | routine
    kind: str = Field(max_length=40)
    message: str = _text()
    status: str = Field(default="open", max_length=20)  # open | acknowledged
    acknowledged_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    acknowledged_at: datetime | None = _when(default=None, nullable=True)
    decision_id: int | None = Field(default=None, foreign_key="dose_decisions.id")
    emailed_at: datetime | None = _when(default=None, nullable=True)


class CrisisResources(SQLModel, table=True):
    """Crisis resources for the deployment (therapist_id empty) or one therapist's clients."""

    __tablename__ = "crisis_resources"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    therapist_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", unique=True)
    intro: str = _text()
    items: str = _text("[]")  # JSON list of {label, phone, url, text}
    updated_at: datetime = _when(default_factory=utcnow)
