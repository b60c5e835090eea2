"""The therapist's dashboard (rendered by the home page, see home_therapist.html): open alerts
first, urgent on top, then each client's level, last ratings and adherence over 14 days."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from flask import flash, g, redirect, request, url_for
from sqlmodel import select

from care import audit
from care.errors import Conflict
from care.safety import alerts
from care.tables import Alert, CheckIn, Client, PracticeSession
from care.types import utcnow
from service import db
from service.web import signed_in, web
from service.web.forms import plain
from service.web.therapist_shared import (
    ADHERENCE_DAYS,
    THERAPIST,
    WITH_ZONE,
    adherence,
    alert_rows,
    dose_words,
    local,
    zone_of,
)


def _recent_ratings(session, client_list: list[Client], now: datetime) -> dict:
    since = now - timedelta(days=ADHERENCE_DAYS)
    ids = [c.id for c in client_list]
    zones = {c.id: zone_of(c) for c in client_list}
    found: dict[uuid.UUID, list] = defaultdict(list)
    if not ids:
        return found
    for row in session.exec(
        select(PracticeSession).where(
            PracticeSession.client_id.in_(ids), PracticeSession.started_at >= since
        )
    ):
        after = f" → {row.post_distress}" if row.post_distress is not None else ""
        text = f"{row.pre_distress}{after} around a practice"
        found[row.client_id].append((row.started_at, text))
    for row in session.exec(select(CheckIn).where(CheckIn.client_id.in_(ids), CheckIn.at >= since)):
        found[row.client_id].append((row.at, f"{row.distress} at a check-in"))
    return {
        cid: [
            {"text": text, "when": local(at, zones[cid], WITH_ZONE)}
            for at, text in sorted(items, key=lambda i: i[0], reverse=True)[:3]
        ]
        for cid, items in found.items()
    }


def dashboard_context() -> dict:
    """Everything the dashboard shows: open alerts (urgent on top), then each client."""
    session = db.session()
    therapist = g.page_user
    now = utcnow()
    client_list = list(
        session.exec(
            select(Client)
            .where(Client.therapist_id == therapist.id)
            .order_by(Client.display_name, Client.id)
        )
    )
    for c in client_list:
        audit.note_access(c.id)  # the dashboard shows each client's ratings and dose
    names = {c.id: c.display_name for c in client_list}
    zones = {c.id: zone_of(c) for c in client_list}
    open_alerts = list(
        session.exec(
            select(Alert).where(Alert.therapist_id == therapist.id, Alert.status == "open")
        )
    )
    figures = adherence(session, client_list, now)
    ratings = _recent_ratings(session, client_list, now)
    counts = defaultdict(int)
    for a in open_alerts:
        counts[a.client_id] += 1
    rows = [
        {
            "id": c.id,
            "name": c.display_name,
            "dose": dose_words(c.dose_level, c.dose_prompts, c.on_hold, c.dose_paused),
            "on_hold": c.on_hold,
            "ratings": ratings.get(c.id, []),
            "adherence": figures[c.id],
            "alerts": counts[c.id],
        }
        for c in client_list
    ]
    return {
        "alerts": alert_rows(open_alerts, names, zones),
        "rows": rows,
        "days": ADHERENCE_DAYS,
    }


@web.app_context_processor
def _therapist_globals():
    # A callable, not data: only the dashboard template calls it.
    return {"therapist_dashboard": dashboard_context}


@web.post("/alerts/<uuid:alert_id>/ack")
@signed_in(THERAPIST)
def therapist_ack_alert(alert_id: uuid.UUID):
    """Acknowledge an alert, then go back where the therapist was."""
    session = db.session()
    try:
        alert = alerts.acknowledge(session, g.page_user, alert_id)
    except Conflict as problem:
        session.rollback()
        flash(plain(problem.message))
    else:
        session.commit()
        flash("Alert acknowledged.")
        if request.form.get("back") == "client":
            return redirect(url_for("web.therapist_client", client_id=alert.client_id))
    return redirect(url_for("web.home"))
