"""What the therapist pages share: a client of the signed-in therapist, wall-clock times in the
client's zone, the dose in words, open alerts (urgent on top) and 14-day adherence."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import g
from sqlalchemy import func
from sqlmodel import select

from care.clients import commands as clients
from care.tables import Alert, Client, PracticeSession, Prompt
from scheduler.schedule.fields import WEEKDAYS
from service import db

THERAPIST = "therapist"
ADHERENCE_DAYS = 14
LOCAL = "%a %d %b %H:%M"
WITH_ZONE = "%a %d %b %H:%M %Z"  # the dashboard mixes clients in different zones
UTC_ZONE = ZoneInfo("UTC")
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def local(when: datetime | None, zone: ZoneInfo, fmt: str = LOCAL) -> str:
    """A stored UTC time as the client's wall-clock time."""
    return when.astimezone(zone).strftime(fmt) if when else ""


def zone_of(client: Client) -> ZoneInfo:
    """The client's zone (UTC if the stored name is unusable)."""
    try:
        return ZoneInfo(client.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


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
    # Urgent first, then newest first: the most pressing thing is always on top.
    ordered = sorted(open_alerts, key=lambda a: (a.severity != "urgent", -a.created_at.timestamp()))
    return [
        {
            "id": a.id,
            "urgent": a.severity == "urgent",
            "message": a.message,
            "client_id": a.client_id,
            "client_name": names.get(a.client_id, ""),
            "when": local(a.created_at, zones.get(a.client_id, UTC_ZONE), fmt),
        }
        for a in ordered
    ]


def adherence(session, client_list: list[Client], now: datetime) -> dict[uuid.UUID, dict]:
    """Sessions finished, prompts sent and days practised over the last 14 days, per client."""
    since = now - timedelta(days=ADHERENCE_DAYS)
    ids = [c.id for c in client_list]
    zones = {c.id: zone_of(c) for c in client_list}
    out = {cid: {"finished": 0, "sent": 0, "days": set()} for cid in ids}
    if not ids:
        return out
    for client_id, finished_at in session.exec(
        select(PracticeSession.client_id, PracticeSession.finished_at).where(
            PracticeSession.client_id.in_(ids),
            PracticeSession.status == "finished",
            PracticeSession.finished_at >= since,
        )
    ):
        out[client_id]["finished"] += 1
        out[client_id]["days"].add(finished_at.astimezone(zones[client_id]).date())
    for client_id, count in session.exec(
        select(Prompt.client_id, func.count())
        .where(Prompt.client_id.in_(ids), Prompt.sent_at >= since)
        .group_by(Prompt.client_id)
    ):
        out[client_id]["sent"] = count
    for figures in out.values():
        figures["days"] = len(figures["days"])
    return out
