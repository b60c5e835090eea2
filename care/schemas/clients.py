"""Shapes of clients and users: what a therapist may set, and what each role sees."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from care.schemas.fields import (
    ClockTime,
    Email,
    Level,
    Name,
    Role,
    ScriptName,
    SpeechPitch,
    SpeechRate,
    Strict,
    Threshold,
    Timezone,
    TouchText,
    VoiceId,
)


class ClientFields(Strict):
    """Fields a therapist may set on a client; all optional so PATCH can reuse them."""

    display_name: Name | None = None
    script_name: ScriptName | None = Field(
        default=None, description="The name spoken or shown in practice scripts"
    )
    touch_alternative: TouchText | None = Field(
        default=None, description="What the scripts offer for soothing touch, e.g. 'a warm mug'"
    )
    voice: VoiceId | None = Field(default=None, description="Voice id from GET /api/v1/voices")
    speech_rate: SpeechRate | None = None
    speech_pitch: SpeechPitch | None = None
    timezone: Timezone | None = None
    quiet_start: ClockTime | None = Field(default=None, description="Local start of quiet hours")
    quiet_end: ClockTime | None = Field(default=None, description="Local end of quiet hours")
    dissociation: bool | None = None
    self_harm: bool | None = None
    suicidality: bool | None = None
    low_mentalizing: bool | None = None
    yang_ready: bool | None = None
    start_level: Level | None = None
    min_level: Level | None = None
    max_level: Level | None = None
    window_threshold: Threshold | None = None
    crisis_threshold: Threshold | None = None


class ClientCreate(ClientFields):
    """A new client: a name and timezone are required, the rest have clinical defaults."""

    display_name: Name
    timezone: Timezone = "UTC"
    email: Email | None = Field(
        default=None, description="If given, a client login is created and an invitation returned"
    )


class ClientUpdate(ClientFields):
    """A partial update of a client."""


def check_bounds(
    start: int, low: int, high: int, window: int, crisis: int
) -> list[tuple[str, str]]:
    """Cross-field rules for dose bounds and thresholds, as (field, message) pairs."""
    problems = []
    if low > high:
        problems.append(("min_level", f"min_level ({low}) is above max_level ({high})"))
    if not low <= start <= high:
        problems.append(
            (
                "start_level",
                f"start_level ({start}) must lie between min_level ({low}) and max_level ({high})",
            )
        )
    if window >= crisis:
        problems.append(
            (
                "window_threshold",
                f"window_threshold ({window}) must be below crisis_threshold ({crisis})",
            )
        )
    return problems


class ClientOut(BaseModel):
    """A client as the therapist sees it."""

    id: uuid.UUID
    therapist_id: uuid.UUID
    display_name: str
    script_name: str | None
    touch_alternative: str | None
    voice: str | None
    speech_rate: int | None
    speech_pitch: int | None
    email: str | None
    timezone: str
    quiet_start: ClockTime | None
    quiet_end: ClockTime | None
    flags: dict[str, bool]
    yang_ready: bool
    start_level: int
    min_level: int
    max_level: int
    window_threshold: int
    crisis_threshold: int
    created_at: datetime
    updated_at: datetime


class Invitation(BaseModel):
    """A one-time code with which a new user sets their password."""

    token: str
    accept_url: str
    expires_at: datetime


class ClientCreated(ClientOut):
    """A newly created client; the invitation is shown once and never again."""

    invitation: Invitation | None = None


class UserOut(BaseModel):
    """A signed-in person."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool
    created_at: datetime


class UserCreate(Strict):
    """A new user account (the admin creates therapists)."""

    email: Email
    name: Name
    password: str | None = Field(default=None, min_length=10, max_length=200)


class UserUpdate(Strict):
    """A change to a user account."""

    name: Name | None = None
    active: bool | None = None


class ClientSelf(BaseModel):
    """A client's own record as the client sees it: their settings, never the clinical flags,
    thresholds or dose bounds, which are the therapist's working notes."""

    id: uuid.UUID
    display_name: str
    script_name: str | None
    touch_alternative: str | None
    voice: str | None
    speech_rate: int | None
    speech_pitch: int | None
    timezone: str
    quiet_start: ClockTime | None
    quiet_end: ClockTime | None
    email_prompts: bool
    reminders: bool
    created_at: datetime


class Me(UserOut):
    """The signed-in user with their own client record, if they are a client."""

    client: ClientSelf | None = None
