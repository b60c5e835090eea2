"""Trying a schedule out for a client before it is saved: the one check both faces run before
a schedule is previewed or saved, and the prompts it would send over the next days at the
client's current dose (the planner's own expansion, in the client's zone and quiet hours)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from care.errors import Invalid
from care.schemas.practice import ScheduleIn
from care.tables import Client
from care.types import utcnow
from scheduler.schedule.check import check_schedule as check
from scheduler.schedule.expand import Occurrence, expand
from scheduler.schedule.fields import ScheduleError
from scheduler.schedule.rrule import check_rrule


@dataclass(frozen=True)
class Preview:
    """The prompts a schedule would send: how many a day the dose allows, and when."""

    prompts_per_day: int
    occurrences: list[Occurrence]


def check_schedule(client: Client, schedule: ScheduleIn | None) -> None:
    """422 naming the field when a schedule cannot work for this client."""
    if schedule is None:
        return
    spec = schedule.model_dump(mode="json")
    problems = check(spec, client.timezone, client.quiet_start, client.quiet_end)
    if schedule.rrule:
        try:
            check_rrule(schedule.rrule)
        except ScheduleError as error:
            problems.append(("rrule", str(error)))
    if problems:
        named = [(f"schedule.{f}", m) for f, m in problems]
        raise Invalid("; ".join(m for _, m in problems), problems=named)


def preview(
    client: Client, schedule: ScheduleIn, days: int, now: datetime | None = None
) -> Preview:
    """The prompts this schedule would send over the next `days`, at the current dose (none
    while on hold). The schedule is checked first."""
    check_schedule(client, schedule)
    now = now or utcnow()
    cap = 0 if client.on_hold else client.dose_prompts
    occurrences = expand(
        schedule.model_dump(mode="json"),
        client.timezone,
        now,
        now + timedelta(days=days),
        quiet_start=client.quiet_start,
        quiet_end=client.quiet_end,
        cap=cap,
        seed="preview",
    )
    return Preview(prompts_per_day=cap, occurrences=list(occurrences))
