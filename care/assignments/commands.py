"""Assignments: which practices a client does, within which levels, and the rules that gate
them (R1 stability, R8 yang readiness, therapist-only practices, R6 entry direction)."""

import json
import uuid

from pydantic import BaseModel
from sqlmodel import Session, select

from care import audit
from care.errors import Invalid, NotFound
from care.tables import Assignment, Client, User
from care.types import utcnow
from practices import Library, Practice

DEFAULT_ENTRY_PRACTICE = "watching-kindness"


def gate_problem(practice: Practice, client: Client) -> str | None:
    """Why this practice may not be assigned to this client, in plain words (or None)."""
    if practice.audience != "client":
        return f"{practice.id} is a practice for therapists and cannot be assigned to a client"
    if practice.gate == "stability" or practice.kind == "differentiated":
        flagged = [name.replace("_", " ") for name, on in client.flags().items() if on]
        if flagged:
            return (
                f"{practice.id} needs a stable client (R1): it touches painful material, and this "
                f"client is flagged for {', '.join(flagged)}. Clear the flags when the client is "
                "stable, or choose a blended practice"
            )
    if (practice.gate == "yang_ready" or practice.is_yang) and not client.yang_ready:
        return (
            f"{practice.id} is a fierce (yang) practice (R8): mark the client ready first, once "
            "they are past the grip of shame and guilt"
        )
    return None


def entry_problem(practice: Practice) -> str | None:
    """An entry practice must be a client practice offered at level 1 (warming up, R6)."""
    if practice.audience != "client" or 1 not in practice.levels:
        return f"{practice.id} cannot be an entry practice: it needs a level 1 variant for clients"
    if practice.direction == "other_to_self":
        return (
            f"{practice.id} cannot be an entry practice: other-to-self imagery is the hardest "
            "direction and comes last (R6)"
        )
    return None


def check_levels(start: int, low: int, high: int, practice: Practice) -> list[tuple[str, str]]:
    """Bounds that make sense for this practice."""
    problems = []
    if low > high:
        problems.append(("min_level", f"min_level ({low}) is above max_level ({high})"))
    elif not low <= start <= high:
        problems.append(
            (
                "start_level",
                f"start_level ({start}) must lie between min_level ({low}) and max_level ({high})",
            )
        )
    offered = practice.levels
    listed = ", ".join(map(str, offered))
    if high < offered[0]:
        message = f"{practice.id} starts at level {offered[0]}; max_level ({high}) is below "
        problems.append(("max_level", message + f"every offered level ({listed})"))
    elif low > offered[-1]:
        message = f"{practice.id} goes up to level {offered[-1]}; min_level ({low}) is above "
        problems.append(("min_level", message + f"every offered level ({listed})"))
    return problems


def create(session: Session, library: Library, therapist: User, client: Client, data) -> Assignment:
    """Assign a practice; every refusal is Invalid with the rule in plain words."""
    practice = library.get(data.practice_id)
    problem = gate_problem(practice, client)
    if problem:
        raise Invalid(problem, field="practice_id")
    problems = check_levels(data.start_level, data.min_level, data.max_level, practice)
    if problems:
        raise Invalid("; ".join(m for _, m in problems), problems=problems)
    assignment = Assignment(
        client_id=client.id,
        therapist_id=therapist.id,
        practice_id=practice.id,
        start_level=data.start_level,
        min_level=data.min_level,
        max_level=data.max_level,
        note=data.note,
        active=data.active,
        schedule=json.dumps(_schedule(data)),
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        "assignment.create",
        actor_id=therapist.id,
        target_type="assignment",
        target_id=assignment.id,
        client_id=client.id,
        detail=practice.id,
    )
    return assignment


def _schedule(data) -> dict:
    schedule = getattr(data, "schedule", None)
    if schedule is None:
        return {}
    return schedule.model_dump(mode="json") if isinstance(schedule, BaseModel) else schedule


