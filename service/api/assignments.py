"""Assignments: a therapist gives a client a practice within bounds and a schedule."""

import json
import uuid

from care import audit
from care.assignments import commands as assignments
from care.clients import commands as clients
from care.delivery import prompts
from care.schemas.practice import AssignmentCreate, AssignmentUpdate
from care.tables import Assignment, User
from scheduler.preview import check_schedule
from service import db
from service.api import api
from service.api.schemas import ListQuery, Page, slice_page
from service.api.shapes.practice import AssignmentOut
from service.library import library
from service.planning import replan

THERAPIST = ("therapist",)


def assignment_out(assignment: Assignment) -> AssignmentOut:
    """The therapist's view of an assignment."""
    lib = library()
    title = lib.get(assignment.practice_id).title if assignment.practice_id in lib else ""
    return AssignmentOut(
        id=assignment.id,
        client_id=assignment.client_id,
        practice_id=assignment.practice_id,
        practice_title=title,
        start_level=assignment.start_level,
        min_level=assignment.min_level,
        max_level=assignment.max_level,
        note=assignment.note,
        prelude=assignment.prelude,
        active=assignment.active,
        schedule=json.loads(assignment.schedule or "{}"),
        created_at=assignment.created_at,
        updated_at=assignment.updated_at,
    )


@api.operation(
    "POST",
    "/clients/{client_id}/assignments",
    summary="Assign a practice",
    tags=["assignments"],
    roles=THERAPIST,
    body=AssignmentCreate,
    response=AssignmentOut,
    status=201,
)
def create_assignment(user: User, client_id: uuid.UUID, body: AssignmentCreate):
    """Refused with the rule in plain words for flagged clients (R1), before yang readiness
    (R8), and for therapist-only practices."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    check_schedule(client, body.schedule)
    assignment = assignments.create(session, library(), user, client, body)
    session.commit()
    replan(client)
    return assignment_out(assignment), 201


@api.operation(
    "GET",
    "/clients/{client_id}/assignments",
    summary="A client's assignments",
    tags=["assignments"],
    roles=THERAPIST,
    query=ListQuery,
    response=Page[AssignmentOut],
)
def list_assignments(user: User, client_id: uuid.UUID, query: ListQuery):
    """Active and paused assignments, oldest first."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    page, cursor = slice_page(assignments.for_client(session, client.id), query, lambda a: a.id)
    return Page[AssignmentOut](items=[assignment_out(a) for a in page], next_cursor=cursor)


@api.operation(
    "PATCH",
    "/assignments/{assignment_id}",
    summary="Change an assignment",
    tags=["assignments"],
    roles=THERAPIST,
    body=AssignmentUpdate,
    response=AssignmentOut,
)
def update_assignment(user: User, assignment_id: uuid.UUID, body: AssignmentUpdate):
    """Bounds, note, schedule, or pause (`active: false`) and resume."""
    session = db.session()
    assignment = assignments.get_for_therapist(session, user, assignment_id)
    client = clients.get_for_therapist(session, user, assignment.client_id)
    if "schedule" in body.model_fields_set:
        check_schedule(client, body.schedule)
    assignments.update(session, library(), user, assignment, client, body)
    session.commit()
    replan(client)
    return assignment_out(assignment)


@api.operation(
    "DELETE",
    "/assignments/{assignment_id}",
    summary="End an assignment",
    tags=["assignments"],
    roles=THERAPIST,
    response=None,
    status=204,
)
def delete_assignment(user: User, assignment_id: uuid.UUID):
    """The practice stops being offered; past sessions stay in the record."""
    session = db.session()
    assignment = assignments.get_for_therapist(session, user, assignment_id)
    assignments.remove(session, user, assignment)
    prompts.cancel_planned(
        session, assignment.client_id, reason="assignment ended", assignment_id=assignment.id
    )
    session.commit()
    return None, 204


@api.operation(
    "GET",
    "/me/assignments",
    summary="My practices",
    tags=["me"],
    roles=("client",),
    query=ListQuery,
    response=Page[AssignmentOut],
)
def my_assignments(user: User, query: ListQuery):
    """The practices my therapist has shared with me (active ones)."""
    session = db.session()
    record = clients.for_user(session, user)
    rows = assignments.for_client(session, record.id, include_paused=False) if record else []
    audit.record(
        session,
        "assignment.read",
        actor_id=user.id,
        target_type="client",
        target_id=record.id if record else "",
        client_id=record.id if record else None,
    )
    session.commit()
    page, cursor = slice_page(rows, query, lambda a: a.id)
    return Page[AssignmentOut](items=[assignment_out(a) for a in page], next_cursor=cursor)
