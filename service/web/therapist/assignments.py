"""Assignments: the form with its schedule builder and a server-side preview of the next
prompts in the client's local time; edit, pause or resume, and end."""

import json
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.assignments import commands as assignments
from care.assignments import gates
from care.clients.queries import zone_of
from care.delivery import prompts
from care.errors import Invalid
from care.schemas.practice import AssignmentCreate, AssignmentUpdate, ScheduleIn
from care.tables import Assignment, Client
from care.vocab import DEFAULT_MAX_LEVEL, DEFAULT_MIN_LEVEL, DEFAULT_START_LEVEL
from scheduler import preview as schedules
from scheduler.preview import check_schedule
from scheduler.schedule.fields import WEEKDAYS
from service import db
from service.library import library
from service.planning import replan
from service.web.shared.blueprint import CLIENT, THERAPIST, signed_in, web
from service.web.shared.forms import checkbox, problems_of
from service.web.therapist.common import DAY_NAMES, local, own_client

TIME_SLOTS = 4
PREVIEW_DAYS = 3


def _form_values(assignment: Assignment | None = None, practice_id: str = "") -> dict:
    """Form values for a new assignment (defaults) or an existing one."""
    if assignment is None:
        return {
            "practice_id": practice_id,
            "start_level": DEFAULT_START_LEVEL,
            "min_level": DEFAULT_MIN_LEVEL,
            "max_level": DEFAULT_MAX_LEVEL,
            "note": "",
            "prelude": False,
            "active": True,
            "times": ["08:30"] + [""] * (TIME_SLOTS - 1),
            "weekdays": list(WEEKDAYS),
            "min_spacing_minutes": 60,
            "jitter_minutes": 0,
            "expiry_minutes": 180,
            "reminder": False,
            "rrule": "",
        }
    schedule = json.loads(assignment.schedule or "{}")
    times = list(schedule.get("times") or [])
    return {
        "practice_id": assignment.practice_id,
        "start_level": assignment.start_level,
        "min_level": assignment.min_level,
        "max_level": assignment.max_level,
        "note": assignment.note,
        "prelude": assignment.prelude,
        "active": assignment.active,
        "times": times + [""] * max(0, TIME_SLOTS - len(times)),
        "weekdays": schedule.get("weekdays") or list(WEEKDAYS),
        "min_spacing_minutes": schedule.get("min_spacing_minutes", 60),
        "jitter_minutes": schedule.get("jitter_minutes", 0),
        "expiry_minutes": schedule.get("expiry_minutes", 180),
        "reminder": bool(schedule.get("reminder")),
        "rrule": schedule.get("rrule") or "",
    }


def _read_form(creating: bool) -> tuple[dict, dict]:
    """(values to show again, data to validate) from the posted form."""
    form = request.form
    times = [t.strip() for t in form.getlist("time")][:12]
    values = {
        "practice_id": form.get("practice_id", ""),
        "start_level": form.get("start_level", "").strip(),
        "min_level": form.get("min_level", "").strip(),
        "max_level": form.get("max_level", "").strip(),
        "note": form.get("note", ""),
        "prelude": checkbox("prelude"),
        "active": checkbox("active"),
        "times": times + [""] * max(0, TIME_SLOTS - len(times)),
        "weekdays": form.getlist("weekday"),
        "min_spacing_minutes": form.get("min_spacing_minutes", "").strip(),
        "jitter_minutes": form.get("jitter_minutes", "").strip(),
        "expiry_minutes": form.get("expiry_minutes", "").strip(),
        "reminder": checkbox("reminder"),
        "rrule": form.get("rrule", "").strip(),
    }
    schedule = {
        "times": [t for t in times if t],
        "weekdays": values["weekdays"],
        "reminder": values["reminder"],
        "rrule": values["rrule"] or None,
    }
    for key in ("min_spacing_minutes", "jitter_minutes", "expiry_minutes"):
        if values[key] != "":
            schedule[key] = values[key]
    fields = ("start_level", "min_level", "max_level", "note", "prelude")
    data = {key: values[key] for key in fields} | {"schedule": schedule}
    if creating:
        data["practice_id"] = values["practice_id"]
        data["active"] = values["active"]
    return values, data


def _preview(client: Client, schedule: ScheduleIn) -> dict:
    """The next prompts this schedule would send, in the client's local time (the same preview
    as the API's: at the client's current dose, over the next days)."""
    tried = schedules.preview(client, schedule, PREVIEW_DAYS)
    cap, occurrences = tried.prompts_per_day, tried.occurrences
    zone = zone_of(client)
    return {
        "cap": cap,
        "on_hold": client.on_hold,
        "paused": client.dose_paused,
        "days": PREVIEW_DAYS,
        "items": [
            {
                "local": local(o.at, zone, "%a %d %b, %H:%M"),
                "iso": o.at.astimezone(zone).isoformat(timespec="minutes"),
            }
            for o in occurrences[:12]
        ],
    }


