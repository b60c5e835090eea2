"""One client, for their therapist: distress chart, sessions, dose history with the reasons in
plain words, flags and readiness, assignments, and hold release with a note."""

import json
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError
from sqlalchemy import or_
from sqlmodel import select

from care import audit
from care.assignments import commands as assignments
from care.assignments import variants
from care.clients import commands as clients
from care.dose import record as dose
from care.errors import Invalid
from care.schemas import ClientUpdate
from care.tables import Alert, CheckIn, Client, DoseAction, DoseDecision, PracticeSession, Prompt
from care.types import utcnow
from care.vocab import CLINICAL_FLAGS
from scheduler.schedule.fields import WEEKDAYS
from service import db
from service.library import library
from service.planning import replan
from service.web import signed_in, web
from service.web.charts import distress_chart
from service.web.forms import checkbox, problems_of
from service.web.therapist_shared import (
    ADHERENCE_DAYS,
    DAY_NAMES,
    LOCAL,
    THERAPIST,
    adherence,
    alert_rows,
    dose_words,
    local,
    own_client,
    zone_of,
)

WINDOWS = (14, 30, 90)


FLAG_WORDS = {
    "dissociation": "Dissociation",
    "self_harm": "Self-harm",
    "suicidality": "Suicidality",
    "low_mentalizing": "Low mentalizing",
}

BACKDRAFT_WORDS = {
    "thoughts": "thoughts or beliefs",
    "emotions": "emotions",
    "body": "body aches",
    "behaviour": "behaviour (withdrawal or aggression)",
}


def _decision_row(row: DoseDecision, zone: ZoneInfo) -> dict:
    facts = json.loads(row.inputs or "{}")
    kind = facts.get("event", "")
    concern = " and a safety concern" if facts.get("safety_concern") else ""
    if kind == "session_finished":
        forms = [BACKDRAFT_WORDS.get(f, f) for f in facts.get("backdraft", [])]
        extra = f"; backdraft: {', '.join(forms)}" if forms else ""
        what = f"Practice finished: {facts.get('pre')} before, {facts.get('post')} after"
        what += extra + concern
    elif kind == "session_started":
        what = f"Practice started: {facts.get('pre')} before"
    elif kind == "check_in":
        what = f"Check-in: {facts.get('distress')}{concern}"
    elif kind == "hold_released":
        note = facts.get("note") or ""
        what = f"Hold released by {facts.get('by', 'the therapist')}" + (
            f": “{note}”" if note else ""
        )
    else:
        what = {
            "session_abandoned": "Practice left unfinished",
            "prompt_missed": "A prompt was not answered in time",
            "prompt_completed": "A prompt was answered",
            "settings_changed": f"Settings changed by {facts.get('by', 'the therapist')}",
            "paused": f"Prompts paused by {facts.get('by', 'the therapist')}",
            "resumed": f"Prompts resumed by {facts.get('by', 'the therapist')}",
        }.get(kind, kind.replace("_", " ").capitalize())
    return {
        "when": local(row.at, zone),
        "what": what,
        "level": "hold" if row.on_hold else str(row.level),
        "prompts": row.prompts_per_day,
        "changed": row.changed,
        "urgent": row.urgent,
        "reasons": json.loads(row.reasons or "[]"),
    }


def _session_row(row: PracticeSession, zone: ZoneInfo, titles: dict) -> dict:
    change = None
    if row.post_distress is not None:
        change = row.post_distress - row.pre_distress
    return {
        "when": local(row.started_at, zone),
        "practice": titles.get(row.practice_id, row.practice_id),
        "substituted": row.substituted,
        "level": row.level,
        "status": {"finished": "finished", "abandoned": "not finished"}.get(
            row.status, "in progress"
        ),
        "pre": row.pre_distress,
        "post": row.post_distress,
        "change": "" if change is None else f"{change:+d}",
        "backdraft": [BACKDRAFT_WORDS.get(f, f) for f in row.backdraft.split(",") if f],
        "concern": row.safety_concern,
        "note": row.note,
    }


def schedule_words(schedule: dict) -> str:
    """A stored schedule in a few words."""
    if schedule.get("rrule"):
        return f"Custom rule: {schedule['rrule']}"
    times = schedule.get("times") or []
    if not times:
        return "No times set yet"
    days = schedule.get("weekdays") or list(WEEKDAYS)
    when = "every day" if len(days) == 7 else ", ".join(DAY_NAMES.get(d, d) for d in days)
    return f"{', '.join(times)} on {when}"


def _assignment_rows(session, client: Client, decisions) -> list[dict]:
    lib = library()
    rows = []
    for a in assignments.for_client(session, client.id):
        practice = lib.get(a.practice_id) if a.practice_id in lib else None
        now = None
        if practice is not None and a.active and client.entry_practice_id in lib:
            chosen, level, substituted = variants.variant_now(lib, client, a, decisions)
            now = f"level {level}" + (f" ({chosen.title} stands in for now)" if substituted else "")
        rows.append(
            {
                "id": a.id,
                "title": practice.title if practice else a.practice_id,
                "practice_id": a.practice_id,
                "levels": f"starts at {a.start_level}, from {a.min_level} to {a.max_level}",
                "schedule": schedule_words(json.loads(a.schedule or "{}")),
                "active": a.active,
                "note": a.note,
                "now": now,
            }
        )
    return rows


def settings_values(client: Client) -> dict:
    """The client's clinical settings as form values."""
    values = {flag: client.flags()[flag] for flag in CLINICAL_FLAGS}
    for key in ("yang_ready", "start_level", "min_level", "max_level"):
        values[key] = getattr(client, key)
    values["window_threshold"] = client.window_threshold
    values["crisis_threshold"] = client.crisis_threshold
    return values


