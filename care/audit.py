"""The audit log: one row per access or change, never with clinical content.

Changes are recorded where they happen (`record`). Reads are noted where a client's record is
reached (`note_access`, called by the two gateways: a therapist's lookup of their client and a
client's lookup of their own record); the service turns the notes of one request into one
entry per client when the request succeeds, so no read path can forget to log itself. A client
whose request already recorded an entry of its own (a change, an explicit read) gets no second
one."""

import uuid
from contextvars import ContextVar, Token
from datetime import datetime

from sqlmodel import Session, select

from care.tables import AuditEvent

_ACCESSED: ContextVar[set[uuid.UUID] | None] = ContextVar("hearth_accessed_clients", default=None)
_RECORDED: ContextVar[set[uuid.UUID] | None] = ContextVar("hearth_recorded_clients", default=None)
# Refused reaches for another tenant's objects, written after the request (which fails).
_REFUSED: ContextVar[list[dict] | None] = ContextVar("hearth_refused_reaches", default=None)


def note_access(client_id: uuid.UUID) -> None:
    """Note that the current unit of work reached this client's record."""
    accessed = _ACCESSED.get()
    if accessed is not None:
        accessed.add(client_id)


def unrecorded() -> set[uuid.UUID]:
    """The clients reached so far that no entry of this unit of work names yet."""
    return (_ACCESSED.get() or set()) - (_RECORDED.get() or set())


def begin_collecting() -> tuple[Token, Token, Token]:
    """Start noting the clients reached from here on (end with `end_collecting`)."""
    return _ACCESSED.set(set()), _RECORDED.set(set()), _REFUSED.set([])


def end_collecting(tokens: tuple[Token, Token, Token]) -> None:
    """Stop noting (what `begin_collecting` started)."""
    _ACCESSED.reset(tokens[0])
    _RECORDED.reset(tokens[1])
    _REFUSED.reset(tokens[2])


def refusals() -> list[dict]:
    """The refused reaches noted during this request (each the keyword arguments of an
    audit entry), for the service to write once the request has ended."""
    return list(_REFUSED.get() or [])


def record(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    target_type: str = "",
    target_id: object = "",
    client_id: uuid.UUID | None = None,
    outcome: str = "ok",
    detail: str = "",
) -> AuditEvent:
    """Add an audit event to the session; it commits with the work it describes."""
    recorded = _RECORDED.get()
    if recorded is not None and client_id is not None:
        recorded.add(client_id)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=str(target_id or ""),
        client_id=client_id,
        outcome=outcome,
        detail=detail[:500],
    )
    session.add(event)
    return event


def record_refusal(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    target_type: str,
    target_id: object,
    client_id: uuid.UUID | None = None,
    detail: str = "another tenant's object",
) -> None:
    """Audit a refused reach (by default for another tenant's object, when the caller answers
    404 as if it did not exist). In a request the entry is written after the request (which
    fails and is rolled back); elsewhere (the command line, tests) it joins the caller's
    session. A transaction of its own would wait on the caller's lock on SQLite."""
    entry = {
        "action": action,
        "actor_id": actor_id,
        "target_type": target_type,
        "target_id": target_id,
        "client_id": client_id,
        "outcome": "denied",
        "detail": detail,
    }
    noted = _REFUSED.get()
    if noted is not None:
        noted.append(entry)
        return
    record(session, **entry)


def search(
    session: Session,
    *,
    actor_id: uuid.UUID | None = None,
    client_ids: list[uuid.UUID] | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Audit entries matching the filters, oldest first, after `after_id` (keyset paging)."""
    statement = select(AuditEvent)
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if client_ids is not None:
        statement = statement.where(AuditEvent.client_id.in_(client_ids))
    if action:
        # "client.update" matches itself; "client." matches the family.
        if action.endswith("."):
            statement = statement.where(AuditEvent.action.startswith(action))
        else:
            statement = statement.where(AuditEvent.action == action)
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    if after_id is not None:
        statement = statement.where(AuditEvent.id > after_id)
    return list(session.exec(statement.order_by(AuditEvent.id).limit(limit)))
