"""Every problem with a client's schedule at once, as (field, message) pairs a therapist can
act on: the zone, quiet hours, spacing, times, weekdays and RRULEs, and what they do together."""

from collections.abc import Callable
from datetime import time
from typing import Any

from scheduler.schedule.fields import (
    DEFAULT_SPACING_MINUTES,
    WEEKDAYS,
    ScheduleError,
    client_zone,
    clocks,
    in_quiet,
    quiet_hours,
    setting,
    spec_value,
    weekday_indexes,
)
from scheduler.schedule.rrule import check_rrule, rule_clocks, rule_texts

_TOO_SPACED = "spacing longer than the day between prompts; use less than 1440 minutes, e.g. 60"
_ALL_QUIET = "quiet hours cover the whole day; leave some hours for practice"


def check_schedule(
    spec: Any,
    timezone: str,
    quiet_start: str | time | None = None,
    quiet_end: str | time | None = None,
) -> list[tuple[str, str]]:
    """List (field, message) problems with a schedule for a client; empty means it is usable."""
    problems: list[tuple[str, str]] = []

    def attempt(step: Callable[[], Any]) -> Any:
        try:
            return step()
        except ScheduleError as exc:
            problems.append((exc.field, exc.message))
            return None

    attempt(lambda: client_zone(timezone))
    quiet = attempt(lambda: quiet_hours(quiet_start, quiet_end))
    if quiet and quiet[0] == quiet[1]:
        problems.append(("quiet_start", _ALL_QUIET))
        quiet = None  # one message is enough; otherwise every time would be flagged too
    spacing = attempt(lambda: setting(spec, "min_spacing_minutes", None, DEFAULT_SPACING_MINUTES))
    if spacing and spacing >= 24 * 60:
        problems.append(("min_spacing_minutes", _TOO_SPACED))
    if spec_value(spec, "rrule"):
        for text in rule_texts(spec_value(spec, "rrule")):
            if normal := attempt(lambda text=text: check_rrule(text)):
                rings = [c for c in rule_clocks(normal) if in_quiet(c, quiet)]
                problems += [("rrule", _quiet_message(c, quiet)) for c in rings]
        return problems
    weekdays = attempt(lambda: weekday_indexes(spec_value(spec, "weekdays", WEEKDAYS))) or []
    times = attempt(lambda: clocks(spec_value(spec, "times") or ()))
    if times == []:
        problems.append(("times", "add at least one time of day (HH:MM, e.g. 08:30) or an RRULE"))
    problems += [("times", _quiet_message(c, quiet)) for c in times or () if in_quiet(c, quiet)]
    awake = [c for c in times or () if not in_quiet(c, quiet)]
    if not awake or not 0 < (spacing or 0) < 24 * 60:
        return problems
    return problems + _spacing_problems(awake, weekdays, spacing)


def _spacing_problems(
    awake: list[time], weekdays: list[int], spacing: int
) -> list[tuple[str, str]]:
    """Times closer than the spacing to the last one kept, within the day and across midnight."""
    problems: list[tuple[str, str]] = []
    kept = awake[0]
    for clock in awake[1:]:
        if (gap := _minutes_between(kept, clock)) < spacing:
            problems.append(("times", _too_close(clock, kept, gap, spacing)))
        else:
            kept = clock
    # Across midnight spacing counts from the evening before (see expand), on running days.
    night = _minutes_between(awake[-1], awake[0]) or 24 * 60
    if night < spacing and any((day + 1) % 7 in weekdays for day in weekdays):
        problems.append(("times", _too_close(awake[0], awake[-1], night, spacing)))
    return problems


def _minutes_between(early: time, late: time) -> int:
    """Minutes from one time of day to the next occurrence of another (0 when equal)."""
    return ((late.hour - early.hour) * 60 + late.minute - early.minute) % (24 * 60)


def _too_close(clock: time, kept: time, gap: int, spacing: int) -> str:
    return (
        f"{clock:%H:%M} is only {gap} minutes after {kept:%H:%M}, less than the {spacing}-minute "
        "spacing, so it would be dropped; move it later or lower min_spacing_minutes"
    )


def _quiet_message(clock: time, quiet: tuple[time, time]) -> str:
    return (
        f"{clock:%H:%M} falls in quiet hours ({quiet[0]:%H:%M}-{quiet[1]:%H:%M}), so it would "
        "never be sent; move it outside them or change the quiet hours"
    )
