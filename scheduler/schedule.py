"""Schedule expansion: a client's local wall-clock schedule to exact UTC prompt instants.

Pure (standard library and dateutil only). Occurrences are built as naive local wall times
first and localised one at a time with zoneinfo, because letting a recurrence engine step
through aware or UTC datetimes is exactly how prompts get doubled or skipped at DST changes.

DST policy: a wall time in a spring-forward gap happens once, moved forward by the gap
(02:30 -> 03:30); a wall time in a fall-back overlap happens once, at its first instance.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rrulestr

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_PER_DAY = 12
DEFAULT_SPACING_MINUTES = 60
# Days planned before a window: spacing (always shorter than a day, check_schedule refuses
# longer) looks back at the day before only. Every wall time is resolved to its first instant
# (fold=0), so an occurrence never lands on a local date before its own.
SPARE_DAYS = 1

_PART_ORDER = (
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY",
    "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS", "WKST",
)  # fmt: skip
_EXAMPLE = "e.g. FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0"
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?")
# dateutil searches until year 9999 for a rule that never fires, which from today takes
# seconds; starting the feasibility probe in 9980 bounds that search to twenty years.
_PROBE = datetime(9980, 1, 1)
_MINUTE = timedelta(minutes=1)
_TOO_SPACED = "spacing longer than the day between prompts; use less than 1440 minutes, e.g. 60"
_ALL_QUIET = "quiet hours cover the whole day; leave some hours for practice"


class ScheduleError(ValueError):
    """A schedule problem tied to one input field, worded so a therapist can fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Occurrence:
    """One planned prompt: its stable slot key, local day, nominal wall time and UTC instant."""

    slot: str
    local_date: date
    nominal_local: datetime
    at: datetime


def parse_clock(value: str | time, field: str = "times") -> time:
    """Read a local "HH:MM" (or a whole-minute naive time) as a time of day."""
    if isinstance(value, time):
        if value.tzinfo is None and value.second == 0 and value.microsecond == 0:
            return value
    elif isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        return time(int(match[1]), int(match[2]))
    raise ScheduleError(field, f"'{value}' is not a time of day; write it as HH:MM, e.g. 08:30")


def compile_rrules(times: Iterable[str | time], weekdays: Iterable[str]) -> list[str]:
    """Compile the simple form into one RFC 5545 RRULE per time of day."""
    byday = ",".join(WEEKDAYS[i] for i in _weekdays(weekdays))
    return [
        f"FREQ=WEEKLY;BYDAY={byday};BYHOUR={t.hour};BYMINUTE={t.minute};BYSECOND=0"
        for t in _times(times)
    ]


