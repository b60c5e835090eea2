"""Client pages: home (today's practices and the inbox) and history (a chart of the ratings
and a calendar of practice days, never a streak).

Every word a client reads follows CLINICAL.md section 2: the goal is never named, nothing
shames, relief is never promised and touch is always optional."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, render_template, request

from care.assignments import commands as assignments
from care.clients import commands as clients
from care.clients import own_queries
from care.delivery import prompts
from care.reports import commands as reports
from care.tables import Assignment, Client
from care.types import utcnow
from service import db
from service.library import library
from service.web.client.common import client_zone, own_client, practice_minutes
from service.web.shared.blueprint import CLIENT, signed_in, web
from service.web.shared.charts import history_chart

CHART_SESSIONS = 30


def home_data() -> dict:
    """What the client home shows: today's practices, the inbox, and whether on hold."""
    session = db.session()
    client = clients.for_user(session, g.page_user)
    if client is None:
        return {
            "client": None,
            "practices": [],
            "inbox": [],
            "warmth_note": None,
            "break_words": "",
        }
    lib = library()
    zone = client_zone(client)
    today = utcnow().astimezone(zone).date()
    midnight = datetime.combine(today, time(), zone).astimezone(UTC)
    done_today = own_queries.finished_since(session, client, midnight)
    active = _active_assignments(session, client)
    # What each would play now (lukewarm at level 1), and until the first practice is finished
    # the gentle note about warmth (CLINICAL.md section 2, rule 3; the rough-session reply
    # gives it again when needed).
    now, warmth = reports.preview(session, lib, client, active) if active else ({}, None)
    items = []
    for assignment in active:
        practice = lib.get(assignment.practice_id)
        playing, level, substituted = now[assignment.id]
        items.append(
            {
                "assignment": assignment,
                "practice": practice,
                "stands_in": playing if substituted else None,
                "minutes": practice_minutes(playing, level),
                "done_today": assignment.id in done_today,
            }
        )
    inbox = _inbox(session, client, zone, today)
    today = utcnow().astimezone(client_zone(client)).date()
    showing = client.break_end is not None and client.break_end >= today and client.break_start
    return {
        "client": client,
        "practices": items,
        "inbox": inbox,
        "warmth_note": warmth,
        "break_words": (
            f"{client.break_start:%A %d %B} to {client.break_end:%A %d %B}" if showing else ""
        ),
    }


def _inbox(session, client: Client, zone: ZoneInfo, today: date) -> list[dict]:
    lib = library()
    inbox = []
    for prompt in prompts.inbox(session, client.id):
        practice = lib.get(prompt.practice_id) if prompt.practice_id in lib else None
        if practice is None:
            continue
        level = practice.level_near(prompt.level)
        inbox.append(
            {
                "prompt": prompt,
                "practice": practice,
                "minutes": practice_minutes(practice, level),
                "when": _when(prompt.sent_at or prompt.scheduled_at, zone, today),
            }
        )
    return inbox


def _active_assignments(session, client: Client) -> list[Assignment]:
    lib = library()
    return [
        a
        for a in assignments.for_client(session, client.id, include_paused=False)
        if a.practice_id in lib
    ]


def _when(moment: datetime, zone: ZoneInfo, today: date) -> str:
    local = moment.astimezone(zone)
    if local.date() == today:
        return f"today at {local:%H:%M}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday at {local:%H:%M}"
    return f"{local.day} {local:%B} at {local:%H:%M}"


@web.get("/history")
@signed_in(CLIENT)
def client_history():
    """Ratings before and after each recent practice, and the days practised in a month."""
    session = db.session()
    client = own_client()
    zone = client_zone(client)
    rows = own_queries.recent_sessions(session, client, CHART_SESSIONS)
    lib = library()
    entries = [
        {
            "when": row.started_at.astimezone(zone),
            "title": lib.get(row.practice_id).title if row.practice_id in lib else row.practice_id,
            "pre": row.pre_distress,
            "post": row.post_distress,
        }
        for row in rows
    ]
    return render_template(
        "client/history.html",
        entries=entries,
        chart=history_chart(entries),
        month=_month(session, client, zone, request.args.get("month", "")),
    )


def _month(session, client: Client, zone: ZoneInfo, wanted: str) -> dict:
    """A month calendar with the days practised marked; nothing counts days in a row."""
    today = utcnow().astimezone(zone).date()
    current = today.replace(day=1)
    earliest = client.created_at.astimezone(zone).date().replace(day=1)
    try:
        first = datetime.strptime(wanted, "%Y-%m").date() if wanted else current
    except ValueError:
        first = current
    first = min(max(first, earliest), current)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(following, time(), zone).astimezone(UTC)
    practised = own_queries.practised_days(session, client, start, end, zone)
    weeks = [
        [
            {"day": d, "practised": d in practised, "today": d == today}
            if d.month == first.month
            else None
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    return {
        "title": f"{first:%B %Y}",
        "weeks": weeks,
        "any": bool(practised),
        "previous": f"{previous:%Y-%m}" if previous >= earliest else None,
        "previous_title": f"{previous:%B %Y}",
        "next": f"{following:%Y-%m}" if following <= current else None,
        "next_title": f"{following:%B %Y}",
    }
