"""Plain data for the dose policy: settings, events, reasons, decisions and the folded state.

Everything here is a frozen dataclass over standard-library types, so the policy in
`care.dose.fold` stays a plain function that is trivial to test (DESIGN.md: "Pure decisions are
plain functions over plain data"). Levels and prompt counts follow CLINICAL.md section 4;
the thresholds are the configurable defaults of section 5. All times are aware datetimes
(stored as UTC); "days" are counted on the client's own calendar, in `DoseSettings.timezone`.
"""

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from care import vocab
from care.vocab import (
    HOLD_LEVEL,
    LEVEL_RANGE,
    RATING_RANGE,
    THRESHOLD_RANGE,
    TOP_LEVEL,
)

RATING_MAX = RATING_RANGE[1]  # distress is rated 0-10, SUDS-style (CLINICAL.md section 5)
BACKDRAFT_FORMS = frozenset(vocab.BACKDRAFT_FORMS)  # R4, 000:291


@dataclass(frozen=True)
class DoseSettings:
    """The therapist's bounds and thresholds for one assignment (R10: clinician in charge)."""

    start_level: int = vocab.DEFAULT_START_LEVEL
    min_level: int = vocab.DEFAULT_MIN_LEVEL
    max_level: int = vocab.DEFAULT_MAX_LEVEL
    pinned_level: int | None = None
    window_threshold: int = vocab.DEFAULT_WINDOW_THRESHOLD  # post at or above: intolerable (R3)
    crisis_threshold: int = vocab.DEFAULT_CRISIS_THRESHOLD  # any rating at or above: hold (R5)
    rise_threshold: int = vocab.DEFAULT_RISE_THRESHOLD  # post minus pre at or above: R3
    prompts_by_level: tuple[int, ...] = (0, 1, 1, 2, 2, 3)  # most prompts a day, per level
    step_up_sessions: int = 3
    step_up_distinct_days: int = 3
    step_up_min_days_since_change: int = 3
    two_strikes_days: int = 7
    missed_in_row_limit: int = 3
    timezone: str = "UTC"

    def validate(self) -> list[tuple[str, str]]:
        """Return every problem as (field, plain message); an empty list means usable."""
        problems = _range_problems(self)
        bad = {name for name, _ in problems}
        return problems + _bound_problems(self, bad) + _other_problems(self, bad)

    def local_date(self, at: datetime) -> date:
        """The client's calendar date at a moment, in their own time zone."""
        zone = _zone(self.timezone)
        if zone is None:
            raise ValueError(f"unknown time zone {self.timezone!r}")
        return at.astimezone(zone).date()

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole calendar days between two moments on the client's calendar (DST-safe)."""
        return (self.local_date(later) - self.local_date(earlier)).days


_LEVEL = f"a level from {LEVEL_RANGE[0]} to {LEVEL_RANGE[1]} (level 0 is only the safety hold)"
_RATING = f"from {THRESHOLD_RANGE[0]} to {THRESHOLD_RANGE[1]} on the 0-10 distress scale"
_RANGES = (  # field, lowest, highest, what it must be
    ("start_level", *LEVEL_RANGE, _LEVEL),
    ("min_level", *LEVEL_RANGE, _LEVEL),
    ("max_level", *LEVEL_RANGE, _LEVEL),
    ("window_threshold", *THRESHOLD_RANGE, _RATING),
    ("crisis_threshold", *THRESHOLD_RANGE, _RATING),
    ("rise_threshold", *THRESHOLD_RANGE, _RATING),
    ("step_up_sessions", 1, 365, "a whole number from 1 to 365"),
    ("step_up_distinct_days", 1, 365, "a whole number from 1 to 365"),
    ("step_up_min_days_since_change", 0, 365, "a whole number from 0 to 365"),
    ("two_strikes_days", 1, 365, "a whole number from 1 to 365"),
    ("missed_in_row_limit", 1, 365, "a whole number from 1 to 365"),
)


def _range_problems(settings: DoseSettings) -> list[tuple[str, str]]:
    """Each number outside its range (CLINICAL.md sections 4-5)."""
    return [
        (name, f"must be {what}; got {getattr(settings, name)!r}")
        for name, low, high, what in _RANGES
        if not (_is_int(getattr(settings, name)) and low <= getattr(settings, name) <= high)
    ]


