"""Prompts over HTTP: the client's inbox, the therapist's view, webhooks, the calendar feed,
channel preferences and the schedule preview."""

import hashlib
import secrets as pysecrets
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from flask import Response, current_app
from pydantic import BaseModel, Field
from sqlmodel import select

from care import audit
from care.clients import commands as clients
from care.delivery import prompts, secrets
from care.errors import Invalid, NotFound
from care.schemas.practice import ScheduleIn
from care.tables import CalendarFeed, Client, DeliveryLog, Prompt, User, WebhookEndpoint
from care.types import utcnow
from service import db
from service.api import api
from service.api.me_reports import own_record
from service.api.schemas import ListQuery, Page, slice_page
from service.library import library

THERAPIST = ("therapist",)
CLIENT = ("client",)


class PromptOut(BaseModel):
    """A prompt as the client or therapist sees it."""

    id: uuid.UUID
    practice_id: str
    practice_title: str
    level: int
    minutes: int
    substituted: bool
    status: str
    scheduled_at: datetime
    local_time: str
    expires_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    completed_at: datetime | None
    assignment_id: uuid.UUID
    last_error: str | None = None


def prompt_out(prompt: Prompt, client: Client, *, therapist: bool = False) -> PromptOut:
    """The view of one prompt (delivery errors only for the therapist)."""
    lib = library()
    practice = lib.get(prompt.practice_id) if prompt.practice_id in lib else None
    seconds = practice.variant(prompt.level).target_seconds if practice else 0
    local = prompt.scheduled_at.astimezone(ZoneInfo(client.timezone))
    return PromptOut(
        id=prompt.id,
        practice_id=prompt.practice_id,
        practice_title=practice.title if practice else prompt.practice_id,
        level=prompt.level,
        minutes=max(1, round(seconds / 60)),
        substituted=prompt.substituted,
        status=prompt.status,
        scheduled_at=prompt.scheduled_at,
        local_time=local.strftime("%a %d %b %H:%M"),
        expires_at=prompt.expires_at,
        sent_at=prompt.sent_at,
        opened_at=prompt.opened_at,
        completed_at=prompt.completed_at,
        assignment_id=prompt.assignment_id,
        last_error=(prompt.last_error or None) if therapist else None,
    )


@api.operation(
    "GET",
    "/me/prompts",
    summary="My inbox",
    tags=["me"],
    roles=CLIENT,
    query=ListQuery,
    response=Page[PromptOut],
)
def my_prompts(user: User, query: ListQuery):
    """Prompts that have arrived and are still open, newest first."""
    client = own_record(user)
    rows = prompts.inbox(db.session(), client.id)
    page, cursor = slice_page(rows, query, lambda p: p.id)
    return Page[PromptOut](items=[prompt_out(p, client) for p in page], next_cursor=cursor)


@api.operation(
    "POST",
    "/me/prompts/{prompt_id}/opened",
    summary="Mark a prompt opened",
    tags=["me"],
    roles=CLIENT,
    response=PromptOut,
    errors=(409,),
)
def open_prompt(user: User, prompt_id: uuid.UUID):
    """Apps call this when the client opens the prompt; calling it again changes nothing."""
    client = own_record(user)
    session = db.session()
    prompt = prompts.mark_opened(session, prompts.own_prompt(session, client.id, prompt_id))
    session.commit()
    return prompt_out(prompt, client)


class PromptQuery(ListQuery):
    """Which of a client's prompts."""

    status: (
        Literal[
            "planned",
            "sending",
            "sent",
            "delivered",
            "opened",
            "completed",
            "expired",
            "cancelled",
            "failed",
        ]
        | None
    ) = None
    upcoming: bool | None = Field(default=None, description="true: not yet due; false: past")


