"""The audit log over HTTP: everything for admins, and for a therapist who reached their
client's record and when."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import select

from care import audit
from care.clients import commands as clients
from care.errors import Invalid
from care.paging import decode_cursor, encode_cursor
from care.tables import AuditEvent, User
from service import db
from service.api import api
from service.api.framework import ADMIN, THERAPIST
from service.api.schemas import ListQuery, Page


class AuditQuery(ListQuery):
    """Filters for the audit log; all optional, combined with AND."""

    actor_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    action: Annotated[
        str | None,
        Field(
            max_length=80,
            description='an exact action such as "client.update", or a family ending in a '
            'dot such as "client." for every client action',
        ),
    ] = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class ClientAuditQuery(ListQuery):
    """Filters for one client's entries."""

    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class AuditOut(BaseModel):
    """One audit entry: who did what to which record, when, and how it ended."""

    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor: str | None = Field(description="the actor's email, when the actor still exists")
    actor_role: str | None
    action: str
    target_type: str
    target_id: str
    client_id: uuid.UUID | None
    outcome: str
    detail: str


def _page(session, rows: list[AuditEvent], limit: int) -> Page[AuditOut]:
    shown = rows[:limit]
    actors = {
        u.id: u for u in session.exec(select(User).where(User.id.in_({r.actor_id for r in shown})))
    }
    items = [
        AuditOut(
            id=r.id,
            at=r.at,
            actor_id=r.actor_id,
            actor=actors[r.actor_id].email if r.actor_id in actors else None,
            actor_role=actors[r.actor_id].role if r.actor_id in actors else None,
            action=r.action,
            target_type=r.target_type,
            target_id=r.target_id,
            client_id=r.client_id,
            outcome=r.outcome,
            detail=r.detail,
        )
        for r in shown
    ]
    cursor = encode_cursor([shown[-1].id]) if len(rows) > limit and shown else None
    return Page[AuditOut](items=items, next_cursor=cursor)


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(decode_cursor(cursor, 1)[0])
    except ValueError:
        raise Invalid("cursor is damaged; start again without a cursor", field="cursor") from None


def _window(query) -> None:
    if query.since and query.until and query.until <= query.since:
        raise Invalid("until must be later than since", field="until")


@api.operation(
    "GET",
    "/audit",
    summary="The audit log",
    tags=["audit"],
    roles=ADMIN,
    query=AuditQuery,
    response=Page[AuditOut],
)
def list_audit(user: User, query: AuditQuery):
    """Every entry, oldest first, filtered by actor, client, action and time."""
    _window(query)
    session = db.session()
    rows = audit.search(
        session,
        actor_id=query.actor_id,
        client_ids=[query.client_id] if query.client_id else None,
        action=query.action,
        since=query.since,
        until=query.until,
        after_id=_after(query.cursor),
        limit=query.limit + 1,
    )
    return _page(session, rows, query.limit)


@api.operation(
    "GET",
    "/clients/{client_id}/audit",
    summary="Who reached this client's record",
    tags=["audit"],
    roles=THERAPIST,
    query=ClientAuditQuery,
    response=Page[AuditOut],
)
def client_audit(user: User, client_id: uuid.UUID, query: ClientAuditQuery):
    """Reads and changes of one of your clients' records, oldest first."""
    _window(query)
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    rows = audit.search(
        session,
        client_ids=[client.id],
        since=query.since,
        until=query.until,
        after_id=_after(query.cursor),
        limit=query.limit + 1,
    )
    return _page(session, rows, query.limit)
