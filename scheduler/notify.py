"""Emails beside the prompts: urgent alerts to therapists, and at most one gentle reminder to
clients who asked for one. Both go through the same channel code as the prompts."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from care.clients.lifecycle import on_break
from care.tables import Alert, Client, DeliveryLog, Prompt, User
from care.types import utcnow
from care.vocab import URGENT, PromptStatus
from practices import Library
from scheduler.channels.base import Channels, Message
from scheduler.dispatch.message import prompt_message

log = logging.getLogger("hearth.notify")
ALERT_EMAIL_TEXT = (
    "A report from this client needs your attention. Their practice prompts are on hold "
    "until you release them, and they were shown their crisis resources at once. Sign in to "
    "hearth to see the details."
)


def email_alerts(session_factory, channels: Channels, now: datetime | None = None) -> int:
    """Email each urgent alert to its therapist once (retried on the next tick if it fails)."""
    if channels.email is None:
        return 0
    now = now or utcnow()
    sent = 0
    tried: set = set()
    with session_factory() as session:
        while True:
            # One alert at a time, locked while it is sent (several scheduler processes skip
            # it on PostgreSQL) and committed at once, so a therapist gets one email per alert.
            due = select(Alert).where(Alert.severity == URGENT, Alert.emailed_at.is_(None))
            if tried:
                due = due.where(Alert.id.not_in(tried))
            due = due.order_by(Alert.created_at).limit(1)
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            alert = session.exec(due).first()
            if alert is None:
                session.commit()
                return sent
            tried.add(alert.id)
            if _email_alert(session, channels, alert, now):
                sent += 1
            session.commit()


def _email_alert(session, channels: Channels, alert: Alert, now: datetime) -> bool:
    therapist = session.get(User, alert.therapist_id)
    client = session.get(Client, alert.client_id)
    if therapist is None or client is None:
        return False
    message = Message.to_staff(
        "alert",
        key=f"alert-{alert.id}",
        name=therapist.name or therapist.email,
        email=therapist.email,
        open_url=f"{channels.base_url}/",
        # Email is not the place for clinical detail: no ratings, no notes. The therapist
        # reads those after signing in.
        text=ALERT_EMAIL_TEXT,
        now=now,
        severity=URGENT,
    )
    result = channels.email.send(message)
    session.add(
        DeliveryLog(
            channel="alert",
            outcome=result.outcome,
            detail=f"alert {alert.id}: {result.detail}"[:500],
        )
    )
    if result.outcome != "ok":
        return False
    alert.emailed_at = now
    session.add(alert)
    return True


def send_reminders(
    session_factory, library: Library, channels: Channels, now: datetime | None = None
) -> int:
    """One reminder, halfway to expiry, for unopened prompts of clients who opted in."""
    if channels.email is None:
        return 0
    now = now or utcnow()
    sent = 0
    with session_factory() as session:
        candidates = session.exec(
            select(Prompt).where(
                Prompt.status.in_(PromptStatus.UNOPENED),
                Prompt.reminder_sent_at.is_(None),
                Prompt.opened_at.is_(None),
                Prompt.expires_at > now,
            )
        )
        for prompt in candidates:
            halfway = prompt.scheduled_at + (prompt.expires_at - prompt.scheduled_at) / 2
            if now < halfway:
                continue
            client = session.get(Client, prompt.client_id)
            if (
                client is None
                or not client.reminders
                or not client.email_prompts
                or client.on_hold
                or client.dose_paused
                or client.discharged_at is not None
                or on_break(client, now.astimezone(ZoneInfo(client.timezone)).date())
            ):
                continue
            message = prompt_message(
                session, library, prompt, client, channels.base_url, "reminder"
            )
            if not message.recipient_email:
                continue
            result = channels.email.send(message)
            session.add(
                DeliveryLog(
                    prompt_id=prompt.id,
                    channel="reminder",
                    outcome=result.outcome,
                    detail=result.detail[:500],
                )
            )
            # Only ever one: even a failed reminder is not tried again (no nagging).
            prompt.reminder_sent_at = now
            session.add(prompt)
            session.commit()
            sent += result.outcome == "ok"
    return sent
