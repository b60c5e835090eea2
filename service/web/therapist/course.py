"""A client's course on the web: a practice break for a holiday (and its end), discharge at the
end of therapy with readmission, and erasure of a discharged client's record for good."""

import uuid
from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from care import erasure
from care.clients import lifecycle
from care.clients.queries import zone_of
from care.errors import Conflict, Invalid
from care.tables import Client
from care.types import utcnow
from service import db
from service.erase import erase
from service.planning import replan
from service.web.shared.blueprint import THERAPIST, signed_in, web
from service.web.shared.forms import plain, problems_of
from service.web.therapist.client import client_context
from service.web.therapist.common import own_client


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def _today(client: Client) -> date:
    return utcnow().astimezone(zone_of(client)).date()


def _back(client: Client, anchor: str = "access"):
    return redirect(url_for("web.therapist_client", client_id=client.id) + f"#{anchor}", 303)


def day_words(day: date) -> str:
    """A date the way the pages write it, e.g. Mon 21 Dec 2026."""
    return day.strftime("%a %d %b %Y")


@web.post("/clients/<uuid:client_id>/break")
@signed_in(THERAPIST)
def therapist_set_break(client_id: uuid.UUID):
    """Pause prompts for a date range; nothing in it counts as missed."""
    session = db.session()
    client = own_client(client_id)
    typed = {name: request.form.get(name, "").strip() for name in ("break_start", "break_end")}
    start, end = _day("break_start"), _day("break_end")
    try:
        lifecycle.set_break(session, g.page_user, client.id, start, end, _today(client))
    except (Invalid, Conflict) as problem:
        session.rollback()
        client = own_client(client_id)
        errors = problems_of(problem) if isinstance(problem, Invalid) else {}
        errors = errors or {"": plain(problem.message)}
        context = client_context(client, break_errors=errors, break_values=typed)
        return render_template("therapist/client.html", **context), 422
    session.commit()
    replan(client)
    flash(
        f"No prompts from {day_words(start)} to {day_words(end)}; nothing in the break counts "
        "as missed. A rating still reaches you as always."
    )
    return _back(client)


@web.post("/clients/<uuid:client_id>/break/end")
@signed_in(THERAPIST)
def therapist_end_break(client_id: uuid.UUID):
    """End the break now; prompts are planned again."""
    session = db.session()
    client = own_client(client_id)
    try:
        lifecycle.end_break(session, g.page_user, client.id)
    except Conflict as problem:
        session.rollback()
        flash(plain(problem.message))
        return _back(client)
    session.commit()
    replan(client)
    flash("The break is over: prompts start again at the next planned time.")
    return _back(client)


@web.route("/clients/<uuid:client_id>/discharge", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_discharge(client_id: uuid.UUID):
    """Ask once, then discharge: access and prompts end; the record stays for export."""
    session = db.session()
    client = own_client(client_id)
    open_count = lifecycle.open_alerts(session, client)
    if request.method == "GET":
        return render_template("therapist/discharge.html", client=client, open_alerts=open_count)
    try:
        lifecycle.discharge(session, g.page_user, client.id)
    except Conflict as problem:
        session.rollback()
        page = render_template(
            "therapist/discharge.html",
            client=own_client(client_id),
            open_alerts=open_count,
            error=plain(problem.message),
        )
        return page, 409
    session.commit()
    flash(
        f"{client.display_name} is discharged: their sign-in and prompts have ended. The record "
        "stays here until you erase it."
    )
    return _back(client)


@web.post("/clients/<uuid:client_id>/readmit")
@signed_in(THERAPIST)
def therapist_readmit(client_id: uuid.UUID):
    """Undo a discharge; assignments stay paused until resumed."""
    session = db.session()
    client = own_client(client_id)
    try:
        lifecycle.readmit(session, g.page_user, client.id)
    except Conflict as problem:
        session.rollback()
        flash(plain(problem.message))
        return _back(client)
    session.commit()
    flash(
        f"{client.display_name} can sign in again with their password. Their assignments stay "
        "paused until you resume them."
    )
    return _back(client, "assignments")


@web.post("/clients/<uuid:client_id>/erase")
@signed_in(THERAPIST)
def therapist_erase(client_id: uuid.UUID):
    """Erase a discharged client for good, after their name is typed to confirm."""
    session = db.session()
    client = own_client(client_id)
    typed = request.form.get("confirm", "")
    if client.discharged_at is None:
        flash("Discharge the client before erasing their record.")
        return _back(client)
    if not erasure.confirmed(typed, client.display_name):
        page = render_template(
            "therapist/discharge.html",
            client=client,
            open_alerts=0,
            erase_error=f"Type {client.display_name} exactly as written to confirm; nothing was "
            "erased.",
            typed=typed,
        )
        return page, 422
    name = client.display_name
    try:
        erase(g.page_user, client.id)
    except Conflict as problem:
        session.rollback()
        flash(plain(problem.message))
        return _back(client)
    flash(f"{name}'s record is erased. Only a line with counts stays in the audit log.")
    return redirect(url_for("web.home", show="discharged"), 303)
