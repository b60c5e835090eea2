"""RFC 5545 recurrence rules: the simple form compiled to rules, a therapist's rule checked
and put in normal form, and a normal rule turned into a dateutil rule over local wall times."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from scheduler.schedule.fields import WEEKDAYS, ScheduleError, clocks, weekday_indexes

MAX_PER_DAY = 12
_PART_ORDER = (
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY",
    "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS", "WKST",
)  # fmt: skip
_EXAMPLE = "e.g. FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0"
_UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?")
# dateutil searches until year 9999 for a rule that never fires, which from today takes
# seconds; starting the feasibility probe in 9980 bounds that search to twenty years.
_PROBE = datetime(9980, 1, 1)


def compile_rrules(times: Iterable[str | time], weekdays: Iterable[str]) -> list[str]:
    """Compile the simple form into one RFC 5545 RRULE per time of day."""
    byday = ",".join(WEEKDAYS[i] for i in weekday_indexes(weekdays))
    return [
        f"FREQ=WEEKLY;BYDAY={byday};BYHOUR={t.hour};BYMINUTE={t.minute};BYSECOND=0"
        for t in clocks(times)
    ]


@lru_cache(maxsize=1024)
def check_rrule(text: str) -> str:
    """Return the rule in normal form, or raise ScheduleError saying what to change."""
    parts = _split_rule(text)
    _check_parts(parts)
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
        fires = local_rule(normal, _PROBE, None, probe=True).after(_PROBE, inc=True) is not None
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


def _check_parts(parts: dict[str, str]) -> None:
    """Refuse rules that ring too often, at midnight, on whatever day planning started, or
    to the second."""
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


def local_rule(normal: str, dtstart: datetime, zone: ZoneInfo | None, probe: bool = False) -> rrule:
    """A dateutil rule over naive local wall times starting at `dtstart`."""
    parts = dict(p.split("=", 1) for p in normal.split(";"))
    until = parts.pop("UNTIL", None)
    # dateutil's default WKST is calendar.firstweekday(), process-wide state; RFC 5545 says MO.
    parts.setdefault("WKST", "MO")
    rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart)
    return rule if until is None or probe else rule.replace(until=_until(until, zone))


def rule_texts(value: str | Iterable[str]) -> list[str]:
    """One rule or several (the compiled simple form stores one per time of day)."""
    return [value] if isinstance(value, str) else list(value)


def rule_clocks(normal: str) -> list[time]:
    """The local times of day a normalised rule rings at."""
    by = dict(part.split("=", 1) for part in normal.split(";"))
    return [
        time(int(h), int(m)) for h in by["BYHOUR"].split(",") for m in by["BYMINUTE"].split(",")
    ]


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
