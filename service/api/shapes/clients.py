"""Response shapes for people: clients as their therapist and they themselves see them,
users, invitations."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from care.clients import logins
from care.schemas.fields import ClockTime, Role
from care.tables import Client


class ClientOut(BaseModel):
    """A client as the therapist sees it."""

    id: uuid.UUID
    therapist_id: uuid.UUID
    display_name: str
    script_name: str | None
    spoken_name: str | None
    touch_alternative: str | None
    voice: str | None
    speech_rate: int | None
    speech_pitch: int | None
    email: str | None
    login: Literal["none", "invited", "active", "ended"] = Field(
        description="none: no login; invited: no password chosen yet; active: signs in; "
        "ended: discharged"
    )
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
    break_start: date | None = Field(description="First local day of a practice break")
    break_end: date | None = Field(description="Last local day of a practice break")
    discharged_at: datetime | None
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


def to_self(client: Client) -> ClientSelf:
    """The client's own view of their record (no flags, thresholds or bounds)."""
    return ClientSelf.model_validate(client, from_attributes=True)


def to_out(session: Session, client: Client) -> ClientOut:
    """The therapist's view of a client."""
    user = logins.login_of(session, client)
    return ClientOut(
        id=client.id,
        therapist_id=client.therapist_id,
        display_name=client.display_name,
        script_name=client.script_name,
        spoken_name=client.spoken_name,
        touch_alternative=client.touch_alternative,
        voice=client.voice,
        speech_rate=client.speech_rate,
        speech_pitch=client.speech_pitch,
        email=logins.login_email(session, client),
        login=logins.login_state(client, user),
        timezone=client.timezone,
        quiet_start=client.quiet_start,
        quiet_end=client.quiet_end,
        flags=client.flags(),
        yang_ready=client.yang_ready,
        start_level=client.start_level,
        min_level=client.min_level,
        max_level=client.max_level,
        window_threshold=client.window_threshold,
        crisis_threshold=client.crisis_threshold,
        break_start=client.break_start,
        break_end=client.break_end,
        discharged_at=client.discharged_at,
        created_at=client.created_at,
        updated_at=client.updated_at,
    )
