"""The fields of a schedule, read one at a time: times of day, weekdays, the client's zone,
quiet hours and whole-number settings. Each problem is a ScheduleError naming its field."""

import re
from collections.abc import Iterable, Mapping
from datetime import time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_SPACING_MINUTES = 60
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class ScheduleError(ValueError):
    """A schedule problem tied to one input field, worded so a therapist can fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_clock(value: str | time, field: str = "times") -> time:
    """Read a local "HH:MM" (or a whole-minute naive time) as a time of day."""
    if isinstance(value, time):
        if value.tzinfo is None and value.second == 0 and value.microsecond == 0:
            return value
    elif isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        return time(int(match[1]), int(match[2]))
    raise ScheduleError(field, f"'{value}' is not a time of day; write it as HH:MM, e.g. 08:30")


def clocks(values: Iterable[str | time]) -> list[time]:
    """The distinct times of day of the `times` field, sorted."""
    return sorted({parse_clock(v) for v in values})


def weekday_indexes(values: Iterable[str]) -> list[int]:
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


def client_zone(name: str) -> ZoneInfo:
    """The client's zone; only names zoneinfo lists count (as in care), never file paths."""
    if not isinstance(name, str) or name not in _zone_names():
        raise ScheduleError(
            "timezone", f"'{name}' is not an IANA time zone; use e.g. Europe/Berlin"
        )
    return ZoneInfo(name)


def quiet_hours(start: str | time | None, end: str | time | None) -> tuple[time, time] | None:
    """Quiet hours as (start, end) local times, or None when there are none."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "quiet_start" if start is None else "quiet_end"
        raise ScheduleError(missing, "set both quiet_start and quiet_end, or neither")
    return parse_clock(start, "quiet_start"), parse_clock(end, "quiet_end")


def in_quiet(clock: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local time of day is in quiet hours (start inclusive, end exclusive)."""
    if quiet is None:
        return False
    start, end = quiet
    if start <= end:
        # start == end is the whole day: there is no sensible "empty" reading of 22:00-22:00.
        return start == end or start <= clock < end
    return clock >= start or clock < end


def spec_value(spec: Any, name: str, default: Any = None) -> Any:
    """A field of a schedule given as a mapping or as an object, `default` when unset."""
    value = spec.get(name) if isinstance(spec, Mapping) else getattr(spec, name, None)
    return default if value is None else value


def setting(spec: Any, name: str, explicit: int | None, default: int) -> int:
    """An explicit argument, else the spec's field, else the default."""
    return whole_number(explicit if explicit is not None else spec_value(spec, name, default), name)


def whole_number(value: Any, field: str) -> int:
    """`value` if it is a whole number, 0 or more; otherwise a ScheduleError for `field`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScheduleError(field, f"must be a whole number, 0 or more (got {value!r})")
    return value
