"""The audit log: one row per access or change, never with clinical content."""

import uuid

from sqlmodel import Session

from care.models import AuditEvent


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
