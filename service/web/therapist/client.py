"""One client, for their therapist: distress chart, sessions, dose history with the reasons in
plain words, flags and readiness, assignments, and hold release with a note."""

import json
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.assignments import commands as assignments
from care.assignments import variants
from care.clients import commands as clients
from care.clients import logins, queries
from care.clients.queries import ADHERENCE_DAYS, zone_of
from care.dose import commands as dose_commands
from care.dose import record as dose
from care.errors import Conflict, Invalid
from care.schemas import ClientUpdate
from care.tables import Client
from care.types import utcnow
from care.vocab import CLINICAL_FLAGS
from service import db
from service.library import library
from service.planning import replan
from service.web.shared.blueprint import THERAPIST, signed_in, web
from service.web.shared.charts import distress_chart
from service.web.shared.forms import checkbox, plain, problems_of
from service.web.therapist import client_rows as rows
from service.web.therapist.common import LOCAL, alert_rows, dose_words, local, own_client

WINDOWS = (14, 30, 90)
DEFAULT_WINDOW = 30


def _assignment_rows(session, client: Client, decisions) -> list[dict]:
    lib = library()
    found = []
    for a in assignments.for_client(session, client.id):
        practice = lib.get(a.practice_id) if a.practice_id in lib else None
        now = None
        if practice is not None and a.active and client.entry_practice_id in lib:
            chosen, level, substituted = variants.variant_now(lib, client, a, decisions)
            now = f"level {level}" + (f" ({chosen.title} stands in for now)" if substituted else "")
        found.append(
            {
                "id": a.id,
                "title": practice.title if practice else a.practice_id,
                "practice_id": a.practice_id,
                "levels": f"starts at {a.start_level}, from {a.min_level} to {a.max_level}",
                "schedule": rows.schedule_words(json.loads(a.schedule or "{}")),
                "active": a.active,
                "note": a.note,
                "now": now,
            }
        )
    return found


def _window() -> int:
    try:
        days = int(request.args.get("days", DEFAULT_WINDOW))
    except ValueError:
        days = DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW


def _access(client: Client, zone) -> dict:
    """The client's login, break and discharge, as the access section shows them."""
    user = logins.login_of(db.session(), client)
    return {
        "login": logins.login_state(client, user),
        "login_email": logins.login_email(db.session(), client) or "",
        "break_errors": {},
        "break_values": {
            "break_start": client.break_start.isoformat() if client.break_start else "",
            "break_end": client.break_end.isoformat() if client.break_end else "",
        },
        "break_words": (
            f"{client.break_start:%a %d %b %Y} to {client.break_end:%a %d %b %Y}"
            if client.break_start and client.break_end
            else ""
        ),
        "discharged_on": local(client.discharged_at, zone, "%d %b %Y")
        if client.discharged_at
        else "",
    }


def client_context(client: Client, decisions=None, **extra) -> dict:
    """Everything the client page shows, read by the client-record query and put in words."""
    session = db.session()
    zone = zone_of(client)
    now = utcnow()
    days = _window()
    history_all = request.args.get("history") == "all"
    record = queries.client_record(session, client, now, days, every_decision=history_all)
    if decisions is None:
        _, _, decisions = dose.decide(session, client)
    titles = {p.id: p.title for p in library().all()}
    context = {
        "client": client,
        "zone": client.timezone,
        "days": days,
        "windows": WINDOWS,
        "dose": dose_words(
            client.dose_level, client.dose_prompts, client.on_hold, client.dose_paused
        ),
        "latest_reasons": record.latest_reasons,
        "hold_since": local(record.hold_since, zone) if record.hold_since else None,
        "alerts": alert_rows(
            record.open_alerts, {client.id: client.display_name}, {client.id: zone}, LOCAL
        ),
        "chart": distress_chart(
            record.sessions, record.checkins, record.start, now, zone, client, days
        ),
        "chart_table": rows.chart_table(record.sessions, record.checkins, zone),
        "sessions": [rows.session_row(s, zone, titles) for s in reversed(record.sessions)],
        "decisions": [rows.decision_row(r, zone) for r in record.decisions],
        "history_all": history_all,
        "assignments": _assignment_rows(session, client, decisions),
        "upcoming": [
            {
                "when": local(p.scheduled_at, zone),
                "title": titles.get(p.practice_id, p.practice_id),
                "level": p.level,
            }
            for p in record.upcoming
        ],
        "adherence": record.adherence,
        "adherence_days": ADHERENCE_DAYS,
        "flag_words": rows.FLAG_WORDS,
        "settings": rows.settings_values(client),
        "settings_errors": {},
        "release_errors": {},
        "release_note": "",
        **_access(client, zone),
    }
    context.update(extra)
    return context


@web.get("/clients/<uuid:client_id>")
@signed_in(THERAPIST)
def therapist_client(client_id: uuid.UUID):
    """One client: distress chart, sessions, dose history, settings and assignments."""
    session = db.session()
    client = own_client(client_id)
    _, _, decisions = dose.decide(session, client)
    session.commit()
    return render_template("therapist/client.html", **client_context(client, decisions))


@web.post("/clients/<uuid:client_id>/settings")
@signed_in(THERAPIST)
def therapist_client_settings(client_id: uuid.UUID):
    """Save flags, readiness and dose bounds; on a problem nothing changes and the page says
    what to fix next to the field, keeping every entry."""
    session = db.session()
    client = own_client(client_id)
    raw = {flag: checkbox(flag) for flag in CLINICAL_FLAGS}
    raw["yang_ready"] = checkbox("yang_ready")
    for key in ("start_level", "min_level", "max_level", "window_threshold", "crisis_threshold"):
        raw[key] = request.form.get(key, "").strip()
    try:
        update = ClientUpdate.model_validate(raw)
        clients.update_client(session, g.page_user, client.id, update, library())
    except (ValidationError, Invalid) as problem:
        session.rollback()
        context = client_context(client, settings=raw, settings_errors=problems_of(problem))
        return render_template("therapist/client.html", **context), 422
    session.commit()
    replan(client)
    flash("Settings saved.")
    return redirect(url_for("web.therapist_client", client_id=client.id) + "#settings")


@web.post("/clients/<uuid:client_id>/hold/release")
@signed_in(THERAPIST)
def therapist_release_hold(client_id: uuid.UUID):
    """Lift a safety hold with a note: the same command as the API's release."""
    session = db.session()
    client = own_client(client_id)
    note = request.form.get("note", "").strip()
    try:
        dose_commands.release_hold(session, g.page_user, client, note)
    except (Conflict, Invalid) as problem:
        session.rollback()
        errors = {"note": plain(problem.message)}
        context = client_context(client, release_errors=errors, release_note=note)
        return render_template("therapist/client.html", **context), 422
    session.commit()
    replan(client)
    flash("The hold is released. Practice starts again low and warms up slowly.")
    return redirect(url_for("web.therapist_client", client_id=client.id))
