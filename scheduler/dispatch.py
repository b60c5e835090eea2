"""The dispatcher: claim due prompts, deliver each through the client's channels once, and
follow the lifecycle planned -> sending -> sent -> opened -> completed (or expired, cancelled,
failed).

One call of `dispatch_once` does the housekeeping once (dead leases, misses, expiry), then
claims and settles batches (scheduler.batch: one transaction each) until a batch comes back
short or `max_prompts` is reached. The inbox is the prompts table itself: a prompt marked
'sent' with its sent_at is in the client's inbox, so the inbox needs no delivery row; the
delivery log records the outside channels, whose attempts can fail and be retried.

Prompts that need an outside channel (email, webhooks) leave the batch as 'sending' with a
lease and go through `deliver` one by one after the commit. A dispatcher that dies mid-send
leaves them in 'sending'; they are reclaimed when the lease runs out and sent again with the
same idempotency key. `deliver` writes its final status only while the lease is still its own."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from care.delivery import secrets
from care.reports import commands as reports
from care.tables import Assignment, Client, DeliveryLog, Prompt, User, WebhookEndpoint
from care.types import utcnow
from practices import Library
from scheduler.batch import LEASE, PROMPTS, claim, settle_batch, unwanted
from scheduler.channels.base import DeliveryResult, Message

__all__ = ["LEASE", "Channels", "DispatchResult", "claim", "deliver", "dispatch_once"]

log = logging.getLogger("hearth.dispatch")
MAX_ATTEMPTS = 6
ENDPOINT_FAILURE_LIMIT = 5
MAX_PROMPTS = 5000  # per dispatch_once call, so one call stays bounded in time
# deliver's verdicts and the DispatchResult field each one counts in
COUNTERS = {
    "sent": "sent",
    "retry": "retried",
    "cancelled": "cancelled",
    "expired": "expired",
    "failed": "failed",
    "lost": "lost",
}


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
    """What one dispatch call did (`lost`: final writes refused because another worker had
    reclaimed the prompt after our lease ran out)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    cancelled: int = 0
    expired: int = 0
    failed: int = 0
    lost: int = 0
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


def _finish(
    session: Session,
    prompt: Prompt,
    worker: str,
    verdict: str,
    values: dict,
    now: datetime,
) -> str:
    """The final status write, made only while the prompt is still ours; 'lost' if another
    dispatcher has it now."""
    values = {**values, "claimed_by": "", "lease_until": None, "updated_at": now}
    written = session.execute(
        update(PROMPTS)
        .where(
            PROMPTS.c.id == prompt.id,
            PROMPTS.c.status == "sending",
            PROMPTS.c.claimed_by == worker,
        )
        .values(**values)
    )
    if written.rowcount != 1:
        # Our lease ran out mid-send and another dispatcher reclaimed the prompt: its state
        # is the other worker's now. What our channels did is still logged (it happened).
        log.warning("prompt %s was reclaimed by another dispatcher; not overwriting it", prompt.id)
        session.commit()
        return "lost"
    session.commit()
    return verdict


