"""Delivery through the outside channels of one prompt claimed by this worker: email and the
therapist's webhooks, each channel once (the delivery log says which had it already), then
the final status, written only while the lease is still this worker's."""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from care import secrets
from care.tables import Assignment, Client, DeliveryLog, Prompt, WebhookEndpoint
from care.types import utcnow
from care.vocab import PromptStatus
from practices import Library
from scheduler.channels.base import Channels, DeliveryResult, Message
from scheduler.dispatch.batch import PROMPTS
from scheduler.dispatch.decide import unwanted
from scheduler.dispatch.message import prompt_message

log = logging.getLogger("hearth.dispatch")
MAX_ATTEMPTS = 6
ENDPOINT_FAILURE_LIMIT = 5
# deliver's verdicts besides the prompt states it writes (sent, expired, cancelled)
RETRY = "retry"  # back to planned, for the channels that failed
LOST = "lost"  # another dispatcher reclaimed the prompt; its state is theirs
SKIPPED = "skipped"  # not ours (any more) to deliver


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1, 2, 4, 8 minutes."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


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
    if prompt is None or prompt.status != PromptStatus.SENDING or prompt.claimed_by != worker:
        return SKIPPED
    if prompt.expires_at <= now:
        expired = {"status": PromptStatus.EXPIRED}
        return _finish(session, prompt, worker, PromptStatus.EXPIRED, expired, now)
    client = session.get(Client, prompt.client_id)
    reason = _unwanted_now(session, prompt, client)
    if reason:
        values = {"status": PromptStatus.CANCELLED, "last_error": reason}
        return _finish(session, prompt, worker, PromptStatus.CANCELLED, values, now)
    message = prompt_message(session, library, prompt, client, channels.base_url)
    outcomes = _send_all(session, prompt, client, message, channels)
    values: dict = {}
    errors = [error for _, error in outcomes if error]
    if errors:
        values["last_error"] = errors[-1]
    if prompt.sent_at is None:
        values["sent_at"] = now  # in the inbox from now on (written only if still ours)
    if any(outcome == "retry" for outcome, _ in outcomes) and prompt.attempts < MAX_ATTEMPTS:
        # The inbox has it already; only the channels that failed are tried again later.
        values.update(status=PromptStatus.PLANNED, next_attempt_at=now + backoff(prompt.attempts))
        return _finish(session, prompt, worker, RETRY, values, now)
    values["status"] = PromptStatus.SENT
    return _finish(session, prompt, worker, PromptStatus.SENT, values, now)


def _unwanted_now(session: Session, prompt: Prompt, client: Client | None) -> str | None:
    """The batch's reasons not to send, re-checked now that the channels are about to run."""
    assignment = session.get(Assignment, prompt.assignment_id)
    return unwanted(
        client is not None,
        client is not None and client.on_hold,
        client is not None and client.dose_paused,
        assignment is not None and assignment.active and assignment.deleted_at is None,
    )


def _send_all(
    session: Session, prompt: Prompt, client: Client, message: Message, channels: Channels
) -> list[tuple[str, str]]:
    """Send through each outside channel that has not had this prompt; (outcome, error) each."""
    done = _done_channels(session, prompt)
    outcomes: list[tuple[str, str]] = []
    email = channels.email
    if (
        email is not None
        and client.email_prompts
        and message.recipient_email
        and "email:" not in done
    ):
        outcomes.append(_record(session, prompt, "email", None, lambda: email.send(message)))
    if channels.webhook is None:
        return outcomes
    for endpoint in session.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.therapist_id == client.therapist_id,
            WebhookEndpoint.active.is_(True),
            WebhookEndpoint.failing.is_(False),
        )
    ):
        if f"webhook:{endpoint.id}" in done:
            continue

        def send(e: WebhookEndpoint = endpoint) -> DeliveryResult:
            return channels.webhook.send(message, url=e.url, secret=secrets.decrypt(e.secret))

        outcomes.append(_record(session, prompt, "webhook", endpoint, send))
    return outcomes


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
    """The final status write, made only while the prompt is still ours; LOST if another
    dispatcher has it now."""
    values = {**values, "claimed_by": "", "lease_until": None, "updated_at": now}
    written = session.execute(
        update(PROMPTS)
        .where(
            PROMPTS.c.id == prompt.id,
            PROMPTS.c.status == PromptStatus.SENDING,
            PROMPTS.c.claimed_by == worker,
        )
        .values(**values)
    )
    if written.rowcount != 1:
        # Our lease ran out mid-send and another dispatcher reclaimed the prompt: its state
        # is the other worker's now. What our channels did is still logged (it happened).
        log.warning("prompt %s was reclaimed by another dispatcher; not overwriting it", prompt.id)
        session.commit()
        return LOST
    session.commit()
    return verdict


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
