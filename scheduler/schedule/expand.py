"""Schedule expansion: a client's local wall-clock schedule to exact UTC prompt instants.

Occurrences are built as naive local wall times first and localised one at a time with
zoneinfo, because letting a recurrence engine step through aware or UTC datetimes is exactly
how prompts get doubled or skipped at DST changes.

DST policy: a wall time in a spring-forward gap happens once, moved forward by the gap
(02:30 -> 03:30); a wall time in a fall-back overlap happens once, at its first instance.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.schedule.fields import (
    DEFAULT_SPACING_MINUTES,
    WEEKDAYS,
    client_zone,
    clocks,
    in_quiet,
    quiet_hours,
    setting,
    spec_value,
    weekday_indexes,
    whole_number,
)
from scheduler.schedule.rrule import check_rrule, local_rule, rule_texts

# Days planned before a window: spacing (always shorter than a day, check_schedule refuses
# longer) looks back at the day before only. Every wall time is resolved to its first instant
# (fold=0), so an occurrence never lands on a local date before its own.
SPARE_DAYS = 1
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Occurrence:
    """One planned prompt: its stable slot key, local day, nominal wall time and UTC instant."""

    slot: str
    local_date: date
    nominal_local: datetime
    at: datetime


def expand(
    spec: Any,
    tz: str,
    start: datetime,
    end: datetime,
    *,
    quiet_start: str | time | None = None,
    quiet_end: str | time | None = None,
    cap: int | Callable[[date], int],
    min_spacing_minutes: int | None = None,
    jitter_minutes: int | None = None,
    seed: str = "",
    anchor: date | None = None,
) -> list[Occurrence]:
    """Plan the prompts of a schedule whose instant `at` lies in [start, end), sorted by `at`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes (UTC)")
    zone = client_zone(tz)
    quiet = quiet_hours(quiet_start, quiet_end)
    # Spacing and jitter not passed come from the spec, as the planner stores them there.
    minutes = setting(spec, "min_spacing_minutes", min_spacing_minutes, DEFAULT_SPACING_MINUTES)
    spacing = _MINUTE * max(minutes, 1)  # two prompts in one minute are one buzz too many
    jitter = setting(spec, "jitter_minutes", jitter_minutes, 0)
    if end <= start:
        return []
    first = start.astimezone(zone).date()
    low = first - timedelta(days=SPARE_DAYS)
    days = [low + timedelta(days=n) for n in range((end.astimezone(zone).date() - low).days + 1)]
    by_day: dict[date, list[Occurrence]] = {day: [] for day in days}
    # DTSTART is never given: an RRULE starts at `anchor`, by default the window's first local
    # day. INTERVAL and COUNT count from it, so planners should pass a fixed date (e.g. the
    # assignment's start) or every re-plan restarts them.
    for wall in sorted(_walls(spec, zone, days, anchor or first)):
        if (occurrence := _place(wall, zone, quiet, jitter, seed)) is not None:
            by_day[wall.date()].append(occurrence)
    kept: list[Occurrence] = []
    planned: datetime | None = None  # the latest prompt planned on an earlier day
    for day in days:
        limit = whole_number(cap(day) if callable(cap) else cap, "cap")
        # Across midnight, spacing counts from yesterday's last planned prompt, sent or not, so
        # a day's plan depends only on that day and the one before: re-planning any window
        # gives the same prompts. Within the day, it counts from the last prompt kept.
        last, today = planned, 0
        for occurrence in sorted(by_day[day], key=lambda o: (o.at, o.slot)):
            planned = max(planned or occurrence.at, occurrence.at)
            if today >= limit or (last is not None and occurrence.at - last < spacing):
                continue
            kept.append(occurrence)
            last, today = occurrence.at, today + 1
    return sorted((o for o in kept if start <= o.at < end), key=lambda o: (o.at, o.slot))


def resolve_local(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time: gaps move forward, overlaps take the first."""
    # PEP 495: fold=0 picks the first of two ambiguous instants, and for a wall time in a gap
    # applies the offset from before the change, which lands exactly the gap's length later.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _walls(spec: Any, zone: ZoneInfo, days: list[date], anchor: date) -> set[datetime]:
    """Naive local wall times of the schedule on the given local days."""
    if spec_value(spec, "rrule"):
        low, high = datetime.combine(days[0], time()), datetime.combine(days[-1], time.max)
        walls: set[datetime] = set()
        for text in rule_texts(spec_value(spec, "rrule")):
            rule = local_rule(check_rrule(text), datetime.combine(anchor, time()), zone)
            walls.update(rule.between(low, high, inc=True))
        return walls
    weekdays = set(weekday_indexes(spec_value(spec, "weekdays", WEEKDAYS)))
    times = clocks(spec_value(spec, "times") or ())
    return {datetime.combine(d, t) for d in days if d.weekday() in weekdays for t in times}


def _place(
    wall: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None, jitter: int, seed: str
) -> Occurrence | None:
    """Localise one wall time, drop it in quiet hours, and jitter it within its own day."""
    base = resolve_local(wall, zone)
    # Both the planned and the actual (gap-shifted) local time must be outside quiet hours:
    # a phone must never buzz in them, and a time set inside them is never meant to go out.
    if in_quiet(wall.time(), quiet) or in_quiet(base.astimezone(zone).time(), quiet):
        return None
    slot = f"{wall:%Y-%m-%dT%H:%M}@{zone.key}"
    if not jitter:
        return Occurrence(slot=slot, local_date=wall.date(), nominal_local=wall, at=base)
    digest = hashlib.sha256((seed + slot).encode()).digest()
    offset = int.from_bytes(digest[:8], "big") % (jitter + 1)
    day_end = resolve_local(datetime.combine(wall.date() + timedelta(days=1), time()), zone)
    at = base
    # Step minute by minute so jitter never jumps over quiet hours or into the next day.
    for _ in range(offset):
        step = at + _MINUTE
        if step >= day_end or in_quiet(step.astimezone(zone).time(), quiet):
            break
        at = step
    return Occurrence(slot=slot, local_date=wall.date(), nominal_local=wall, at=at)
