"""The dispatcher: claim due prompts, deliver each through the client's channels once, and
follow the lifecycle planned -> sending -> sent -> opened -> completed (or expired, cancelled,
failed).

Claims use FOR UPDATE SKIP LOCKED on PostgreSQL, so several dispatchers can run at once, and a
guarded conditional UPDATE on SQLite (where FOR UPDATE compiles to nothing; run one dispatcher
there). A claim is a lease: a dispatcher that dies mid-send leaves rows in 'sending' that are
reclaimed when the lease runs out, and sent again with the same idempotency key."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from care import reports, secrets
from care.models import Client, User
from care.models_delivery import DeliveryLog, Prompt, WebhookEndpoint
from care.models_practice import Assignment
from care.types import utcnow
from practices import Library
from scheduler.channels.base import DeliveryResult, Message

log = logging.getLogger("hearth.dispatch")
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
ENDPOINT_FAILURE_LIMIT = 5


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1, 2, 4, 8 minutes."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


@dataclass
class Channels:
    """The channels a dispatcher uses; email and webhooks are optional."""

    base_url: str
    email: object | None = None
    webhook: object | None = None
    log_errors: bool = True


@dataclass
class DispatchResult:
    """What one dispatch pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    cancelled: int = 0
    expired: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def missed_clients(session: Session, now: datetime) -> set[uuid.UUID]:
    """Clients with a sent prompt about to expire unanswered (their dose hears of it, R9)."""
    return set(
        session.exec(
            select(Prompt.client_id).where(
                Prompt.status.in_(("sent", "delivered")), Prompt.expires_at <= now
            )
        )
    )


def expire_stale(session: Session, now: datetime | None = None) -> int:
    """Prompts never sent before their expiry are expired, never sent late."""
    now = now or utcnow()
    result = session.execute(
        update(Prompt)
        .where(Prompt.status.in_(("planned",)), Prompt.expires_at <= now)
        .values(status="expired", updated_at=now)
    )
    # Sent but never answered before expiry: the client did not practise this time (R9 counts
    # it, kindly). Opened prompts that expire were seen, so they are not misses.
    result2 = session.execute(
        update(Prompt)
        .where(Prompt.status.in_(("sent", "delivered")), Prompt.expires_at <= now)
        .values(status="expired", updated_at=now)
    )
    return (result.rowcount or 0) + (result2.rowcount or 0)


def reclaim(session: Session, now: datetime | None = None) -> int:
    """Rows whose dispatcher died (lease over) go back to 'planned' for another claim."""
    now = now or utcnow()
    result = session.execute(
        update(Prompt)
        .where(Prompt.status == "sending", Prompt.lease_until < now)
        .values(status="planned", claimed_by="", lease_until=None, updated_at=now)
    )
    return result.rowcount or 0


