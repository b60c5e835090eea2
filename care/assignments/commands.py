"""Assignments: which practices a client does, within which levels, and the rules that gate
them (R1 stability, R8 yang readiness, therapist-only practices, R6 entry direction)."""

import json
import uuid

from pydantic import BaseModel
from sqlmodel import Session, select

from care import audit
from care.assignments.gates import (
    check_levels,
    first_practice_problem,
    gate_problem,
    prelude_problem,
)
from care.errors import Conflict, Invalid, NotFound
from care.tables import Assignment, Client, PracticeSession, User
from care.types import utcnow
from care.vocab import SessionStatus
from practices import Library

NOT_NULL = (
    "start_level",
    "min_level",
    "max_level",
    "note",
    "prelude",
    "active",
)  # null: 422, not "unchanged"


def create(session: Session, library: Library, therapist: User, client: Client, data) -> Assignment:
    """Assign a practice; every refusal is Invalid with the rule in plain words."""
    _in_practice(client)
    practice = library.get(data.practice_id)
    problem = gate_problem(practice, client) or first_practice_problem(
        practice, _has_finished(session, client)
    )
    if problem:
        raise Invalid(problem, field="practice_id")
    if getattr(data, "prelude", False) and (problem := prelude_problem(practice)):
        raise Invalid(problem, field="prelude")
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
        prelude=getattr(data, "prelude", False),
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


def _in_practice(client: Client) -> None:
    # A discharged client gets no practice until the therapist readmits them.
    if client.discharged_at is not None:
        raise Conflict("this client is discharged; readmit them before assigning practice")


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
    if fields.get("active") and not assignment.active:
        _in_practice(client)
    nulls = [k for k in NOT_NULL if k in fields and fields[k] is None]
    if nulls:
        problems = [
            (k, f"{k} cannot be null; leave it out to keep the current value") for k in nulls
        ]
        raise Invalid("; ".join(m for _, m in problems), problems=problems)
    start = fields.get("start_level", assignment.start_level)
    low = fields.get("min_level", assignment.min_level)
    high = fields.get("max_level", assignment.max_level)
    problems = check_levels(start, low, high, practice)
    if problems:
        raise Invalid("; ".join(m for _, m in problems), problems=problems)
    if fields.get("prelude") and (problem := prelude_problem(practice)):
        raise Invalid(problem, field="prelude")
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
    if client is not None and client.therapist_id != therapist.id:
        audit.record_refusal(
            session,
            "assignment.reach",
            actor_id=therapist.id,
            target_type="assignment",
            target_id=assignment.id,
            client_id=client.id,
        )
    if client is None or client.therapist_id != therapist.id:
        raise NotFound("no assignment with this id among your clients")
    audit.note_access(client.id)
    return assignment


def _has_finished(session: Session, client: Client) -> bool:
    statement = select(PracticeSession.id).where(
        PracticeSession.client_id == client.id,
        PracticeSession.status == SessionStatus.FINISHED,
    )
    return session.exec(statement.limit(1)).first() is not None
