"""Webhook endpoints of a therapist's companion-app backend in the care record: register,
pause or resume, remove, ping, and the queries that list endpoints and their delivery log.

Each command works on the therapist's own endpoints only; another's is NotFound, as if it did
not exist. The faces check the URL (a delivery rule of the scheduler) before registering."""

import secrets as pysecrets
import uuid
from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session, select

from care import audit
from care.delivery import secrets
from care.errors import NotFound
from care.tables import DeliveryLog, User, WebhookEndpoint


class SendResult(Protocol):
    """What a channel reports about one attempt (scheduler.channels.base.DeliveryResult)."""

    outcome: str
    status_code: int | None
    detail: str


def own_endpoint(session: Session, therapist: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The therapist's endpoint with this id; NotFound for an unknown one or another's."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
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
    if active is not None:
        endpoint.active = active
        if active:
            endpoint.failing, endpoint.consecutive_failures = False, 0
    if description is not None:
        endpoint.description = description
    session.add(endpoint)
    return endpoint


def remove(session: Session, therapist: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """No more deliveries go to the endpoint (audited); its delivery log is kept."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    endpoint.active = False
    session.add(endpoint)
    audit.record(
        session,
        "webhook.delete",
        actor_id=therapist.id,
        target_type="webhook",
        target_id=endpoint.id,
    )
    return endpoint


def ping(
    session: Session,
    therapist: User,
    endpoint_id: uuid.UUID,
    send: Callable[[str, str], SendResult],
) -> DeliveryLog:
    """Send a test event with `send(url, secret)` now and log what the endpoint answered."""
    endpoint = own_endpoint(session, therapist, endpoint_id)
    result = send(endpoint.url, secrets.decrypt(endpoint.secret))
    row = DeliveryLog(
        endpoint_id=endpoint.id,
        channel="webhook",
        outcome=result.outcome,
        status_code=result.status_code,
        detail=f"ping: {result.detail}"[:500],
    )
    session.add(row)
    return row


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
