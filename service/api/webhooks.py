"""Webhook endpoints of a therapist's companion-app backend: register, list, pause or resume,
remove, ping, and each endpoint's delivery log."""

import secrets as pysecrets
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import select

from care import audit
from care.delivery import secrets
from care.errors import Invalid, NotFound
from care.tables import DeliveryLog, User, WebhookEndpoint
from service import db
from service.api import api
from service.api.framework import THERAPIST
from service.api.schemas import ListQuery, Page, slice_page


class WebhookIn(BaseModel):
    """A companion-app backend to notify."""

    model_config = {"extra": "forbid"}

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    description: Annotated[str, Field(max_length=200)] = ""


class WebhookOut(BaseModel):
    """A registered webhook endpoint (the secret is shown only when it is created)."""

    id: uuid.UUID
    url: str
    description: str
    active: bool
    failing: bool
    consecutive_failures: int
    last_error: str
    created_at: datetime
    secret: str | None = None


class WebhookPatch(BaseModel):
    """Pause, resume (which also clears a failing mark) or describe an endpoint."""

    model_config = {"extra": "forbid"}

    active: bool | None = None
    description: Annotated[str, Field(max_length=200)] | None = None


class DeliveryOut(BaseModel):
    """One delivery attempt to an endpoint."""

    at: datetime
    prompt_id: uuid.UUID | None
    outcome: str
    status_code: int | None
    detail: str


def webhook_out(endpoint: WebhookEndpoint, secret: str | None = None) -> WebhookOut:
    """The view of an endpoint."""
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        active=endpoint.active,
        failing=endpoint.failing,
        consecutive_failures=endpoint.consecutive_failures,
        last_error=endpoint.last_error,
        created_at=endpoint.created_at,
        secret=secret,
    )


def delivery_out(row: DeliveryLog) -> DeliveryOut:
    """The view of one delivery attempt."""
    return DeliveryOut(
        at=row.at,
        prompt_id=row.prompt_id,
        outcome=row.outcome,
        status_code=row.status_code,
        detail=row.detail,
    )


def _own_endpoint(user: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = db.session().get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.therapist_id != user.id:
        raise NotFound("no webhook endpoint with this id among yours")
    return endpoint


@api.operation(
    "POST",
    "/webhooks",
    summary="Register a webhook endpoint",
    tags=["delivery"],
    roles=THERAPIST,
    body=WebhookIn,
    response=WebhookOut,
    status=201,
)
def create_webhook(user: User, body: WebhookIn):
    """Prompts for your clients are POSTed there, signed with the returned secret (shown once):
    header `Hearth-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`."""
    from scheduler.channels.webhook import check_url

    problem = check_url(body.url)
    if problem:
        raise Invalid(problem, field="url")
    secret = "whsec_" + pysecrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        therapist_id=user.id,
        url=body.url,
        description=body.description,
        secret=secrets.encrypt(secret),
    )
    session = db.session()
    session.add(endpoint)
    audit.record(
        session, "webhook.create", actor_id=user.id, target_type="webhook", target_id=endpoint.id
    )
    session.commit()
    return webhook_out(endpoint, secret)


@api.operation(
    "GET",
    "/webhooks",
    summary="Your webhook endpoints",
    tags=["delivery"],
    roles=THERAPIST,
    query=ListQuery,
    response=Page[WebhookOut],
)
def list_webhooks(user: User, query: ListQuery):
    """Each endpoint with whether it is failing and why."""
    rows = list(
        db.session().exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.therapist_id == user.id)
            .order_by(WebhookEndpoint.created_at)
        )
    )
    page, cursor = slice_page(rows, query, lambda e: e.id)
    return Page[WebhookOut](items=[webhook_out(e) for e in page], next_cursor=cursor)


@api.operation(
    "PATCH",
    "/webhooks/{endpoint_id}",
    summary="Pause or resume an endpoint",
    tags=["delivery"],
    roles=THERAPIST,
    body=WebhookPatch,
    response=WebhookOut,
)
def update_webhook(user: User, endpoint_id: uuid.UUID, body: WebhookPatch):
    """Resuming clears the failing mark so deliveries are tried again."""
    endpoint = _own_endpoint(user, endpoint_id)
    if body.active is not None:
        endpoint.active = body.active
        if body.active:
            endpoint.failing, endpoint.consecutive_failures = False, 0
    if body.description is not None:
        endpoint.description = body.description
    session = db.session()
    session.add(endpoint)
    session.commit()
    return webhook_out(endpoint)


@api.operation(
    "DELETE",
    "/webhooks/{endpoint_id}",
    summary="Remove an endpoint",
    tags=["delivery"],
    roles=THERAPIST,
    response=None,
    status=204,
)
def delete_webhook(user: User, endpoint_id: uuid.UUID):
    """No more deliveries go there; its delivery log is kept."""
    endpoint = _own_endpoint(user, endpoint_id)
    endpoint.active = False
    session = db.session()
    session.add(endpoint)
    audit.record(
        session, "webhook.delete", actor_id=user.id, target_type="webhook", target_id=endpoint.id
    )
    session.commit()
    return None


@api.operation(
    "POST",
    "/webhooks/{endpoint_id}/ping",
    summary="Send a test event",
    tags=["delivery"],
    roles=THERAPIST,
    response=DeliveryOut,
)
def ping_webhook(user: User, endpoint_id: uuid.UUID):
    """Sends a signed `webhook.ping` now and reports what the endpoint answered."""
    from scheduler.channels.webhook import WebhookChannel

    endpoint = _own_endpoint(user, endpoint_id)
    result = WebhookChannel().ping(endpoint.url, secrets.decrypt(endpoint.secret))
    row = DeliveryLog(
        endpoint_id=endpoint.id,
        channel="webhook",
        outcome=result.outcome,
        status_code=result.status_code,
        detail=f"ping: {result.detail}"[:500],
    )
    session = db.session()
    session.add(row)
    session.commit()
    return delivery_out(row)


@api.operation(
    "GET",
    "/webhooks/{endpoint_id}/deliveries",
    summary="An endpoint's log",
    tags=["delivery"],
    roles=THERAPIST,
    query=ListQuery,
    response=Page[DeliveryOut],
)
def webhook_deliveries(user: User, endpoint_id: uuid.UUID, query: ListQuery):
    """Every attempt, newest first, with the status code and the reason for failures."""
    endpoint = _own_endpoint(user, endpoint_id)
    rows = list(
        db.session().exec(
            select(DeliveryLog)
            .where(DeliveryLog.endpoint_id == endpoint.id)
            .order_by(DeliveryLog.id.desc())
        )
    )
    page, cursor = slice_page(rows, query, lambda r: r.id)
    return Page[DeliveryOut](items=[delivery_out(r) for r in page], next_cursor=cursor)
