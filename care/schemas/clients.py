"""Shapes of clients and users: what a therapist may set, and what each role sees."""

from pydantic import Field

from care.schemas.fields import (
    ClockTime,
    Email,
    Level,
    Name,
    ScriptName,
    SpeechPitch,
    SpeechRate,
    Strict,
    Threshold,
    Timezone,
    TouchText,
    VoiceId,
)
from care.vocab import PASSWORD_MIN_LENGTH


class ClientFields(Strict):
    """Fields a therapist may set on a client; all optional so PATCH can reuse them."""

    display_name: Name | None = None
    script_name: ScriptName | None = Field(
        default=None, description="The name spoken or shown in practice scripts"
    )
    spoken_name: ScriptName | None = Field(
        default=None,
        description="How the name sounds, for speech only (e.g. 'Sheh-vawn'); text keeps "
        "script_name",
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


class UserCreate(Strict):
    """A new user account (the admin creates therapists)."""

    email: Email
    name: Name
    password: str | None = Field(default=None, min_length=PASSWORD_MIN_LENGTH, max_length=200)


class UserUpdate(Strict):
    """A change to a user account."""

    name: Name | None = None
    active: bool | None = None