def deliver(
    session: Session,
    library: Library,
    prompt_id: uuid.UUID,
    channels: Channels,
    worker: str,
    now: datetime | None = None,
) -> str:
    """Deliver one prompt claimed by `worker` through every channel that has not had it yet."""
    now = now or utcnow()
    prompt = session.get(Prompt, prompt_id)
    if prompt is None or prompt.status != "sending" or prompt.claimed_by != worker:
        return "skipped"
    if prompt.expires_at <= now:
        return _finish(session, prompt, worker, "expired", {"status": "expired"}, now)
    client = session.get(Client, prompt.client_id)
    assignment = session.get(Assignment, prompt.assignment_id)
    reason = unwanted(
        client is not None,
        client is not None and client.on_hold,
        client is not None and client.dose_paused,
        assignment is not None and assignment.active and assignment.deleted_at is None,
    )
    if reason:
        values = {"status": "cancelled", "last_error": reason}
        return _finish(session, prompt, worker, "cancelled", values, now)
    message = _message(session, library, prompt, client, channels.base_url)
    done = _done_channels(session, prompt)
    outcomes: list[tuple[str, str]] = []
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
    values: dict = {}
    errors = [error for _, error in outcomes if error]
    if errors:
        values["last_error"] = errors[-1]
    if prompt.sent_at is None:
        values["sent_at"] = now  # in the inbox from now on (written only if still ours)
    if any(outcome == "retry" for outcome, _ in outcomes) and prompt.attempts < MAX_ATTEMPTS:
        # The inbox has it already; only the channels that failed are tried again later.
        values.update(status="planned", next_attempt_at=now + backoff(prompt.attempts))
        return _finish(session, prompt, worker, "retry", values, now)
    values["status"] = "sent"
    return _finish(session, prompt, worker, "sent", values, now)


def _record(
    session: Session,
    prompt: Prompt,
    channel: str,
    endpoint: WebhookEndpoint | None,
    send: Callable[[], DeliveryResult],
) -> tuple[str, str]:
    """Send through one channel and log it; returns (outcome, error text or "")."""
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
    if endpoint is not None:
        _endpoint_health(session, endpoint, outcome, result.detail)
    return outcome, "" if outcome == "ok" else f"{channel}: {result.detail}"[:500]


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


def _housekeeping(session: Session, now: datetime) -> int:
    """Reclaim dead leases, expire stale prompts, tell the dose of misses; returns expired."""
    reclaim(session, now)
    missed = missed_clients(session, now)
    expired = expire_stale(session, now)
    session.commit()
    for client_id in missed:
        # A miss is an event for the dose (fewer prompts after three in a row, R9).
        client = session.get(Client, client_id)
        if client is not None:
            reports.decide_and_alert(session, client)
    return expired


def dispatch_once(
    session_factory,
    library: Library,
    channels: Channels,
    worker: str,
    *,
    limit: int = 50,
    max_prompts: int = MAX_PROMPTS,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> DispatchResult:
    """Housekeeping once, then claim and settle batches of `limit` until a batch comes back
    short or `max_prompts` were claimed. `now` fixes the clock (tests); otherwise each batch
    and each outside delivery reads it afresh."""
    fixed = now
    result = DispatchResult()
    with session_factory() as session:
        result.expired = _housekeeping(session, fixed or utcnow())
        engine = session.get_bind()
    # One connection for every batch: the batches are Core statements, and a pooled checkout
    # per batch would cost a ping each.
    with engine.connect() as conn:
        while result.claimed < max_prompts:
            size = min(limit, max_prompts - result.claimed)
            batch = settle_batch(
                conn,
                with_email=channels.email is not None,
                with_webhooks=channels.webhook is not None,
                worker=worker,
                size=size,
                now=fixed or utcnow(),
                lease=lease,
            )
            result.claimed += batch.claimed
            result.sent += batch.counts.get("sent", 0)
            result.expired += batch.counts.get("expired", 0)
            result.cancelled += batch.counts.get("cancelled", 0)
            for prompt_id in batch.outside:
                _deliver_counted(
                    session_factory, library, prompt_id, channels, worker, fixed, result
                )
            if batch.claimed < size:
                break
    return result


def _deliver_counted(session_factory, library, prompt_id, channels, worker, fixed, result):
    """`deliver` in a session of its own, its verdict counted in `result`."""
    with session_factory() as session:
        try:
            verdict = deliver(session, library, prompt_id, channels, worker, fixed or utcnow())
        except Exception:
            session.rollback()
            log.exception("delivery failed", extra={"prompt": str(prompt_id)})
            verdict = "failed"
    counter = COUNTERS.get(verdict)
    if counter:
        setattr(result, counter, getattr(result, counter) + 1)
