"""Stored history that no longer validates, made usable: pure functions, no database.

Replaying a client's record must never fail on what is stored (issue 12): one bad value would
otherwise make every later dose read, history, settings change and hold release fail, and a
rough session after it would step nothing down and alert nobody. So each stored value that the
policy would refuse is replaced by the nearest usable value, always leaning towards caution
(a lower level, a more sensitive threshold, a rating counted rather than dropped), and each
repair comes with a plain sentence for the therapist (R11), who is alerted once.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from care import vocab
from care.dose.model import (
    BACKDRAFT_FORMS,
    CheckIn,
    DoseSettings,
    SessionAbandoned,
    SessionFinished,
    SessionStarted,
)

# The names a therapist knows these settings by (the settings page's labels).
LABELS = {
    "start_level": "starting level",
    "min_level": "lowest level",
    "max_level": "highest level",
    "pinned_level": "pinned level",
    "window_threshold": "rough-session threshold",
    "crisis_threshold": "crisis threshold",
    "timezone": "time zone",
}
_LEVELS = ("start_level", "min_level", "max_level")
_THRESHOLDS = ("window_threshold", "crisis_threshold")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read(value: object) -> int | None:
    """A whole number as stored, or written as digits; anything else cannot be read."""
    if _whole(value):
        return value
    # ASCII digits only: "¹" and other Unicode digits pass isdigit() but int() refuses them.
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    return None


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def settings(values: Mapping[str, object]) -> tuple[DoseSettings, list[str]]:
    """Dose settings from stored values (the therapist's fields and the client's time zone),
    with every unusable value replaced and why. Missing ones take the defaults; the result
    always validates. Each replacement leans towards caution: an unreadable highest level
    comes down to the lowest, an unreadable threshold is never less sensitive than the other
    threshold allows, and crossed bounds lower the floor rather than raise the ceiling."""
    base = DoseSettings()
    raw = {k: v for k, v in values.items() if k in LABELS}
    read = {k: _read(raw[k]) if k in raw else getattr(base, k) for k in (*_LEVELS, *_THRESHOLDS)}
    notes: list[str] = []
    fixed: dict[str, object] = {}

    def use(name: str, value: object) -> None:
        shown = raw.get(name, getattr(base, name))
        if value != shown or type(value) is not type(shown):
            notes.append(f"the saved {LABELS[name]} {shown!r} was read as {value!r}")
        fixed[name] = value

    low, high = vocab.LEVEL_RANGE
    for name in ("start_level", "min_level"):
        value = read[name]
        use(name, base.min_level if value is None else _clamp(value, low, high))
    ceiling = read["max_level"]
    use("max_level", fixed["min_level"] if ceiling is None else _clamp(ceiling, low, high))
    if fixed["min_level"] > fixed["max_level"]:
        use("min_level", fixed["max_level"])
    use("start_level", _clamp(fixed["start_level"], fixed["min_level"], fixed["max_level"]))
    pin = raw.get("pinned_level")
    if pin is not None:
        # A pin that cannot be read still means "hold it steady": at the lowest level.
        pin = _read(pin)
        pin = fixed["min_level"] if pin is None else pin
        pin = _clamp(pin, fixed["min_level"], fixed["max_level"])
    use("pinned_level", pin)
    _thresholds(read, base, use, fixed)
    zone = raw.get("timezone", base.timezone)
    usable = isinstance(zone, str) and not replace(base, timezone=zone).validate()
    use("timezone", zone if usable else "UTC")
    result = replace(base, **fixed)
    if result.validate():  # cannot happen: every branch above ends in range; stay safe anyway
        return base, [*notes, "the saved dose settings could not be used; the defaults were"]
    return result, notes


def _thresholds(read: dict, base: DoseSettings, use, fixed: dict) -> None:
    """The rough-session and crisis thresholds, in range and in order, leaning to caution."""
    t_low, t_high = vocab.THRESHOLD_RANGE
    window, crisis = read["window_threshold"], read["crisis_threshold"]
    if window is not None:
        window = _clamp(window, t_low, t_high)
    if crisis is not None:
        crisis = _clamp(crisis, t_low, t_high)
    if window is None:
        window = base.window_threshold if crisis is None else min(base.window_threshold, crisis - 1)
    if crisis is None:
        crisis = min(base.crisis_threshold, max(window + 1, t_low + 1))
    window = max(window, t_low)
    if window >= crisis:
        # A lower rough-session threshold steps down sooner: the cautious repair.
        crisis = max(crisis, t_low + 1)
        window = crisis - 1
    use("window_threshold", window)
    use("crisis_threshold", crisis)


def rating(name: str, value: object) -> tuple[int, list[str]]:
    """A stored distress rating inside 0-10; an unreadable one counts as the worst (caution)."""
    low, high = vocab.RATING_RANGE
    if _whole(value) and low <= value <= high:
        return value, []
    fixed = min(max(value, low), high) if _whole(value) else high
    return fixed, [f"the saved {name} {value!r} was read as {fixed}"]


def backdraft(stored: object) -> tuple[frozenset[str], list[str]]:
    """Stored backdraft forms: known ones kept; an unknown one still counts as backdraft (R4)."""
    if not isinstance(stored, str):
        return frozenset(), []
    names = [f for f in stored.split(",") if f]
    known = frozenset(f for f in names if f in BACKDRAFT_FORMS)
    unknown = sorted({f for f in names if f not in BACKDRAFT_FORMS})
    if not unknown:
        return known, []
    # Backdraft was reported, so the session is rough whatever the form was called.
    forms = known or frozenset({"emotions"})
    note = f"unrecognised backdraft forms {unknown} were counted as backdraft"
    return forms, [note]


def finished(
    at: datetime, pre: object, post: object, forms: object, concern: bool
) -> tuple[SessionFinished, list[str]]:
    """A finished session from its stored row, repaired where needed."""
    pre_value, notes = rating("pre-practice distress", pre)
    post_value, more = rating("post-practice distress", post)
    kinds, yet_more = backdraft(forms)
    event = SessionFinished(at, pre_value, post_value, kinds, bool(concern))
    return event, notes + more + yet_more


def started(at: datetime, pre: object) -> tuple[SessionStarted, list[str]]:
    """A session start from its stored row, repaired where needed."""
    value, notes = rating("pre-practice distress", pre)
    return SessionStarted(at, value), notes


def check_in(at: datetime, distress: object, concern: bool) -> tuple[CheckIn, list[str]]:
    """A check-in from its stored row, repaired where needed."""
    value, notes = rating("check-in distress", distress)
    return CheckIn(at, value, bool(concern)), notes


def abandoned(at: datetime) -> tuple[SessionAbandoned, list[str]]:
    """An abandoned session; nothing in it can be out of range."""
    return SessionAbandoned(at), []