def claim(
    session: Session,
    worker: str,
    *,
    limit: int = 50,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> list[uuid.UUID]:
    """Claim up to `limit` due prompts for this worker; returns their ids (committed)."""
    now = now or utcnow()
    due = (
        select(Prompt.id)
        .where(
            Prompt.status == "planned",
            Prompt.scheduled_at <= now,
            Prompt.expires_at > now,
            (Prompt.next_attempt_at.is_(None)) | (Prompt.next_attempt_at <= now),
        )
        .order_by(Prompt.scheduled_at)
        .limit(limit)
    )
    values = {
        "status": "sending",
        "claimed_by": worker,
        "lease_until": now + lease,
        "updated_at": now,
        "attempts": Prompt.attempts + 1,
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.exec(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(Prompt).where(Prompt.id.in_(ids)).values(**values))
        session.commit()
        return ids
    claimed = []
    for prompt_id in list(session.exec(due)):
        # The guarded update succeeds for exactly one claimant.
        result = session.execute(
            update(Prompt)
            .where(Prompt.id == prompt_id, Prompt.status == "planned")
            .values(**values)
        )
        if result.rowcount == 1:
            claimed.append(prompt_id)
    session.commit()
    return claimed


def _message(
    session: Session,
    library: Library,
    prompt: Prompt,
    client: Client,
    base_url: str,
    kind: str = "prompt",
) -> Message:
    user = session.get(User, client.user_id) if client.user_id else None
    practice = library.get(prompt.practice_id) if prompt.practice_id in library else None
    zone = ZoneInfo(client.timezone)
    seconds = practice.variant(prompt.level).target_seconds if practice else 300
    # A reminder is a message of its own: receivers must not take it for a duplicate prompt.
    key = prompt.idempotency_key if kind == "prompt" else f"{prompt.idempotency_key}-{kind}"
    return Message(
        kind=kind,
        prompt_id=str(prompt.id),
        idempotency_key=key,
        recipient_name=client.script_name or client.display_name,
        recipient_email=user.email if user and user.active else None,
        practice_title=practice.title if practice else prompt.practice_id,
        practice_id=prompt.practice_id,
        level=prompt.level,
        minutes=max(1, round(seconds / 60)),
        local_time_text=prompt.scheduled_at.astimezone(zone).strftime("%A %H:%M"),
        expires_at=prompt.expires_at,
        expires_local_text=prompt.expires_at.astimezone(zone).strftime("%H:%M"),
        open_url=f"{base_url}/practice/prompt/{prompt.id}",
        settings_url=f"{base_url}/settings",
    )


def _done_channels(session: Session, prompt: Prompt) -> set[str]:
    rows = session.exec(
        select(DeliveryLog).where(DeliveryLog.prompt_id == prompt.id, DeliveryLog.outcome == "ok")
    )
    return {f"{r.channel}:{r.endpoint_id or ''}" for r in rows}


def _still_wanted(session: Session, prompt: Prompt, client: Client | None) -> str | None:
    """Why a claimed prompt must not go out now (re-checked at send time), or None."""
    if client is None:
        return "the client no longer exists"
    if client.on_hold:
        return "the client is on hold"
    if client.dose_paused:
        return "the therapist paused practice"
    assignment = session.get(Assignment, prompt.assignment_id)
    if assignment is None or not assignment.active or assignment.deleted_at is not None:
        return "the assignment was paused or ended"
    return None


def deliver(
    session: Session,
    library: Library,
    prompt_id: uuid.UUID,
    channels: Channels,
    now: datetime | None = None,
) -> str:
    """Deliver one claimed prompt through every channel that has not had it yet."""
    now = now or utcnow()
    prompt = session.get(Prompt, prompt_id)
    if prompt is None or prompt.status != "sending":
        return "skipped"
    client = session.get(Client, prompt.client_id)
    if prompt.expires_at <= now:
        prompt.status, prompt.updated_at = "expired", now
        session.add(prompt)
        session.commit()
        return "expired"
    reason = _still_wanted(session, prompt, client)
    if reason:
        prompt.status, prompt.last_error, prompt.updated_at = "cancelled", reason, now
        session.add(prompt)
        session.commit()
        return "cancelled"
    message = _message(session, library, prompt, client, channels.base_url)
    done = _done_channels(session, prompt)
    outcomes = []
    if "inbox:" not in done:
        session.add(DeliveryLog(prompt_id=prompt.id, channel="inbox", outcome="ok"))
        if prompt.sent_at is None:
            prompt.sent_at = now
    if (
        channels.email is not None
        and client.email_prompts
        and message.recipient_email
        and "email:" not in done
    ):
        outcomes.append(
            _record(session, prompt, "email", None, lambda: channels.email.send(message))
        )
    if channels.webhook is not None:
        for endpoint in session.exec(
            select(WebhookEndpoint).where(
                WebhookEndpoint.therapist_id == client.therapist_id,
                WebhookEndpoint.active.is_(True),
                WebhookEndpoint.failing.is_(False),
            )
        ):
            if f"webhook:{endpoint.id}" in done:
                continue
            outcomes.append(
                _record(
                    session,
                    prompt,
                    "webhook",
                    endpoint,
                    lambda e=endpoint: channels.webhook.send(
                        message, url=e.url, secret=secrets.decrypt(e.secret)
                    ),
                )
            )
    if "retry" in outcomes and prompt.attempts < MAX_ATTEMPTS:
        # The inbox has it already; only the channels that failed are tried again later.
        prompt.status = "planned"
        prompt.next_attempt_at = now + backoff(prompt.attempts)
        verdict = "retry"
    else:
        prompt.status = "sent"
        verdict = "sent"
    prompt.claimed_by, prompt.lease_until, prompt.updated_at = "", None, now
    session.add(prompt)
    session.commit()
    return verdict


def _record(
    session: Session,
    prompt: Prompt,
    channel: str,
    endpoint: WebhookEndpoint | None,
    send: Callable[[], DeliveryResult],
) -> str:
    try:
        result = send()
    except Exception as error:  # a channel bug must not stop the other channels
        log.exception("channel %s raised", channel)
        result = DeliveryResult("retry", f"{type(error).__name__}: {error}")
    outcome = result.outcome
    if outcome == "retry" and prompt.attempts >= MAX_ATTEMPTS:
        outcome = "failed"
    session.add(
        DeliveryLog(
            prompt_id=prompt.id,
            endpoint_id=endpoint.id if endpoint else None,
            channel=channel,
            outcome=outcome,
            status_code=result.status_code,
            detail=result.detail[:500],
        )
    )
    if outcome != "ok":
        prompt.last_error = f"{channel}: {result.detail}"[:500]
    if endpoint is not None:
        _endpoint_health(session, endpoint, outcome, result.detail)
    return outcome


def _endpoint_health(
    session: Session, endpoint: WebhookEndpoint, outcome: str, detail: str
) -> None:
    # An endpoint that keeps failing is marked failing and skipped, so it holds up nothing;
    # the therapist sees why and can fix it and reactivate it.
    if outcome == "ok":
        endpoint.consecutive_failures = 0
    else:
        endpoint.consecutive_failures += 1
        endpoint.last_error = detail[:500]
        endpoint.failing = endpoint.consecutive_failures >= ENDPOINT_FAILURE_LIMIT
    session.add(endpoint)


def dispatch_once(
    session_factory,
    library: Library,
    channels: Channels,
    worker: str,
    *,
    limit: int = 50,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> DispatchResult:
    """One pass: reclaim dead leases, expire stale prompts, claim and deliver a batch."""
    now = now or utcnow()
    result = DispatchResult()
    with session_factory() as session:
        reclaim(session, now)
        missed = missed_clients(session, now)
        result.expired = expire_stale(session, now)
        session.commit()
        for client_id in missed:
            # A miss is an event for the dose (fewer prompts after three in a row, R9).
            client = session.get(Client, client_id)
            if client is not None:
                reports.decide_and_alert(session, client)
        ids = claim(session, worker, limit=limit, now=now, lease=lease)
    result.claimed = len(ids)
    for prompt_id in ids:
        with session_factory() as session:
            try:
                verdict = deliver(session, library, prompt_id, channels, now)
            except Exception:
                session.rollback()
                log.exception("delivery failed", extra={"prompt": str(prompt_id)})
                verdict = "failed"
        if verdict == "sent":
            result.sent += 1
        elif verdict == "retry":
            result.retried += 1
        elif verdict == "cancelled":
            result.cancelled += 1
        elif verdict == "failed":
            result.failed += 1
    return result
