"""Validated shapes for assignments, reports, doses and alerts (non-table models)."""

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from care.schemas.fields import ClockTime, Distress, Level, Threshold
from care.schemas.fields import Strict as StrictModel
from care.vocab import Backdraft
from practices.language import language_problems

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


def _kind_to_the_client(text: str) -> str:
    # A therapist's note is shown to the client before the practice, so it follows the same
    # language rules as every script (CLINICAL.md section 2).
    problems = language_problems(text, "client")
    if problems:
        raise ValueError(
            "the client reads this note before the practice; please reword it: "
            + "; ".join(problems)
        )
    return text


NoteToClient = Annotated[Note, AfterValidator(_kind_to_the_client)]
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PracticeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class ScheduleIn(StrictModel):
    """When prompts go out, in the client's local time (the scheduler reads this)."""

    times: list[ClockTime] = Field(
        default_factory=list,
        max_length=12,
        description="Local times of day, e.g. ['08:30', '19:00']",
    )
    weekdays: list[Weekday] = Field(
        default_factory=lambda: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
        min_length=1,
        max_length=7,
    )
    rrule: Annotated[
        str | None,
        Field(
            max_length=500, description="Advanced: an RFC 5545 RRULE instead of times and weekdays"
        ),
    ] = None
    jitter_minutes: Annotated[int, Field(ge=0, le=180)] = 0
    expiry_minutes: Annotated[int, Field(ge=10, le=1440)] = 180
    min_spacing_minutes: Annotated[int, Field(ge=0, le=1440)] = 60
    reminder: bool = False


class AssignmentCreate(StrictModel):
    """Assign a practice to a client."""

    practice_id: PracticeId
    start_level: Level = 1
    min_level: Level = 1
    max_level: Level = 5
    note: NoteToClient = Field(
        default="",
        description="Shown to the client before the practice; it follows the client language "
        "rules (never naming the goal, no blame or pressure, no promise of relief)",
    )
    prelude: bool = Field(
        default=False,
        description="Play the one-minute safe-person prelude first (imagery practices only)",
    )
    active: bool = True
    schedule: ScheduleIn | None = None


class AssignmentUpdate(StrictModel):
    """Change an assignment (only the fields sent)."""

    start_level: Level | None = None
    min_level: Level | None = None
    max_level: Level | None = None
    note: NoteToClient | None = None
    prelude: bool | None = None
    active: bool | None = None
    schedule: ScheduleIn | None = None


class CheckInCreate(StrictModel):
    """A distress rating outside a practice."""

    distress: Distress
    note: Note = ""
    safety_concern: bool = Field(default=False, description="I might harm myself")


class SessionStart(StrictModel):
    """Start a practice: which assignment (or practice) and the rating before."""

    assignment_id: uuid.UUID | None = None
    practice_id: PracticeId | None = None
    pre_distress: Distress

    @model_validator(mode="after")
    def _one_target(self):
        if (self.assignment_id is None) == (self.practice_id is None):
            raise ValueError("send exactly one of assignment_id or practice_id")
        return self


class SessionFinish(StrictModel):
    """Finish a practice: the rating after, and any backdraft noticed."""

    post_distress: Distress
    backdraft: list[Backdraft] = Field(
        default_factory=list,
        max_length=4,
        description=(
            "Hard things that came up: thoughts or beliefs, emotions, body aches, behaviours"
        ),
    )
    note: Note = ""
    safety_concern: bool = False


class DoseSettingsIn(StrictModel):
    """The therapist's bounds on the dose (R10); omitted fields keep their value."""

    pinned_level: Level | None = Field(default=None, description="Fix the level; null unpins")
    start_level: Level | None = None
    min_level: Level | None = None
    max_level: Level | None = None
    window_threshold: Threshold | None = None
    crisis_threshold: Threshold | None = None
    paused: bool | None = None


class HoldRelease(StrictModel):
    """Lift a safety hold, with a note for the record."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
