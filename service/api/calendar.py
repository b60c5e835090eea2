"""The client's private calendar feed: make a secret iCalendar URL, turn it off, and the feed
itself (public by its secret URL, since calendar apps cannot sign in)."""

from datetime import datetime, timedelta

from flask import Response, current_app
from pydantic import BaseModel

from care.delivery import calendar as feeds
from care.tables import User
from care.types import utcnow
from service import db
from service.api import api
from service.api.framework import CLIENT, PUBLIC
from service.api.me_reports import own_record
from service.library import library


class CalendarOut(BaseModel):
    """A private calendar URL (keep it secret; create a new one to revoke the old)."""

    url: str


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
    token = feeds.create_feed(session, client.id)
    session.commit()
    base = current_app.config["HEARTH_SETTINGS"].base_url
    return CalendarOut(url=f"{base}/api/v1/calendar/{token}.ics")


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
    feeds.revoke_feeds(session, client.id)
    session.commit()
    return None


def _ics_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _events(prompts, stamp: str, base: str) -> list[str]:
    """One VEVENT per prompt: the practice title and its time, nothing about the client."""
    lib = library()
    lines = []
    for prompt in prompts:
        practice = lib.get(prompt.practice_id) if prompt.practice_id in lib else None
        # A practice since removed from the library keeps a five-minute slot.
        minutes = practice.variant(practice.level_near(prompt.level)).minutes if practice else 5
        lines += [
            "BEGIN:VEVENT",
            f"UID:{prompt.id}@hearth",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(prompt.scheduled_at)}",
            f"DTEND:{_ics_time(prompt.scheduled_at + timedelta(minutes=minutes))}",
            f"SUMMARY:{_ics_text(practice.title if practice else 'Practice')}",
            f"URL:{base}/practice/prompt/{prompt.id}",
            "END:VEVENT",
        ]
    return lines


@api.operation(
    "GET",
    "/calendar/{token}.ics",
    summary="Calendar feed (iCalendar)",
    tags=["me"],
    roles=PUBLIC,
    response={
        "description": "Upcoming practices as iCalendar events.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
)
def calendar_feed(token: str):
    """Public by its secret URL; no names or ratings, only practice titles and times."""
    session = db.session()
    feed = feeds.feed_by_token(session, token)
    now = utcnow()
    rows = feeds.upcoming_prompts(session, feed.client_id, now)
    base = current_app.config["HEARTH_SETTINGS"].base_url
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//hearth//practice calendar//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Practice",
        *_events(rows, _ics_time(now), base),
        "END:VCALENDAR",
    ]
    return Response(
        "\r\n".join(lines) + "\r\n",
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300"},
    )
