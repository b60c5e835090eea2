"""Webhook endpoints of a therapist's companion-app backend in the care record: register,
pause or resume, remove, ping, and the queries that list endpoints and their delivery log.

Each command works on the therapist's own endpoints only; another's is NotFound, as if it did
not exist. The faces check the URL (a delivery rule of the scheduler) before registering."""

import secrets as pysecrets
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlmodel import Session, select

from care import audit, secrets
from care.errors import Conflict, NotFound
from care.tables import DeliveryLog, User, WebhookEndpoint
from care.types import utcnow


class SendResult(Protocol):
    """What a channel reports about one attempt (scheduler.channels.base.DeliveryResult)."""

    outcome: str
    status_code: int | None
    detail: str


def own_endpoint(session: Session, therapist: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The therapist's endpoint with this id; NotFound for an unknown one or another's."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is not None and endpoint.therapist_id != therapist.id:
        audit.record_refusal(
            session,
            "webhook.reach",
            actor_id=therapist.id,
            target_type="webhook",
            target_id=endpoint.id,
        )
    if endpoint is None or endpoint.therapist_id != therapist.id:
        raise NotFound("no webhook endpoint with this id among yours")
    return endpoint


def register(
    session: Session, therapist: User, *, url: str, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint with a fresh signing secret, stored encrypted and audited; returns the
    endpoint and the secret in clear (shown once)."""
    secret = "whsec_" + pysecrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        therapist_id=therapist.id,
        url=url,
        description=description,
        secret=secrets.encrypt(secret),
    )
    session.add(endpoint)
    audit.record(
        session,
        "webhook.create",
        actor_id=therapist.id,
        target_type="webhook",
        target_id=endpoint.id,
    )
    return endpoint, secret


def update(
    session: Session,
    therapist: User,
    endpoint_id: uuid.UUID,
    *,
    active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Pause, resume or describe an endpoint; resuming clears the failing mark so deliveries
    are tried again. None leaves a field as it is."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    changed = []
    if active is not None and active != endpoint.active:
        changed.append("resume" if active else "pause")
    if active is not None:
        endpoint.active = active
        if active:
            endpoint.failing, endpoint.consecutive_failures = False, 0
    if description is not None and description != endpoint.description:
        endpoint.description = description
        changed.append("description")
    session.add(endpoint)
    audit.record(
        session,
        "webhook.update",
        actor_id=therapist.id,
        target_type="webhook",
        target_id=endpoint.id,
        detail=",".join(changed),
    )
    return endpoint


def remove(session: Session, therapist: User, endpoint_id: uuid.UUID) -> None:
    """Delete the endpoint and its delivery log for good (audited): nothing can resume it."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    session.execute(delete(DeliveryLog).where(DeliveryLog.endpoint_id == endpoint.id))
    audit.record(
        session,
        "webhook.delete",
        actor_id=therapist.id,
        target_type="webhook",
        target_id=endpoint.id,
    )
    session.delete(endpoint)


PING_EVERY = timedelta(seconds=30)


def ping_target(
    session: Session, therapist: User, endpoint_id: uuid.UUID, now: datetime | None = None
) -> tuple[uuid.UUID, str, str]:
    """(endpoint id, url, secret) for a test event, at most one per endpoint every 30 s
    (Conflict sooner); the ping is audited. The caller sends it off the request."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    now = now or utcnow()
    last = session.exec(
        select(DeliveryLog.at)
        .where(DeliveryLog.endpoint_id == endpoint.id, DeliveryLog.detail.startswith("ping"))
        .order_by(DeliveryLog.at.desc())
        .limit(1)
    ).first()
    if last is not None and now - last < PING_EVERY:
        raise Conflict(
            f"a test event went to this endpoint less than {PING_EVERY.seconds} seconds ago; "
            "see its log, or try again in a moment"
        )
    session.add(
        DeliveryLog(endpoint_id=endpoint.id, channel="webhook", outcome="sent", detail="ping: sent")
    )
    audit.record(
        session, "webhook.ping", actor_id=therapist.id, target_type="webhook", target_id=endpoint.id
    )
    return endpoint.id, endpoint.url, secrets.decrypt(endpoint.secret)


def record_ping(session: Session, endpoint_id: uuid.UUID, result: SendResult) -> None:
    """What the test event met, in the endpoint's log (the same coarse words as deliveries)."""
    if session.get(WebhookEndpoint, endpoint_id) is None:
        return  # deleted meanwhile
    session.add(
        DeliveryLog(
            endpoint_id=endpoint_id,
            channel="webhook",
            outcome=result.outcome,
            status_code=result.status_code,
            detail=f"ping: {result.detail}"[:500],
        )
    )


def endpoints(session: Session, therapist: User) -> list[WebhookEndpoint]:
    """The therapist's endpoints, oldest first."""
    return list(
        session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.therapist_id == therapist.id)
            .order_by(WebhookEndpoint.created_at)
        )
    )


def deliveries(session: Session, therapist: User, endpoint_id: uuid.UUID) -> list[DeliveryLog]:
    """Every delivery attempt to the therapist's endpoint, newest first."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    return list(
        session.exec(
            select(DeliveryLog)
            .where(DeliveryLog.endpoint_id == endpoint.id)
            .order_by(DeliveryLog.id.desc())
        )
    )
