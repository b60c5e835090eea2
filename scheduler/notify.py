"""Emails beside the prompts: urgent alerts to therapists, and at most one gentle reminder to
clients who asked for one. Both go through the same channel code as the prompts."""

import logging
from datetime import datetime

from sqlmodel import select

from care.models import Client, User
from care.models_delivery import DeliveryLog, Prompt
from care.models_practice import Alert
from care.types import utcnow
from practices import Library
from scheduler.channels.base import Message
from scheduler.dispatch import Channels, _message

log = logging.getLogger("hearth.notify")


def email_alerts(session_factory, channels: Channels, now: datetime | None = None) -> int:
    """Email each urgent alert to its therapist once (retried on the next tick if it fails)."""
    if channels.email is None:
        return 0
    now = now or utcnow()
    sent = 0
    with session_factory() as session:
        pending = list(
            session.exec(
                select(Alert).where(Alert.severity == "urgent", Alert.emailed_at.is_(None))
            )
        )
        for alert in pending:
            therapist = session.get(User, alert.therapist_id)
            client = session.get(Client, alert.client_id)
            if therapist is None or client is None:
                continue
            message = Message(
                kind="alert",
                prompt_id="",
                idempotency_key=f"alert-{alert.id}",
                recipient_name=therapist.name or therapist.email,
                recipient_email=therapist.email,
                practice_title="",
                practice_id="",
                level=0,
                minutes=0,
                local_time_text="",
                expires_at=now,
                open_url=f"{channels.base_url}/",
                alert_text=alert.message,
                client_name=client.display_name,
                severity="urgent",
            )
            result = channels.email.send(message)
            session.add(
                DeliveryLog(
                    channel="alert",
                    outcome=result.outcome,
                    detail=f"alert {alert.id}: {result.detail}"[:500],
                )
            )
            if result.outcome == "ok":
                alert.emailed_at = now
                session.add(alert)
                sent += 1
            session.commit()
    return sent


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
                Prompt.status.in_(("sent", "delivered")),
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
            ):
                continue
            message = _message(session, library, prompt, client, channels.base_url, "reminder")
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
