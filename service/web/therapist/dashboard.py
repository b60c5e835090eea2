"""The therapist's dashboard (the home page of a therapist): open alerts first, urgent on top,
then each client's level, last ratings and adherence over 14 days; and acknowledging an alert."""

import uuid

from flask import flash, g, redirect, request, url_for

from care.clients import queries
from care.clients.queries import ADHERENCE_DAYS, Rating, zone_of
from care.errors import Conflict
from care.safety import alerts
from care.types import utcnow
from service import db
from service.web.shared.blueprint import THERAPIST, signed_in, web
from service.web.shared.forms import plain
from service.web.therapist.common import WITH_ZONE, alert_rows, dose_words, local


def rating_words(rating: Rating) -> str:
    """One recent rating in a few words."""
    if rating.check_in is not None:
        return f"{rating.check_in} at a check-in"
    after = f" → {rating.post}" if rating.post is not None else ""
    return f"{rating.pre}{after} around a practice"


def break_words(client) -> str:
    """The client's practice break in a few words, or "" when there is none."""
    if client.break_start is None or client.break_end is None:
        return ""
    return f"no prompts from {client.break_start:%d %b} to {client.break_end:%d %b %Y}"


def dashboard_board() -> dict:
    """Everything the dashboard shows: open alerts (urgent on top), then each client in
    practice (or, with ?show=discharged, each discharged client)."""
    discharged_view = request.args.get("show") == "discharged"
    board = queries.dashboard(db.session(), g.page_user, utcnow(), discharged=discharged_view)
    zones = {c.id: zone_of(c) for c in board.alert_clients}
    names = {c.id: c.display_name for c in board.alert_clients}
    rows = [
        {
            "id": c.id,
            "name": c.display_name,
            "dose": dose_words(c.dose_level, c.dose_prompts, c.on_hold, c.dose_paused),
            "on_hold": c.on_hold,
            "ratings": [
                {"text": rating_words(r), "when": local(r.at, zones[c.id], WITH_ZONE)}
                for r in board.ratings.get(c.id, [])
            ],
            "adherence": board.adherence[c.id],
            "alerts": board.alert_counts.get(c.id, 0),
            "on_break": break_words(c),
        }
        for c in board.clients
    ]
    return {
        "alerts": alert_rows(board.open_alerts, names, zones),
        "rows": rows,
        "days": ADHERENCE_DAYS,
        "discharged": board.discharged,
        "discharged_view": discharged_view,
    }


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
