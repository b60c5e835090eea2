"""The planner: materialise each client's prompts for the next hours into the prompts table.

Idempotent: a prompt is unique per (assignment, slot), so planning twice changes nothing, and
prompts that no longer fit (new dose, schedule, zone, quiet hours, hold) are cancelled."""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlmodel import Session, select

from care.assignments import commands as assignments
from care.assignments import variants
from care.clients.lifecycle import DISCHARGED, on_break
from care.dose import record as dose
from care.tables import Assignment, Client, DoseDecision, Prompt
from care.types import utcnow
from care.vocab import PromptStatus
from practices import Library
from scheduler.planned import ON_BREAK, Fresh, PlanResult, cancel, revivable, taken_per_day
from scheduler.schedule.expand import expand
from scheduler.schedule.fields import DEFAULT_SPACING_MINUTES

log = logging.getLogger("hearth.planner")
HORIZON = timedelta(hours=36)
EXPIRY_MINUTES = 180  # a prompt's default expiry, as care.schemas.practice.ScheduleIn has it
_NOT_IN_PLAN = "no longer in the plan (schedule, dose or settings changed)"


def _spec(assignment: Assignment) -> dict:
    return json.loads(assignment.schedule or "{}")


def _wanted(
    client: Client, active: list[Assignment], start: datetime, end: datetime, taken: dict[date, int]
):
    """(assignment, occurrence) pairs to plan, across assignments, within the day's cap."""
    zone = ZoneInfo(client.timezone)
    candidates = []
    specs = [(assignment, _spec(assignment)) for assignment in active]
    for assignment, spec in specs:
        if not spec.get("times") and not spec.get("rrule"):
            continue
        for occurrence in expand(
            spec,
            client.timezone,
            start,
            end,
            quiet_start=client.quiet_start,
            quiet_end=client.quiet_end,
            cap=client.dose_prompts,
            seed=str(assignment.id),
            # RRULE INTERVAL and COUNT count from the assignment's start, not from each re-plan.
            anchor=assignment.created_at.astimezone(zone).date(),
        ):
            candidates.append((occurrence.at, str(assignment.id), assignment, occurrence))
    candidates.sort(key=lambda item: (item[0], item[1]))
    # The dose's prompts a day is a cap for the client, not per assignment; spacing too.
    spacing = min(
        [spec.get("min_spacing_minutes", DEFAULT_SPACING_MINUTES) for _, spec in specs]
        or [DEFAULT_SPACING_MINUTES]
    )
    kept, last = [], None
    per_day = dict(taken)
    for at, _, assignment, occurrence in candidates:
        day = at.astimezone(zone).date()
        if on_break(client, day):
            continue  # a practice break: nothing planned, so nothing can count as missed
        if per_day.get(day, 0) >= client.dose_prompts:
            continue
        if last is not None and at - last < timedelta(minutes=max(spacing, 1)):
            continue
        kept.append((assignment, occurrence))
        per_day[day] = per_day.get(day, 0) + 1
        last = at
    return kept


def plan_client(
    session: Session,
    library: Library,
    client: Client,
    now: datetime | None = None,
    horizon: timedelta = HORIZON,
) -> PlanResult:
    """Plan (or re-plan) one client's prompts in [now, now + horizon), after bringing the dose
    up to date (used right after a change, so the new plan shows at once)."""
    now = now or utcnow()
    _, _, decisions = dose.decide(session, client, now)
    active = [
        a
        for a in assignments.for_client(session, client.id, include_paused=False)
        if a.practice_id in library
    ]
    existing = list(
        session.exec(
            select(Prompt).where(
                Prompt.client_id == client.id,
                Prompt.scheduled_at >= now - timedelta(days=1),
                Prompt.scheduled_at < now + horizon,
            )
        )
    )
    result = PlanResult()
    new_rows: list[dict] = []
    _plan_one(session, library, client, active, existing, decisions, now, horizon, result, new_rows)
    _insert(session, new_rows)
    return result


def _insert(session: Session, rows: list[dict]) -> None:
    # One bulk INSERT of plain rows (the table's column defaults fill in the rest): building a
    # SQLModel object costs about 0.25 ms a prompt (pydantic defaults and instrumented
    # attributes), about half of a first planning pass over 100,000 clients.
    if rows:
        session.execute(insert(Prompt.__table__), rows)