@api.operation(
    "GET",
    "/clients/{client_id}/prompts",
    summary="A client's prompts",
    tags=["delivery"],
    roles=THERAPIST,
    query=PromptQuery,
    response=Page[PromptOut],
)
def client_prompts(user: User, client_id: uuid.UUID, query: PromptQuery):
    """Upcoming and past prompts with their status, newest scheduled first."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    statement = select(Prompt).where(Prompt.client_id == client.id)
    if query.status:
        statement = statement.where(Prompt.status == query.status)
    if query.upcoming is not None:
        now = utcnow()
        statement = statement.where(
            Prompt.scheduled_at >= now if query.upcoming else Prompt.scheduled_at < now
        )
    rows = list(session.exec(statement.order_by(Prompt.scheduled_at.desc(), Prompt.id)))
    page, cursor = slice_page(rows, query, lambda p: p.id)
    return Page[PromptOut](
        items=[prompt_out(p, client, therapist=True) for p in page], next_cursor=cursor
    )


class PreviewIn(BaseModel):
    """A schedule to try out before saving it."""

    model_config = {"extra": "forbid"}

    schedule: ScheduleIn
    days: Annotated[int, Field(ge=1, le=14)] = 3


class PreviewItem(BaseModel):
    """One prompt the schedule would send."""

    at: datetime
    local_time: str


class PreviewOut(BaseModel):
    """The next prompts in the client's local time, at the client's current dose."""

    timezone: str
    prompts_per_day: int
    items: list[PreviewItem]


def check_schedule(client: Client, schedule: ScheduleIn | None) -> None:
    """422 naming the field when a schedule cannot work for this client."""
    from scheduler.schedule import ScheduleError, check_rrule
    from scheduler.schedule import check_schedule as check

    if schedule is None:
        return
    spec = schedule.model_dump(mode="json")
    problems = check(spec, client.timezone, client.quiet_start, client.quiet_end)
    if schedule.rrule:
        try:
            check_rrule(schedule.rrule)
        except ScheduleError as error:
            problems.append(("rrule", str(error)))
    if problems:
        named = [(f"schedule.{f}", m) for f, m in problems]
        raise Invalid("; ".join(m for _, m in problems), problems=named)


@api.operation(
    "POST",
    "/clients/{client_id}/schedule/preview",
    summary="Preview a schedule",
    tags=["delivery"],
    roles=THERAPIST,
    body=PreviewIn,
    response=PreviewOut,
)
def preview_schedule(user: User, client_id: uuid.UUID, body: PreviewIn):
    """The prompts this schedule would send over the next days, in the client's local time."""
    from scheduler.schedule import expand

    client = clients.get_for_therapist(db.session(), user, client_id)
    check_schedule(client, body.schedule)
    now = utcnow()
    cap = client.dose_prompts if not client.on_hold else 0
    occurrences = expand(
        body.schedule.model_dump(mode="json"),
        client.timezone,
        now,
        now + timedelta(days=body.days),
        quiet_start=client.quiet_start,
        quiet_end=client.quiet_end,
        cap=cap,
        seed="preview",
    )
    zone = ZoneInfo(client.timezone)
    return PreviewOut(
        timezone=client.timezone,
        prompts_per_day=cap,
        items=[
            PreviewItem(at=o.at, local_time=o.at.astimezone(zone).strftime("%a %d %b %H:%M"))
            for o in occurrences
        ],
    )


class Preferences(BaseModel):
    """What a client may change about how and when they are reached."""

    model_config = {"extra": "forbid"}

    email_prompts: bool | None = None
    reminders: bool | None = Field(default=None, description="At most one gentle reminder")


class PreferencesOut(BaseModel):
    """A client's channel preferences."""

    email_prompts: bool
    reminders: bool


