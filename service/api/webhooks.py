"""Webhook endpoints of a therapist's companion-app backend: register, list, pause or resume,
remove, ping, and each endpoint's delivery log."""

import logging
import threading
import uuid
from datetime import datetime
from typing import Annotated

from flask import current_app
from pydantic import BaseModel, Field

from care.db import session_scope
from care.delivery import webhooks
from care.errors import Invalid
from care.tables import DeliveryLog, User, WebhookEndpoint
from service import db
from service.api import api
from service.api.framework import THERAPIST
from service.api.problems import ApiProblem
from service.api.schemas import ListQuery, Page, slice_page

log = logging.getLogger("hearth.webhooks")


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
    from scheduler.channels.targets import registration_problem
    from scheduler.channels.webhook import check_url

    targets = current_app.config["HEARTH_SETTINGS"].webhook_targets()
    problem = check_url(body.url) or registration_problem(body.url, targets)
    if problem:
        raise Invalid(problem, field="url")
    session = db.session()
    endpoint, secret = webhooks.register(session, user, url=body.url, description=body.description)
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
    rows = webhooks.endpoints(db.session(), user)
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
    session = db.session()
    endpoint = webhooks.update(
        session, user, endpoint_id, active=body.active, description=body.description
    )
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
    """Deletes the endpoint and its delivery log for good; the audit log keeps the fact."""
    session = db.session()
    webhooks.remove(session, user, endpoint_id)
    session.commit()
    return None


class PingOut(BaseModel):
    """A test event is on its way; what it met appears in the endpoint's log."""

    detail: str
    deliveries_url: str


# Test events go out from a few background threads per process, never from the request.
_PINGS = threading.BoundedSemaphore(2)


@api.operation(
    "POST",
    "/webhooks/{endpoint_id}/ping",
    summary="Send a test event",
    tags=["delivery"],
    roles=THERAPIST,
    response=PingOut,
    status=202,
    errors=(409, 429),
)
def ping_webhook(user: User, endpoint_id: uuid.UUID):
    """Sends a signed `webhook.ping` in the background (at most one per endpoint every 30
    seconds, 409 sooner; 429 while this server is busy with other tests); what it met is in
    `GET /webhooks/{id}/deliveries` moments later, in the same coarse words as deliveries."""
    from scheduler.channels.webhook import WebhookChannel

    if not _PINGS.acquire(blocking=False):
        raise ApiProblem(
            429,
            "other test events are on their way; try again in a few seconds",
            headers={"Retry-After": "5"},
        )
    try:
        session = db.session()
        target_id, url, secret = webhooks.ping_target(session, user, endpoint_id)
        session.commit()
        engine = db.engine()
        channel = WebhookChannel(
            timeout=3, targets=current_app.config["HEARTH_SETTINGS"].webhook_targets()
        )
    except BaseException:
        _PINGS.release()
        raise

    def send():
        try:
            result = channel.ping(url, secret)
            with session_scope(engine) as background:
                webhooks.record_ping(background, target_id, result)
        except Exception:
            log.exception("a webhook test event could not be recorded")
        finally:
            _PINGS.release()

    threading.Thread(target=send, name="hearth-webhook-ping", daemon=True).start()
    return PingOut(
        detail="a test event is on its way; its answer appears in the endpoint's log",
        deliveries_url=f"/api/v1/webhooks/{target_id}/deliveries",
    ), 202


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
    rows = webhooks.deliveries(db.session(), user, endpoint_id)
    page, cursor = slice_page(rows, query, lambda r: r.id)
    return Page[DeliveryOut](items=[delivery_out(r) for r in page], next_cursor=cursor)