def _window() -> int:
    try:
        days = int(request.args.get("days", 30))
    except ValueError:
        days = 30
    return days if days in WINDOWS else 30


def client_context(client: Client, decisions=None, **extra) -> dict:
    """Everything the client page shows."""
    session = db.session()
    zone = zone_of(client)
    now = utcnow()
    days = _window()
    start = now - timedelta(days=days)
    titles = {p.id: p.title for p in library().all()}
    sessions = list(
        session.exec(
            select(PracticeSession)
            .where(PracticeSession.client_id == client.id, PracticeSession.started_at >= start)
            .order_by(PracticeSession.started_at)
        )
    )
    checkins = list(
        session.exec(
            select(CheckIn)
            .where(CheckIn.client_id == client.id, CheckIn.at >= start)
            .order_by(CheckIn.at)
        )
    )
    # By default the decisions that changed something or told the therapist; every decision
    # (most say "no change" and why) on request.
    history_all = request.args.get("history") == "all"
    newest_first = (DoseDecision.at.desc(), DoseDecision.id.desc())
    statement = select(DoseDecision).where(DoseDecision.client_id == client.id)
    newest = session.exec(statement.order_by(*newest_first)).first()
    if not history_all:
        statement = statement.where(
            or_(DoseDecision.changed, DoseDecision.notify, DoseDecision.urgent)
        )
    stored = list(session.exec(statement.order_by(*newest_first).limit(500 if history_all else 25)))
    hold_since = None
    if client.on_hold:
        row = session.exec(
            select(DoseDecision)
            .where(DoseDecision.client_id == client.id, DoseDecision.urgent.is_(True))
            .order_by(DoseDecision.at.desc())
        ).first()
        hold_since = local(row.at, zone) if row else None
    upcoming = session.exec(
        select(Prompt)
        .where(
            Prompt.client_id == client.id,
            Prompt.status == "planned",
            Prompt.scheduled_at >= now,
        )
        .order_by(Prompt.scheduled_at)
        .limit(5)
    ).all()
    client_alerts = session.exec(
        select(Alert)
        .where(Alert.client_id == client.id, Alert.status == "open")
        .order_by(Alert.created_at.desc())
    ).all()
    if decisions is None:
        _, _, decisions = dose.decide(session, client)
    latest_reasons = json.loads(newest.reasons) if newest else []
    table = sorted(
        [("practice", s.started_at, s) for s in sessions]
        + [("check-in", c.at, c) for c in checkins],
        key=lambda item: item[1],
        reverse=True,
    )
    context = {
        "client": client,
        "zone": client.timezone,
        "days": days,
        "windows": WINDOWS,
        "dose": dose_words(
            client.dose_level, client.dose_prompts, client.on_hold, client.dose_paused
        ),
        "latest_reasons": latest_reasons,
        "hold_since": hold_since,
        "alerts": alert_rows(
            list(client_alerts), {client.id: client.display_name}, {client.id: zone}, LOCAL
        ),
        "chart": distress_chart(sessions, checkins, start, now, zone, client, days),
        "chart_table": [
            {
                "when": local(at, zone),
                "kind": kind,
                "before": row.pre_distress if kind == "practice" else "",
                "after": (row.post_distress if row.post_distress is not None else "")
                if kind == "practice"
                else "",
                "checkin": row.distress if kind == "check-in" else "",
            }
            for kind, at, row in table
        ],
        "sessions": [_session_row(s, zone, titles) for s in reversed(sessions)],
        "decisions": [_decision_row(r, zone) for r in stored],
        "history_all": history_all,
        "assignments": _assignment_rows(session, client, decisions),
        "upcoming": [
            {
                "when": local(p.scheduled_at, zone),
                "title": titles.get(p.practice_id, p.practice_id),
                "level": p.level,
            }
            for p in upcoming
        ],
        "adherence": adherence(session, [client], now)[client.id],
        "adherence_days": ADHERENCE_DAYS,
        "flag_words": FLAG_WORDS,
        "settings": settings_values(client),
        "settings_errors": {},
        "release_errors": {},
        "release_note": "",
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
    return render_template("therapist_client.html", **client_context(client, decisions))


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
        return render_template("therapist_client.html", **context), 422
    session.commit()
    replan(client)
    flash("Settings saved.")
    return redirect(url_for("web.therapist_client", client_id=client.id) + "#settings")


@web.post("/clients/<uuid:client_id>/hold/release")
@signed_in(THERAPIST)
def therapist_release_hold(client_id: uuid.UUID):
    """Lift a safety hold with a note (the same steps as the API's release)."""
    session = db.session()
    client = own_client(client_id)
    note = request.form.get("note", "").strip()
    errors = {}
    dose.decide(session, client)
    if not client.on_hold:
        errors["note"] = "This client is not on hold, so there is nothing to release."
    elif not note:
        errors["note"] = "Write a short note for the record: what you agreed with the client."
    elif len(note) > 2000:
        errors["note"] = "Keep the note under 2,000 characters."
    if errors:
        session.rollback()
        context = client_context(client, release_errors=errors, release_note=note)
        return render_template("therapist_client.html", **context), 422
    session.add(DoseAction(client_id=client.id, actor_id=g.page_user.id, kind="release", note=note))
    audit.record(
        session,
        "hold.release",
        actor_id=g.page_user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    session.flush()
    dose.decide(session, client)
    session.commit()
    replan(client)
    flash("The hold is released. Practice starts again low and warms up slowly.")
    return redirect(url_for("web.therapist_client", client_id=client.id))
