"""Tables for home practice: assignments, practice sessions and check-ins."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow
from care.vocab import SessionStatus


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
    # The short safe-person prelude before imagery (000:279, 289), when the therapist wants it.
    prelude: bool = False
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
    status: str = Field(default=SessionStatus.STARTED, max_length=20)  # vocab.SessionStatus
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
