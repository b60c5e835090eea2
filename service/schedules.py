"""A schedule checked against the client it is for: the one check the API and the pages both
run before a schedule is previewed or saved (it needs the scheduler, so it lives up here)."""

from care.errors import Invalid
from care.schemas.practice import ScheduleIn
from care.tables import Client
from scheduler.schedule.check import check_schedule as check
from scheduler.schedule.fields import ScheduleError
from scheduler.schedule.rrule import check_rrule


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
