"""Alerts for therapists: urgent for crises, routine for rough sessions and other changes."""

import uuid

from sqlmodel import Session, func, select

from care import audit
from care.errors import Conflict, NotFound
from care.paging import Page, paginate, parse_time_and_id
from care.tables import Alert, Client, User
from care.types import utcnow
from care.vocab import ALERT_OPEN


def raise_alert(
    session: Session,
    client: Client,
    *,
    severity: str,
    kind: str,
    message: str,
    decision_id: int | None = None,
) -> Alert:
    """Open an alert for the client's therapist."""
    alert = Alert(
        client_id=client.id,
        therapist_id=client.therapist_id,
        severity=severity,
        kind=kind,
        message=message,
        decision_id=decision_id,
    )
    session.add(alert)
    session.flush()
    return alert


def open_count(session: Session, therapist: User) -> int:
    """How many of this therapist's alerts are open (a count only: no client in it)."""
    statement = select(func.count()).select_from(Alert)
    statement = statement.where(Alert.therapist_id == therapist.id, Alert.status == ALERT_OPEN)
    return session.exec(statement).one()


def list_for_therapist(
    session: Session, therapist: User, *, status: str | None, limit: int, cursor: str | None
) -> Page:
    """A page of the therapist's alerts: urgent first is the dashboard's job; here, newest first
    within the status filter, by (created_at, id)."""
    statement = select(Alert).where(Alert.therapist_id == therapist.id)
    if status:
        statement = statement.where(Alert.status == status)
    page = paginate(
        session,
        statement,
        [Alert.created_at, Alert.id],
        limit=limit,
        cursor=cursor,
        parse=parse_time_and_id,
    )
    for alert in page.items:
        audit.note_access(alert.client_id)  # an alert's message is about a client's care
    return page


def acknowledge(session: Session, therapist: User, alert_id: uuid.UUID) -> Alert:
    """Mark an alert seen; acknowledging twice is a conflict that says who did it first."""
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.therapist_id != therapist.id:
        audit.record_refusal(
            session,
            "alert.reach",
            actor_id=therapist.id,
            target_type="alert",
            target_id=alert.id,
            client_id=alert.client_id,
        )
    if alert is None or alert.therapist_id != therapist.id:
        raise NotFound("no alert with this id among yours")
    if alert.status == "acknowledged":
        when = alert.acknowledged_at.strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"this alert was already acknowledged at {when} UTC")
    alert.status = "acknowledged"
    alert.acknowledged_by = therapist.id
    alert.acknowledged_at = utcnow()
    session.add(alert)
    audit.record(
        session,
        "alert.ack",
        actor_id=therapist.id,
        target_type="alert",
        target_id=alert.id,
        client_id=alert.client_id,
    )
    return alert