@lru_cache(maxsize=1024)
def check_rrule(text: str) -> str:
    """Return the rule in normal form, or raise ScheduleError saying what to change."""
    parts = _split_rule(text)
    freq = parts.get("FREQ")
    if freq in ("SECONDLY", "MINUTELY", "HOURLY"):
        raise _bad_rule(
            f"FREQ={freq} is too frequent for home practice; use FREQ=DAILY and list the "
            f"hours in BYHOUR, {_EXAMPLE}"
        )
    if freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise _bad_rule(f"start with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, {_EXAMPLE}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _bad_rule("use COUNT or UNTIL, not both")
    if "UNTIL" in parts and not _UNTIL.fullmatch(parts["UNTIL"]):
        raise _bad_rule("write UNTIL as a date such as 20261231 (or 20261231T180000Z)")
    if "BYHOUR" not in parts:
        # Without BYHOUR the rule would inherit midnight from its start: a prompt at 00:00.
        raise _bad_rule(f"say at which local hours with BYHOUR, {_EXAMPLE}")
    if freq != "DAILY" and not parts.keys() & {"BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}:
        # dateutil would take the day from the rule's start, i.e. whenever planning started.
        raise _bad_rule("say on which days with BYDAY (e.g. BYDAY=MO,TH) or BYMONTHDAY")
    if parts.get("BYSECOND", "0") != "0":
        raise _bad_rule("prompts are set to the minute; leave out BYSECOND")
    hours = _rule_ints(parts, "BYHOUR", 23)
    minutes = _rule_ints(parts, "BYMINUTE", 59) if "BYMINUTE" in parts else [0]
    # Explicit minutes and seconds keep the rule from inheriting anything from its anchor.
    parts.update(BYHOUR=",".join(map(str, hours)), BYMINUTE=",".join(map(str, minutes)))
    parts["BYSECOND"] = "0"
    per_day = len(hours) * len(minutes)
    if "BYSETPOS" in parts:
        per_day = min(per_day, len(parts["BYSETPOS"].split(",")))
    if per_day > MAX_PER_DAY:
        raise _bad_rule(
            f"this rule can send {per_day} prompts in one day; at most {MAX_PER_DAY} are "
            "allowed: use fewer BYHOUR or BYMINUTE values"
        )
    normal = ";".join(f"{key}={parts[key]}" for key in _PART_ORDER if key in parts)
    try:
        fires = _rule(normal, _PROBE, None, probe=True).after(_PROBE, inc=True) is not None
        if "UNTIL" in parts:
            _until(parts["UNTIL"], None)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise _bad_rule(f"this rule could not be read ({exc}); {_EXAMPLE}") from None
    if not fires:
        raise _bad_rule(
            "this rule never happens (not once in twenty years); check BYMONTH, BYMONTHDAY, "
            "BYYEARDAY, BYWEEKNO, BYDAY and BYSETPOS"
        )
    return normal


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

    attempt(lambda: _zone(timezone))
    quiet = attempt(lambda: _quiet(quiet_start, quiet_end))
    if quiet and quiet[0] == quiet[1]:
        problems.append(("quiet_start", _ALL_QUIET))
        quiet = None  # one message is enough; otherwise every time would be flagged too
    spacing = attempt(lambda: _setting(spec, "min_spacing_minutes", None, DEFAULT_SPACING_MINUTES))
    if spacing and spacing >= 24 * 60:
        problems.append(("min_spacing_minutes", _TOO_SPACED))
    if _get(spec, "rrule"):
        for text in _rule_texts(_get(spec, "rrule")):
            if normal := attempt(lambda text=text: check_rrule(text)):
                clocks = [c for c in _rule_clocks(normal) if _in_quiet(c, quiet)]
                problems += [("rrule", _quiet_message(c, quiet)) for c in clocks]
        return problems
    weekdays = attempt(lambda: _weekdays(_get(spec, "weekdays", WEEKDAYS))) or []
    times = attempt(lambda: _times(_get(spec, "times") or ()))
    if times == []:
        problems.append(("times", "add at least one time of day (HH:MM, e.g. 08:30) or an RRULE"))
    problems += [("times", _quiet_message(c, quiet)) for c in times or () if _in_quiet(c, quiet)]
    awake = [c for c in times or () if not _in_quiet(c, quiet)]
    if not awake or not 0 < (spacing or 0) < 24 * 60:
        return problems
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
    zone = _zone(tz)
    quiet = _quiet(quiet_start, quiet_end)
    # Spacing and jitter not passed come from the spec, as the planner stores them there.
    minutes = _setting(spec, "min_spacing_minutes", min_spacing_minutes, DEFAULT_SPACING_MINUTES)
    spacing = _MINUTE * max(minutes, 1)  # two prompts in one minute are one buzz too many
    jitter = _setting(spec, "jitter_minutes", jitter_minutes, 0)
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
        limit = _whole(cap(day) if callable(cap) else cap, "cap")
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
    if _get(spec, "rrule"):
        low, high = datetime.combine(days[0], time()), datetime.combine(days[-1], time.max)
        walls: set[datetime] = set()
        for text in _rule_texts(_get(spec, "rrule")):
            rule = _rule(check_rrule(text), datetime.combine(anchor, time()), zone)
            walls.update(rule.between(low, high, inc=True))
        return walls
    weekdays = set(_weekdays(_get(spec, "weekdays", WEEKDAYS)))
    times = _times(_get(spec, "times") or ())
    return {datetime.combine(d, t) for d in days if d.weekday() in weekdays for t in times}


def _place(
    wall: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None, jitter: int, seed: str
) -> Occurrence | None:
    """Localise one wall time, drop it in quiet hours, and jitter it within its own day."""
    base = resolve_local(wall, zone)
    # Both the planned and the actual (gap-shifted) local time must be outside quiet hours:
    # a phone must never buzz in them, and a time set inside them is never meant to go out.
    if _in_quiet(wall.time(), quiet) or _in_quiet(base.astimezone(zone).time(), quiet):
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
        if step >= day_end or _in_quiet(step.astimezone(zone).time(), quiet):
            break
        at = step
    return Occurrence(slot=slot, local_date=wall.date(), nominal_local=wall, at=at)


def _rule(normal: str, dtstart: datetime, zone: ZoneInfo | None, probe: bool = False) -> rrule:
    """A dateutil rule over naive local wall times starting at `dtstart`."""
    parts = dict(p.split("=", 1) for p in normal.split(";"))
    until = parts.pop("UNTIL", None)
    # dateutil's default WKST is calendar.firstweekday(), process-wide state; RFC 5545 says MO.
    parts.setdefault("WKST", "MO")
    rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart)
    return rule if until is None or probe else rule.replace(until=_until(until, zone))


def _until(value: str, zone: ZoneInfo | None) -> datetime:
    """UNTIL as a naive local wall time; a bare date includes that whole local day."""
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
    wall = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
    if value.endswith("Z") and zone is not None:
        return wall.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return wall


def _split_rule(text: str) -> dict[str, str]:
    """The NAME=VALUE parts of a single RRULE line, upper-cased."""
    body = text.strip() if isinstance(text, str) else ""
    if not body:
        raise _bad_rule(f"the rule is empty; {_EXAMPLE}")
    if "DTSTART" in body.upper():
        raise _bad_rule("leave out DTSTART: the rule starts from the client's plan, in local time")
    if len(body.splitlines()) > 1:
        raise _bad_rule("write a single RRULE line, without EXDATE, RDATE or other properties")
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in body.split(";"))):
        key, sep, value = (s.strip().upper() for s in item.partition("="))
        if not sep or not value:
            raise _bad_rule(f"'{item}' is not NAME=VALUE; {_EXAMPLE}")
        if key not in _PART_ORDER:
            raise _bad_rule(f"{key} is not an RRULE part; use only {', '.join(_PART_ORDER)}")
        if key in parts:
            raise _bad_rule(f"{key} appears twice; give it once")
        parts[key] = value
    return parts


