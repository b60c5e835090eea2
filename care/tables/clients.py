"""The client table: who the client is, their settings and the cached dose."""

import uuid
from datetime import date, datetime, time

from sqlmodel import Field, SQLModel

from care.types import UTCDateTime, utcnow
from care.vocab import (
    CLINICAL_FLAGS,
    DEFAULT_CRISIS_THRESHOLD,
    DEFAULT_MAX_LEVEL,
    DEFAULT_MIN_LEVEL,
    DEFAULT_START_LEVEL,
    DEFAULT_WINDOW_THRESHOLD,
)


def _when(**kwargs):
    return Field(sa_type=UTCDateTime(), **kwargs)


class Client(SQLModel, table=True):
    """A therapist's client: who they are, when to reach them, and the clinical settings."""

    __tablename__ = "clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    therapist_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", unique=True)
    # The address the therapist gave when it already belongs to another account: the client
    # is shown as invited at it, and no login of theirs uses it (care/clients/logins.py).
    pending_email: str | None = Field(default=None, max_length=320)
    display_name: str = Field(max_length=200)
    script_name: str | None = Field(default=None, max_length=60)
    # How the name sounds, for speech only (e.g. "Sheh-vawn" for Siobhan); text uses script_name.
    spoken_name: str | None = Field(default=None, max_length=60)
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
    # A practice break (a holiday): no prompts on these local dates, both ends included, and
    # nothing in it counts as missed. Discharge ends access and prompts; the record stays.
    break_start: date | None = None
    break_end: date | None = None
    discharged_at: datetime | None = _when(default=None, nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)

    def flags(self) -> dict[str, bool]:
        """The clinical flags by name."""
        return {flag: getattr(self, f"flag_{flag}") for flag in CLINICAL_FLAGS}
