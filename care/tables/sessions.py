"""Web sessions kept on the server: the cookie names a row, so a session ends when its row
does (sign-out, a new password, a disable, a discharge, the person's own "end"), and it has
an absolute lifetime besides the idle one."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


class WebSession(SQLModel, table=True):
    """One signed-in browser. Only a hash of its secret is stored; the cookie holds the secret."""

    __tablename__ = "web_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True)
    user_agent: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=64)
    created_at: datetime = _when(default_factory=utcnow)
    last_seen_at: datetime = _when(default_factory=utcnow)
    ended_at: datetime | None = _when(default=None, nullable=True)
