"""Response shapes for practice: assignments, sessions, doses, reports, alerts, crisis
resources."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from care.vocab import AlertStatus, Severity


class AssignmentOut(BaseModel):
    """An assignment as the therapist sees it."""

    id: uuid.UUID
    client_id: uuid.UUID
    practice_id: str
    practice_title: str
    start_level: int
    min_level: int
    max_level: int
    note: str
    prelude: bool
    active: bool
    schedule: dict
    created_at: datetime
    updated_at: datetime


class ReasonOut(BaseModel):
    """Why the dose is what it is (R11)."""

    rule: str
    text: str


class DoseOut(BaseModel):
    """The current dose."""

    level: int
    prompts_per_day: int
    on_hold: bool
    paused: bool
    at: datetime | None
    changed: bool
    reasons: list[ReasonOut]


class DoseHistoryItem(DoseOut):
    """One stored decision with what triggered it."""

    id: int
    event: str
    inputs: dict


class ResourceItemOut(BaseModel):
    """One place to turn to."""

    label: str
    text: str
    phone: str | None
    url: str | None


class CrisisOut(BaseModel):
    """Crisis resources."""

    intro: str
    items: list[ResourceItemOut]
    source: str
    confirmed: bool = Field(
        description="False while these are the built-in default, which has no local crisis "
        "line number: an admin must still enter it. Apps show the items either way."
    )


class Links(BaseModel):
    """Where to fetch the practice."""

    script: str
    audio: str | None
    captions: str | None


class PreludeOut(BaseModel):
    """The one-minute safe-person prelude to play before the practice (000:279, 289)."""

    practice_id: str
    practice_title: str
    level: int
    links: Links


class SessionStartedOut(BaseModel):
    """What to practise now, chosen by the current dose."""

    id: uuid.UUID
    practice_id: str
    practice_title: str
    level: int
    substituted: bool
    note: str
    links: Links
    dose: DoseOut
    crisis: CrisisOut | None = None
    warmth_note: str | None = Field(
        default=None,
        description="Before a client's very first practice: a gentle note that warmth can at "
        "first bring up old pain. Show it before playing; null afterwards.",
    )
    prelude: PreludeOut | None = Field(
        default=None, description="Play this first, when the therapist asked for it"
    )


class LandingOut(BaseModel):
    """The safe landing after a rough session: a half-minute grounding step, a grounding
    practice to play now, and where help is."""

    intro: str
    steps: list[str]
    practice_id: str | None = Field(description="A short grounding practice to offer now")
    help_url: str = Field(description="The crisis resources, always available")
    next_shorter: bool = Field(description="Whether the next practice is shorter than this one")


class SessionFinishedOut(BaseModel):
    """The reply to a finished practice and the next dose."""

    id: uuid.UUID
    reply: str
    rough: bool = Field(default=False, description="The session was hard; show the landing")
    landing: LandingOut | None = None
    dose: DoseOut | None
    crisis: CrisisOut | None = None


class CheckInOut(BaseModel):
    """A stored check-in and what it changed."""

    id: uuid.UUID
    at: datetime
    distress: int
    reply: str
    dose: DoseOut | None
    crisis: CrisisOut | None = None


class AlertOut(BaseModel):
    """An alert for the therapist."""

    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    created_at: datetime
    severity: Severity
    kind: str
    message: str
    status: AlertStatus
    acknowledged_at: datetime | None


class SessionOut(BaseModel):
    """A practice session in the client's record."""

    id: uuid.UUID
    practice_id: str
    level: int
    substituted: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    pre_distress: int
    post_distress: int | None
    backdraft: list[str]
    safety_concern: bool
    note: str


class ReportsOut(BaseModel):
    """A client's reports in a time range."""

    sessions: list[SessionOut]
    checkins: list[CheckInOut]