def _rule_clocks(normal: str) -> list[time]:
    """The local times of day a normalised rule rings at."""
    by = dict(part.split("=", 1) for part in normal.split(";"))
    return [
        time(int(h), int(m)) for h in by["BYHOUR"].split(",") for m in by["BYMINUTE"].split(",")
    ]


def _rule_ints(parts: dict[str, str], key: str, high: int) -> list[int]:
    """Sorted distinct whole numbers of a BY part, each between 0 and `high`."""
    try:
        values = sorted({int(v) for v in parts[key].split(",")})
    except ValueError:
        raise _bad_rule(f"{key} takes whole numbers separated by commas, e.g. {key}=9,18") from None
    if values[0] < 0 or values[-1] > high:
        raise _bad_rule(f"{key} values must be between 0 and {high}")
    return values


def _bad_rule(message: str) -> ScheduleError:
    return ScheduleError("rrule", message)


def _rule_texts(value: str | Iterable[str]) -> list[str]:
    """One rule or several (the compiled simple form stores one per time of day)."""
    return [value] if isinstance(value, str) else list(value)


def _times(values: Iterable[str | time]) -> list[time]:
    return sorted({parse_clock(v) for v in values})


def _weekdays(values: Iterable[str]) -> list[int]:
    """Weekday indexes (Monday 0) of MO..SU codes, sorted and distinct."""
    codes = list(values)
    unknown = [c for c in codes if c not in WEEKDAYS]
    if unknown or not codes:
        raise ScheduleError(
            "weekdays", f"choose one or more of {', '.join(WEEKDAYS)} (got {codes or 'none'})"
        )
    return sorted({WEEKDAYS.index(c) for c in codes})


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(name: str) -> ZoneInfo:
    """The client's zone; only names zoneinfo lists count (as in care), never file paths."""
    if not isinstance(name, str) or name not in _zone_names():
        raise ScheduleError(
            "timezone", f"'{name}' is not an IANA time zone; use e.g. Europe/Berlin"
        )
    return ZoneInfo(name)


def _quiet(start: str | time | None, end: str | time | None) -> tuple[time, time] | None:
    """Quiet hours as (start, end) local times, or None when there are none."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "quiet_start" if start is None else "quiet_end"
        raise ScheduleError(missing, "set both quiet_start and quiet_end, or neither")
    return parse_clock(start, "quiet_start"), parse_clock(end, "quiet_end")


def _in_quiet(clock: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local time of day is in quiet hours (start inclusive, end exclusive)."""
    if quiet is None:
        return False
    start, end = quiet
    if start <= end:
        # start == end is the whole day: there is no sensible "empty" reading of 22:00-22:00.
        return start == end or start <= clock < end
    return clock >= start or clock < end


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


def _get(spec: Any, name: str, default: Any = None) -> Any:
    value = spec.get(name) if isinstance(spec, Mapping) else getattr(spec, name, None)
    return default if value is None else value


def _setting(spec: Any, name: str, explicit: int | None, default: int) -> int:
    """An explicit argument, else the spec's field, else the default."""
    return _whole(explicit if explicit is not None else _get(spec, name, default), name)


def _whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScheduleError(field, f"must be a whole number, 0 or more (got {value!r})")
    return value