@api.operation(
    "PATCH",
    "/me/preferences",
    summary="My channel preferences",
    tags=["me"],
    roles=CLIENT,
    body=Preferences,
    response=PreferencesOut,
)
def my_preferences(user: User, body: Preferences):
    """Turn prompt emails off or on, and opt in to one gentle reminder."""
    client = own_record(user)
    session = db.session()
    for key in body.model_fields_set:
        value = getattr(body, key)
        if value is not None:
            setattr(client, key, value)
    session.add(client)
    audit.record(
        session,
        "client.preferences",
        actor_id=user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=",".join(sorted(body.model_fields_set)),
    )
    session.commit()
    return PreferencesOut(email_prompts=client.email_prompts, reminders=client.reminders)


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
    return webhook_out(endpoint, secret), 201


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
    endpoint.url = endpoint.url  # kept for the log's sake
    session = db.session()
    session.add(endpoint)
    audit.record(
        session, "webhook.delete", actor_id=user.id, target_type="webhook", target_id=endpoint.id
    )
    session.commit()
    return None, 204


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
    return DeliveryOut(
        at=row.at,
        prompt_id=None,
        outcome=row.outcome,
        status_code=row.status_code,
        detail=row.detail,
    )


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
    return Page[DeliveryOut](
        items=[
            DeliveryOut(
                at=r.at,
                prompt_id=r.prompt_id,
                outcome=r.outcome,
                status_code=r.status_code,
                detail=r.detail,
            )
            for r in page
        ],
        next_cursor=cursor,
    )


class CalendarOut(BaseModel):
    """A private calendar URL (keep it secret; create a new one to revoke the old)."""

    url: str


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@api.operation(
    "POST",
    "/me/calendar",
    summary="A private calendar feed",
    tags=["me"],
    roles=CLIENT,
    response=CalendarOut,
    status=201,
)
def create_calendar(user: User):
    """An iCalendar URL of upcoming practices for calendar apps; any earlier URL stops working."""
    client = own_record(user)
    session = db.session()
    for feed in session.exec(
        select(CalendarFeed).where(
            CalendarFeed.client_id == client.id, CalendarFeed.revoked_at.is_(None)
        )
    ):
        feed.revoked_at = utcnow()
        session.add(feed)
    token = pysecrets.token_urlsafe(32)
    session.add(CalendarFeed(client_id=client.id, token_hash=_feed_hash(token)))
    session.commit()
    base = current_app.config["HEARTH_SETTINGS"].base_url
    return CalendarOut(url=f"{base}/api/v1/calendar/{token}.ics"), 201


@api.operation(
    "DELETE",
    "/me/calendar",
    summary="Turn the calendar feed off",
    tags=["me"],
    roles=CLIENT,
    response=None,
    status=204,
)
def revoke_calendar(user: User):
    """The private URL stops working at once."""
    client = own_record(user)
    session = db.session()
    for feed in session.exec(
        select(CalendarFeed).where(
            CalendarFeed.client_id == client.id, CalendarFeed.revoked_at.is_(None)
        )
    ):
        feed.revoked_at = utcnow()
        session.add(feed)
    session.commit()
    return None, 204


def _ics_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


@api.operation(
    "GET",
    "/calendar/{token}.ics",
    summary="Calendar feed (iCalendar)",
    tags=["me"],
    roles=None,
    response={
        "description": "Upcoming practices as iCalendar events.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
)
def calendar_feed(token: str):
    """Public by its secret URL; no names or ratings, only practice titles and times."""
    session = db.session()
    feed = session.exec(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _feed_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        raise NotFound("this calendar link does not work any more; make a new one in settings")
    now = utcnow()
    rows = session.exec(
        select(Prompt)
        .where(
            Prompt.client_id == feed.client_id,
            Prompt.scheduled_at >= now - timedelta(days=1),
            Prompt.status.in_(("planned", "sending", "sent", "delivered", "opened")),
        )
        .order_by(Prompt.scheduled_at)
    )
    lib = library()
    base = current_app.config["HEARTH_SETTINGS"].base_url
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//hearth//practice calendar//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Practice",
    ]
    for prompt in rows:
        practice = lib.get(prompt.practice_id) if prompt.practice_id in lib else None
        minutes = practice.variant(prompt.level).target_seconds // 60 if practice else 5
        lines += [
            "BEGIN:VEVENT",
            f"UID:{prompt.id}@hearth",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(prompt.scheduled_at)}",
            f"DTEND:{_ics_time(prompt.scheduled_at + timedelta(minutes=max(minutes, 1)))}",
            f"SUMMARY:{_ics_text(practice.title if practice else 'Practice')}",
            f"URL:{base}/practice/prompt/{prompt.id}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return Response(
        "\r\n".join(lines) + "\r\n",
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300"},
    )
