"""What the therapist pages share: a client of the signed-in therapist, wall-clock times in the
client's zone, the dose in words and open alerts as rows (urgent on top)."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g

from care.clients import commands as clients
from care.tables import Alert, Client
from care.vocab import URGENT
from scheduler.schedule.fields import WEEKDAYS
from service import db

LOCAL = "%a %d %b %H:%M"
WITH_ZONE = "%a %d %b %H:%M %Z"  # the dashboard mixes clients in different zones
UTC_ZONE = ZoneInfo("UTC")
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def local(when: datetime | None, zone: ZoneInfo, fmt: str = LOCAL) -> str:
    """A stored UTC time as the client's wall-clock time."""
    return when.astimezone(zone).strftime(fmt) if when else ""


def dose_words(level: int, prompts_a_day: int, on_hold: bool, paused: bool) -> str:
    """The dose in one short phrase."""
    if on_hold:
        return "On hold: no practice prompts"
    a_day = f"{prompts_a_day} prompt{'s' if prompts_a_day != 1 else ''} a day"
    if paused:
        return f"Level {level}, prompts paused"
    return f"Level {level} · {a_day}"


def own_client(client_id: uuid.UUID) -> Client:
    """One of the signed-in therapist's clients; anyone else's is a 404 (NotFound)."""
    return clients.get_for_therapist(db.session(), g.page_user, client_id)


def alert_rows(open_alerts: list[Alert], names: dict, zones: dict, fmt=WITH_ZONE) -> list[dict]:
    """Open alerts as rows: urgent first, then newest first (the most pressing is on top)."""
    ordered = sorted(open_alerts, key=lambda a: (a.severity != URGENT, -a.created_at.timestamp()))
    return [
        {
            "id": a.id,
            "urgent": a.severity == URGENT,
            "message": a.message,
            "client_id": a.client_id,
            "client_name": names.get(a.client_id, ""),
            "when": local(a.created_at, zones.get(a.client_id, UTC_ZONE), fmt),
        }
        for a in ordered
    ]