def _bound_problems(settings: DoseSettings, bad: set[str]) -> list[tuple[str, str]]:
    """Levels that do not fit together: min above max, start or pin outside the bounds (R10)."""
    problems = []
    low, high, start = settings.min_level, settings.max_level, settings.start_level
    if not bad & {"min_level", "max_level", "start_level"}:
        if low > high:
            problems.append(
                ("min_level", f"the lowest level ({low}) is above the highest level ({high})")
            )
        if not low <= start <= high:
            problems.append(
                (
                    "start_level",
                    f"the start level ({start}) must lie between the lowest level ({low}) "
                    f"and the highest level ({high})",
                )
            )
    pin = settings.pinned_level
    if pin is None:
        return problems
    if not (_is_int(pin) and HOLD_LEVEL <= pin <= TOP_LEVEL):
        problems.append(("pinned_level", f"must be {_LEVEL}; got {pin!r}"))
    elif not bad & {"min_level", "max_level"} and not low <= pin <= high:
        problems.append(
            (
                "pinned_level",
                f"the pinned level ({pin}) must lie between the lowest level ({low}) "
                f"and the highest level ({high})",
            )
        )
    return problems


def _other_problems(settings: DoseSettings, bad: set[str]) -> list[tuple[str, str]]:
    """Thresholds in the wrong order, step-up counts, prompts a day and the time zone."""
    problems = []
    window, crisis = settings.window_threshold, settings.crisis_threshold
    if not bad & {"window_threshold", "crisis_threshold"} and window >= crisis:
        problems.append(
            (
                "window_threshold",
                f"the rough-session threshold ({window}) must be below the crisis "
                f"threshold ({crisis})",
            )
        )
    if (
        not bad & {"step_up_sessions", "step_up_distinct_days"}
        and settings.step_up_distinct_days > settings.step_up_sessions
    ):
        problems.append(
            ("step_up_distinct_days", "cannot ask for more different days than sessions")
        )
    if not _counts_ok(settings.prompts_by_level):
        problems.append(
            (
                "prompts_by_level",
                "needs six whole numbers: 0 for the hold, then 1 to 12 prompts a day for "
                "levels 1-5, never fewer at a higher level",
            )
        )
    if _zone(settings.timezone) is None:
        problems.append(
            (
                "timezone",
                f"must be an IANA time zone such as Europe/Berlin; got {settings.timezone!r}",
            )
        )
    return problems


def _counts_ok(counts: object) -> bool:
    # A step down must never mean more prompts (section 6: never raise after a rough session),
    # so a higher level never has fewer prompts than a lower one.
    return (
        isinstance(counts, tuple)
        and len(counts) == TOP_LEVEL + 1
        and all(_is_int(n) for n in counts)
        and counts[0] == 0
        and all(1 <= n <= 12 for n in counts[1:])
        and list(counts[1:]) == sorted(counts[1:])
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# Events: what happened, each stamped with its time. Their `inputs()` are what R11 stores.


class _Event:
    """Shared checks and the R11 record of inputs for every event dataclass below."""

    at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise ValueError("event times must be aware datetimes (store UTC)")
        # Aware times from any zone are accepted; decisions carry them in UTC, as stored.
        object.__setattr__(self, "at", self.at.astimezone(UTC))

    def inputs(self) -> dict[str, object]:
        """The plain facts this event brings, for the stored decision (R11)."""
        kind = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        facts: dict[str, object] = {"event": kind}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "at":
                continue
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, DoseSettings):
                value = asdict(value)
            facts[item.name] = value
        return facts


def _check_rating(name: str, value: object) -> None:
    low, high = RATING_RANGE
    if not (_is_int(value) and low <= value <= high):
        raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}")