def _plan_one(
    session: Session,
    library: Library,
    client: Client,
    active: list[Assignment],
    existing: list[Prompt],
    decisions,
    now: datetime,
    horizon: timedelta,
    result: PlanResult,
    new_rows: list[dict],
) -> None:
    """The plan for one client from data already loaded; changed prompts go to the session,
    new ones to `new_rows` for one bulk insert by the caller."""
    result.clients += 1
    by_slot = {(p.assignment_id, p.slot): p for p in existing}
    if client.discharged_at is not None:
        cancel(session, by_slot, set(), None, DISCHARGED, now, result)
        return
    if client.on_hold or client.dose_paused or client.dose_prompts == 0:
        reason = "on hold" if client.on_hold else "paused"
        cancel(session, by_slot, set(), None, reason, now, result)
        return
    taken = taken_per_day(existing, ZoneInfo(client.timezone), now)
    keep = set()
    # The variant and the expiry depend on the assignment, not on the occurrence.
    per_assignment: dict[uuid.UUID, tuple] = {}
    for assignment, occurrence in _wanted(client, active, now, now + horizon, taken):
        if assignment.id not in per_assignment:
            per_assignment[assignment.id] = (
                *variants.variant_now(library, client, assignment, decisions),
                timedelta(minutes=_spec(assignment).get("expiry_minutes", EXPIRY_MINUTES)),
            )
        key = (assignment.id, occurrence.slot)
        keep.add(key)
        fresh = Fresh(occurrence.at, *per_assignment[assignment.id])
        prompt = by_slot.get(key)
        if prompt is None:
            new_rows.append(fresh.row(client, assignment, occurrence.slot))
            result.created += 1
        elif revivable(prompt, now):
            # The break that cancelled it no longer covers it (it ended early or moved).
            prompt.status, prompt.last_error = PromptStatus.PLANNED, ""
            fresh.update(prompt, now)
            session.add(prompt)
            result.updated += 1
        elif prompt.status == PromptStatus.PLANNED and fresh.update(prompt, now):
            session.add(prompt)
            result.updated += 1
    if client.break_start is not None:  # most clients: no break work on the planning pass
        zone = ZoneInfo(client.timezone)
        breaking = {
            key: prompt
            for key, prompt in by_slot.items()
            if on_break(client, prompt.scheduled_at.astimezone(zone).date())
        }
        cancel(session, breaking, keep, now, ON_BREAK, now, result)
    cancel(session, by_slot, keep, now, _NOT_IN_PLAN, now, result)


@dataclass(frozen=True)
class _Step:
    at: datetime
    level: int


def _plan_chunk(
    session: Session, library: Library, ids: list[uuid.UUID], now: datetime, horizon: timedelta
) -> PlanResult:
    """Plan a chunk of clients with four queries in all, using each client's stored dose
    (every report and every expiry updates it, so it is current)."""
    result = PlanResult()
    chosen = {c.id: c for c in session.exec(select(Client).where(Client.id.in_(ids)))}
    active = _active_assignments(session, library, ids)
    existing = _existing_prompts(session, ids, now, horizon)
    steps: dict[uuid.UUID, list[_Step]] = {}
    for client_id, at, level in session.exec(
        select(DoseDecision.client_id, DoseDecision.at, DoseDecision.level)
        .where(DoseDecision.client_id.in_(ids), DoseDecision.changed.is_(True))
        .order_by(DoseDecision.at, DoseDecision.id)
    ):
        steps.setdefault(client_id, []).append(_Step(at, level))
    new_rows: list[dict] = []
    for client_id in ids:
        client = chosen.get(client_id)
        if client is not None:
            _plan_one(
                session,
                library,
                client,
                active.get(client_id, []),
                existing.get(client_id, []),
                steps.get(client_id, []),
                now,
                horizon,
                result,
                new_rows,
            )
    _insert(session, new_rows)
    return result


def _active_assignments(
    session: Session, library: Library, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Assignment]]:
    """The chunk's active assignments of practices in the library, per client, oldest first."""
    active: dict[uuid.UUID, list[Assignment]] = {}
    for assignment in session.exec(
        select(Assignment)
        .where(
            Assignment.client_id.in_(ids),
            Assignment.active.is_(True),
            Assignment.deleted_at.is_(None),
        )
        .order_by(Assignment.created_at, Assignment.id)
    ):
        if assignment.practice_id in library:
            active.setdefault(assignment.client_id, []).append(assignment)
    return active


def _existing_prompts(
    session: Session, ids: list[uuid.UUID], now: datetime, horizon: timedelta
) -> dict[uuid.UUID, list[Prompt]]:
    """The chunk's prompts from a day ago to the horizon, per client."""
    existing: dict[uuid.UUID, list[Prompt]] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # psycopg prepares a statement after five runs, and PostgreSQL may then keep one
        # generic plan for it. Chosen while the prompts table was small, that plan is a
        # sequential scan: on a first pass over 100,000 clients this query took 37 s of 106 s
        # as the table grew. A custom plan costs about a millisecond a chunk.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for prompt in session.exec(
        select(Prompt).where(
            Prompt.client_id.in_(ids),
            Prompt.scheduled_at >= now - timedelta(days=1),
            Prompt.scheduled_at < now + horizon,
        )
    ):
        existing.setdefault(prompt.client_id, []).append(prompt)
    if postgres:
        # The caller's inserts keep their prepared plan (custom-planning each row doubled them).
        session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))
    return existing


def plan_all(
    session_factory,
    library: Library,
    now: datetime | None = None,
    horizon: timedelta = HORIZON,
    chunk: int = 500,
) -> PlanResult:
    """Plan every client with an active assignment, in chunks of one transaction each; a chunk
    that fails is planned again client by client so one client's data stops no one else."""
    now = now or utcnow()
    total = PlanResult()
    with session_factory() as session:
        ids: list[uuid.UUID] = sorted(
            set(
                session.exec(
                    select(Assignment.client_id).where(
                        Assignment.active.is_(True), Assignment.deleted_at.is_(None)
                    )
                )
            )
        )
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with session_factory() as session:
            try:
                total.add(_plan_chunk(session, library, part, now, horizon))
                session.commit()
                continue
            except Exception:
                session.rollback()
                log.warning("planning a chunk failed; planning its clients one by one")
        for client_id in part:
            with session_factory() as session:
                try:
                    client = session.get(Client, client_id)
                    if client is not None:
                        total.add(plan_client(session, library, client, now, horizon))
                    session.commit()
                except Exception:
                    session.rollback()
                    log.exception("planning failed for a client", extra={"client": str(client_id)})
    return total
