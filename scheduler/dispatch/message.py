"""The Message for one prompt, read from the care record: what every channel needs to invite a
client to a practice (or remind them of it), resolved before any channel runs."""

from zoneinfo import ZoneInfo

from sqlmodel import Session

from care.clients import logins
from care.tables import Client, Prompt, User
from practices import Library
from scheduler.channels.base import Message

# A prompt whose practice left the library still tells its length: the usual five minutes.
UNKNOWN_PRACTICE_MINUTES = 5


def prompt_message(
    session: Session,
    library: Library,
    prompt: Prompt,
    client: Client,
    base_url: str,
    kind: str = "prompt",
) -> Message:
    """The message inviting `client` to `prompt`'s practice (kind "prompt" or "reminder")."""
    user = session.get(User, client.user_id) if client.user_id else None
    practice = library.get(prompt.practice_id) if prompt.practice_id in library else None
    zone = ZoneInfo(client.timezone)
    level = practice.level_near(prompt.level) if practice else prompt.level
    minutes = practice.variant(level).minutes if practice else UNKNOWN_PRACTICE_MINUTES
    # A reminder is a message of its own: receivers must not take it for a duplicate prompt.
    key = prompt.idempotency_key if kind == "prompt" else f"{prompt.idempotency_key}-{kind}"
    return Message(
        kind=kind,
        prompt_id=str(prompt.id),
        idempotency_key=key,
        recipient_name=client.script_name or client.display_name,
        recipient_email=logins.mail_address(client, user),
        practice_title=practice.title if practice else prompt.practice_id,
        practice_id=prompt.practice_id,
        level=level,
        minutes=minutes,
        local_time_text=prompt.scheduled_at.astimezone(zone).strftime("%A %H:%M"),
        expires_at=prompt.expires_at,
        expires_local_text=prompt.expires_at.astimezone(zone).strftime("%H:%M"),
        open_url=f"{base_url}/practice/prompt/{prompt.id}",
        settings_url=f"{base_url}/settings",
    )