@dataclass(frozen=True)
class SessionFinished(_Event):
    """A practice completed and rated before and after, with any backdraft forms (R2-R5, R12)."""

    at: datetime
    pre: int
    post: int
    backdraft: frozenset[str] = frozenset()
    safety_concern: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_rating("pre", self.pre)
        _check_rating("post", self.post)
        forms = frozenset(self.backdraft)
        unknown = sorted(forms - BACKDRAFT_FORMS)
        if unknown:
            raise ValueError(f"unknown backdraft forms {unknown}; use {sorted(BACKDRAFT_FORMS)}")
        object.__setattr__(self, "backdraft", forms)


@dataclass(frozen=True)
class SessionStarted(_Event):
    """A practice began with a pre-practice rating; a crisis rating holds at once (R5)."""

    at: datetime
    pre: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_rating("pre", self.pre)


@dataclass(frozen=True)
class SessionAbandoned(_Event):
    """A practice was started and not finished; it breaks the run of steady sessions (R2)."""

    at: datetime


@dataclass(frozen=True)
class CheckIn(_Event):
    """A distress check-in outside practice, possibly with a safety concern (R5)."""

    at: datetime
    distress: int
    safety_concern: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_rating("distress", self.distress)


@dataclass(frozen=True)
class PromptMissed(_Event):
    """A practice prompt expired unanswered (R9: not a failure)."""

    at: datetime


@dataclass(frozen=True)
class PromptCompleted(_Event):
    """A prompt answered by a finished session; it resets the missed-in-a-row count (R9)."""

    at: datetime


@dataclass(frozen=True)
class SettingsChanged(_Event):
    """The therapist changed bounds, pin or thresholds; they apply at once (R10)."""

    at: datetime
    settings: DoseSettings
    by: str


@dataclass(frozen=True)
class HoldReleased(_Event):
    """The therapist lifted a safety hold; only this ends one (R5)."""

    at: datetime
    by: str
    note: str = ""


@dataclass(frozen=True)
class Paused(_Event):
    """The therapist paused prompts; the level is kept and this is not a hold (R10)."""

    at: datetime
    by: str


@dataclass(frozen=True)
class Resumed(_Event):
    """The therapist ended a pause; prompts start again at the kept level (R10)."""

    at: datetime
    by: str


Event = (
    SessionFinished
    | SessionStarted
    | SessionAbandoned
    | CheckIn
    | PromptMissed
    | PromptCompleted
    | SettingsChanged
    | HoldReleased
    | Paused
    | Resumed
)


@dataclass(frozen=True)
class Reason:
    """Which rule fired and a plain sentence for the therapist (R11)."""

    rule: str
    text: str


@dataclass(frozen=True)
class Decision:
    """The dose after one event, with why; stored and shown to the therapist (R11)."""

    at: datetime
    level: int
    prompts_per_day: int
    on_hold: bool
    paused: bool
    reasons: tuple[Reason, ...]
    notify_therapist: bool
    urgent: bool
    crisis: bool  # show crisis resources in this very response (R5)
    changed: bool  # level, hold, pause or prompts a day differ from before this event
    inputs: dict[str, object] = field(default_factory=dict)
    frequency_reduction: int = 0

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids behind this decision, in order."""
        return tuple(reason.rule for reason in self.reasons)


@dataclass(frozen=True)
class DoseState:
    """Everything the fold remembers between events; level is 0 exactly while on hold."""

    settings: DoseSettings
    level: int
    on_hold: bool = False
    paused: bool = False
    last_change_at: datetime | None = None  # the clock R2 waits on; set by the first event
    steady_run: tuple[datetime, ...] = ()  # tolerable sessions in a row since the last change
    last_rough_at: datetime | None = None  # the latest intolerable session, for two strikes
    missed_in_row: int = 0
    frequency_reduction: int = 0  # prompts a day taken off the level's most (R9)

    @property
    def prompts(self) -> int:
        """Prompts a day now: none on hold or paused, else the level's count less the cut."""
        if self.on_hold or self.paused:
            return 0
        return prompts_per_day(self.level, self.settings, self.frequency_reduction)


def prompts_per_day(level: int, settings: DoseSettings, reduction: int = 0) -> int:
    """Prompts a day for a level after an R9 reduction: 0 at level 0, else never below 1."""
    if level <= HOLD_LEVEL:
        return 0
    return max(1, settings.prompts_by_level[level] - max(0, reduction))
