"""Tables for safety: alerts to the therapist and the crisis resources clients see."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


def _text(default: str = ""):
    return Field(default=default, sa_column=Column(Text, nullable=False, server_default=default))


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