def update(
    session: Session,
    library: Library,
    therapist: User,
    assignment: Assignment,
    client: Client,
    data,
) -> Assignment:
    """Change bounds, note, schedule or pause/resume; a broken rule changes nothing."""
    practice = library.get(assignment.practice_id)
    fields = {k: getattr(data, k) for k in data.model_fields_set}
    start = fields.get("start_level", assignment.start_level)
    low = fields.get("min_level", assignment.min_level)
    high = fields.get("max_level", assignment.max_level)
    problems = check_levels(start, low, high, practice)
    if problems:
        raise Invalid("; ".join(m for _, m in problems), problems=problems)
    if fields.get("active") and not assignment.active:
        problem = gate_problem(practice, client)  # flags may have changed while paused
        if problem:
            raise Invalid(problem, field="active")
    for key, value in fields.items():
        if key == "schedule":
            value = json.dumps(_schedule(data))
        if value is not None:
            setattr(assignment, key, value)
    assignment.updated_at = utcnow()
    session.add(assignment)
    audit.record(
        session,
        "assignment.update",
        actor_id=therapist.id,
        target_type="assignment",
        target_id=assignment.id,
        client_id=client.id,
        detail=",".join(sorted(fields)),
    )
    return assignment


def remove(session: Session, therapist: User, assignment: Assignment) -> None:
    """End an assignment; its sessions stay in the record."""
    assignment.deleted_at = utcnow()
    assignment.active = False
    session.add(assignment)
    audit.record(
        session,
        "assignment.delete",
        actor_id=therapist.id,
        target_type="assignment",
        target_id=assignment.id,
        client_id=assignment.client_id,
    )


def for_client(session: Session, client_id: uuid.UUID, *, include_paused: bool = True):
    """The client's current assignments, oldest first."""
    statement = select(Assignment).where(
        Assignment.client_id == client_id, Assignment.deleted_at.is_(None)
    )
    if not include_paused:
        statement = statement.where(Assignment.active.is_(True))
    return list(session.exec(statement.order_by(Assignment.created_at, Assignment.id)))


def get_for_therapist(session: Session, therapist: User, assignment_id: uuid.UUID) -> Assignment:
    """An assignment of one of this therapist's clients, or NotFound."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.deleted_at is not None:
        raise NotFound("no assignment with this id among your clients")
    client = session.get(Client, assignment.client_id)
    if client is None or client.therapist_id != therapist.id:
        raise NotFound("no assignment with this id among your clients")
    audit.note_access(client.id)
    return assignment


def practice_level(client_level: int, assignment: Assignment, step_ups_since: int) -> int:
    """The level this assignment uses now: it starts at its own start level, rises only as the
    client's dose rises (never faster), falls at once with it, and stays under its maximum."""
    return min(client_level, assignment.max_level, assignment.start_level + step_ups_since)


def choose_variant(level: int, assignment: Assignment, practice: Practice, entry: Practice):
    """(practice, level, substituted): below the assignment's minimum or the practice's lowest
    variant, the client's entry practice stands in (warming up slowly, CLINICAL.md section 4)."""
    offered = [n for n in practice.levels if assignment.min_level <= n <= level]
    if level >= 1 and offered:
        return practice, max(offered), False
    entry_levels = [n for n in entry.levels if n <= max(level, 1)]
    return entry, (max(entry_levels) if entry_levels else entry.levels[0]), True


def variant_now(library: Library, client: Client, assignment: Assignment, decisions):
    """(practice, level, substituted) for this assignment at the client's current dose."""
    from care.dose.record import step_ups_since

    practice = library.get(assignment.practice_id)
    entry = library.get(client.entry_practice_id)
    raised = step_ups_since(decisions, assignment.created_at)
    wanted = practice_level(client.dose_level, assignment, raised)
    return choose_variant(wanted, assignment, practice, entry)