def _practice_choices(client: Client) -> list[dict]:
    choices = []
    for practice in library().all():
        if practice.audience != CLIENT or practice.prelude:
            continue  # a prelude is switched on in an imagery assignment, not assigned
        problem = gates.gate_problem(practice, client)
        choices.append(
            {
                "id": practice.id,
                "title": practice.title,
                "levels": practice.levels,
                "blocked": bool(problem),
            }
        )
    return sorted(choices, key=lambda c: c["title"].lower())


def _render_form(client, values, errors, *, assignment=None, preview=None, status=200):
    practice = None
    if values.get("practice_id") in library():
        practice = library().get(values["practice_id"])
    context = {
        "client": client,
        "assignment": assignment,
        "practice": practice,
        "values": values,
        "errors": errors,
        "preview": preview,
        "choices": _practice_choices(client),
        "weekdays": [(code, DAY_NAMES[code]) for code in WEEKDAYS],
        "zone": client.timezone,
        "quiet": (
            f"{client.quiet_start:%H:%M} to {client.quiet_end:%H:%M}"
            if client.quiet_start and client.quiet_end
            else None
        ),
    }
    return render_template("therapist/assignment.html", **context), status


def _save_or_preview(client: Client, assignment: Assignment | None):
    creating = assignment is None
    values, data = _read_form(creating)
    if not creating:
        values["practice_id"] = assignment.practice_id
    model = AssignmentCreate if creating else AssignmentUpdate
    session = db.session()
    try:
        body = model.model_validate(data)
        check_schedule(client, body.schedule)
    except (ValidationError, Invalid) as problem:
        return _render_form(client, values, problems_of(problem), assignment=assignment, status=422)
    if request.form.get("action") == "preview":
        return _render_form(
            client, values, {}, assignment=assignment, preview=_preview(client, body.schedule)
        )
    try:
        if creating:
            if body.practice_id not in library():
                raise Invalid("choose a practice from the list", field="practice_id")
            saved = assignments.create(session, library(), g.page_user, client, body)
        else:
            saved = assignments.update(session, library(), g.page_user, assignment, client, body)
    except Invalid as problem:
        session.rollback()
        errors = problems_of(problem)
        if "practice_id" in errors and values["practice_id"] in library():
            practice = library().get(values["practice_id"])
            errors["practice_id"] = errors["practice_id"].replace(practice.id, practice.title)
        return _render_form(client, values, errors, assignment=assignment, status=422)
    session.commit()
    replan(client)
    title = library().get(saved.practice_id).title
    flash(f"{title} is {'assigned' if creating else 'saved'}.")
    return redirect(url_for("web.therapist_client", client_id=client.id) + "#assignments")


@web.route("/clients/<uuid:client_id>/assignments/new", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_new_assignment(client_id: uuid.UUID):
    """Assign a practice: bounds, a note and a schedule, with a preview before saving."""
    client = own_client(client_id)
    if request.method == "POST":
        return _save_or_preview(client, None)
    wanted = request.args.get("practice", "")
    return _render_form(client, _form_values(practice_id=wanted if wanted in library() else ""), {})


def _own_assignment(assignment_id: uuid.UUID) -> tuple[Assignment, Client]:
    session = db.session()
    assignment = assignments.get_for_therapist(session, g.page_user, assignment_id)
    return assignment, own_client(assignment.client_id)


@web.route("/assignments/<uuid:assignment_id>/edit", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_edit_assignment(assignment_id: uuid.UUID):
    """Change an assignment's bounds, note or schedule."""
    assignment, client = _own_assignment(assignment_id)
    if request.method == "POST":
        return _save_or_preview(client, assignment)
    return _render_form(client, _form_values(assignment), {}, assignment=assignment)


@web.post("/assignments/<uuid:assignment_id>/active")
@signed_in(THERAPIST)
def therapist_pause_assignment(assignment_id: uuid.UUID):
    """Pause or resume an assignment (resuming checks the gates again)."""
    session = db.session()
    assignment, client = _own_assignment(assignment_id)
    active = request.form.get("active") == "1"
    try:
        assignments.update(
            session, library(), g.page_user, assignment, client, AssignmentUpdate(active=active)
        )
    except Invalid as problem:
        session.rollback()
        session.refresh(assignment)
        errors = {"active": " ".join(problems_of(problem).values())}
        return _render_form(
            client, _form_values(assignment), errors, assignment=assignment, status=422
        )
    session.commit()
    replan(client)
    flash(
        "Assignment resumed." if active else "Assignment paused; no prompts for it until resumed."
    )
    return redirect(url_for("web.therapist_client", client_id=client.id) + "#assignments")


@web.post("/assignments/<uuid:assignment_id>/remove")
@signed_in(THERAPIST)
def therapist_remove_assignment(assignment_id: uuid.UUID):
    """End an assignment; its past sessions stay in the record."""
    session = db.session()
    assignment, client = _own_assignment(assignment_id)
    assignments.remove(session, g.page_user, assignment)
    prompts.cancel_planned(
        session, client.id, reason="assignment ended", assignment_id=assignment.id
    )
    session.commit()
    flash("Assignment ended. Its past sessions stay in the record.")
    return redirect(url_for("web.therapist_client", client_id=client.id) + "#assignments")
