"""A therapist's caseload on the web: add a client (with an invitation by email or a link shown
once), edit their details and login email, and send a new invitation while they have not yet
chosen a password. The same care commands as the API's."""

import uuid
from collections import Counter

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.clients import commands as clients
from care.clients import logins, queries
from care.errors import Conflict, Invalid
from care.schemas import ClientCreate, ClientUpdate
from care.tables import Client, User
from care.vocab import CLINICAL_FLAGS
from service import db, media
from service.library import library
from service.planning import replan
from service.web.shared.blueprint import THERAPIST, signed_in, web
from service.web.shared.choices import timezone_groups, voice_choices
from service.web.shared.forms import checkbox, plain, problems_of
from service.web.shared.invitations import hand_over
from service.web.therapist.client_rows import FLAG_WORDS
from service.web.therapist.common import own_client

NAMES = ("display_name", "script_name", "spoken_name")
DETAILS = (*NAMES, "email", "timezone", "quiet_start", "quiet_end", "voice")
HINTS = {
    "display_name": "Write the client's name as you want to see it (at most 200 characters).",
    "script_name": "Use at most 40 characters, without the signs { } < >.",
    "spoken_name": "Use at most 40 characters, without the signs { } < >.",
    "email": "Write a full email address, e.g. name@example.org, or leave it empty.",
    "timezone": "Choose a time zone from the list, e.g. Europe/Berlin.",
    "quiet_start": "Write the time as hours and minutes, for example 22:00.",
    "quiet_end": "Write the time as hours and minutes, for example 07:00.",
    "voice": "Choose one of the voices in the list.",
    "start_level": "Choose a level from the list.",
}


def _usual_zone(therapist: User) -> str | None:
    """The zone most of this therapist's clients live in (None before a first client)."""
    zones = Counter(c.timezone for c in queries.clients_of(db.session(), therapist))
    return zones.most_common(1)[0][0] if zones else None


def _in_form_order(errors: dict) -> dict:
    # The summary lists problems in the order the fields appear on the page.
    order = [*DETAILS, "start_level"]
    return dict(sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))


def _form(template: str, values: dict, errors: dict, status: int = 200, **extra):
    return render_template(
        template,
        values=values,
        errors=_in_form_order(errors),
        zones=timezone_groups(),
        flag_words=FLAG_WORDS,
        name_warning=media.name_warning(
            values.get("script_name"), values.get("spoken_name"), values.get("voice")
        ),
        **extra,
    ), status


def _pydantic_errors(problem: ValidationError) -> dict[str, str]:
    found = problems_of(problem)
    return {field: HINTS.get(field, message) for field, message in found.items()}


def _invitation_page(client: Client, handover, status: int = 200):
    return render_template("therapist/invitation.html", client=client, handover=handover), status


@web.route("/clients/new", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_new_client():
    """Add a client: names, email (optional), time zone, start level and flags."""
    therapist = g.page_user
    if request.method == "GET":
        usual = _usual_zone(therapist)
        values = {name: "" for name in (*NAMES, "email")} | {
            "timezone": usual or "UTC",
            "start_level": "",
        }
        # No client yet: the page may start at the zone of the therapist's own browser.
        return _form("therapist/client_new.html", values, {}, zone_guess=usual is None)
    values = {name: request.form.get(name, "").strip() for name in (*NAMES, "email", "timezone")}
    values["start_level"] = request.form.get("start_level", "").strip()
    ticks = {flag: checkbox(flag) for flag in (*CLINICAL_FLAGS, "yang_ready")}
    values.update(ticks)
    data = {k: v for k, v in values.items() if k not in ticks and v != ""} | ticks
    session = db.session()
    try:
        body = ClientCreate.model_validate(data)
        client, offer = clients.create_client(session, therapist, body)
    except ValidationError as problem:
        return _form("therapist/client_new.html", values, _pydantic_errors(problem), 422)
    except Conflict as problem:
        session.rollback()
        errors = {problem.field or "": plain(problem.message)}
        return _form("therapist/client_new.html", values, errors, 422)
    except Invalid as problem:
        session.rollback()
        return _form("therapist/client_new.html", values, problems_of(problem), 422)
    session.commit()
    if offer is None:
        flash(f"{client.display_name} is added. Add an email when they are ready to sign in.")
        return redirect(url_for("web.therapist_client", client_id=client.id), 303)
    handover = hand_over(offer, inviter=therapist.name or therapist.email)
    return _invitation_page(client, handover, 201)


def _details(client: Client) -> dict:
    from media.speech.voices import default_voice

    return {
        "display_name": client.display_name,
        "script_name": client.script_name or "",
        "spoken_name": client.spoken_name or "",
        "email": logins.login_email(db.session(), client) or "",
        "timezone": client.timezone,
        "quiet_start": client.quiet_start.strftime("%H:%M") if client.quiet_start else "",
        "quiet_end": client.quiet_end.strftime("%H:%M") if client.quiet_end else "",
        "voice": client.voice or default_voice(),
    }


def _edit_form(client: Client, values: dict, errors: dict, status: int = 200):
    return _form(
        "therapist/client_edit.html",
        values,
        errors,
        status,
        client=client,
        voices=voice_choices(client.voice),
        login=logins.login_state(client, logins.login_of(db.session(), client)),
    )


def _read_details(client: Client) -> tuple[dict, ClientUpdate | None, dict]:
    """(values to show again, the update, errors by field), each field checked alone."""
    values = {name: request.form.get(name, "").strip() for name in DETAILS}
    fields, errors = {}, {}
    for name in ("display_name", "script_name", "spoken_name", "timezone", "quiet_start"):
        fields[name] = values[name] or None
    fields["quiet_end"] = values["quiet_end"] or None
    for name, value in fields.items():
        if value is None and name in ("display_name", "timezone"):
            errors[name] = HINTS[name]
            continue
        try:
            ClientUpdate.model_validate({name: value})
        except ValidationError:
            errors[name] = HINTS[name]
    from media.speech.voices import default_voice

    if values["voice"] not in [vid for vid, _ in voice_choices(client.voice)]:
        errors["voice"] = HINTS["voice"]
    elif not (client.voice is None and values["voice"] == default_voice()):  # None: the default
        fields["voice"] = values["voice"]
    if logins.login_state(client, logins.login_of(db.session(), client)) in ("active", "ended"):
        values["email"] = logins.login_email(db.session(), client) or ""  # only they change it
    elif values["email"]:
        try:
            ClientCreate.model_validate({"display_name": "x", "email": values["email"]})
        except ValidationError:
            errors["email"] = HINTS["email"]
    if errors:
        return values, None, errors
    return values, ClientUpdate.model_validate(fields), {}


@web.route("/clients/<uuid:client_id>/edit", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_edit_client(client_id: uuid.UUID):
    """Names, login email, time zone, quiet hours and voice; prompts are re-planned at once."""
    client = own_client(client_id)
    if request.method == "GET":
        return _edit_form(client, _details(client), {})
    values, update, errors = _read_details(client)
    if errors:
        return _edit_form(client, values, errors, 422)
    session = db.session()
    try:
        clients.update_client(session, g.page_user, client.id, update, library())
        offer = logins.change_login_email(session, g.page_user, client, values["email"])
    except (Invalid, Conflict) as problem:
        session.rollback()
        client = own_client(client_id)
        found = problems_of(problem) if isinstance(problem, Invalid) else {}
        found = found or {problem.field or "": plain(problem.message)}
        return _edit_form(client, values, found, 422)
    session.commit()
    replan(client)
    if offer is not None:
        inviter = g.page_user.name or g.page_user.email
        return _invitation_page(client, hand_over(offer, inviter=inviter))
    flash("Details saved. Prompts follow the new times from now on.")
    return redirect(url_for("web.therapist_client", client_id=client.id), 303)


@web.post("/clients/<uuid:client_id>/invitation")
@signed_in(THERAPIST)
def therapist_reinvite(client_id: uuid.UUID):
    """A new invitation (the old one stops working), only while no password is chosen."""
    session = db.session()
    client = own_client(client_id)
    try:
        offer = logins.reinvite(session, g.page_user, client)
    except Conflict as problem:
        session.rollback()
        if isinstance(problem, logins.RefusedInvitation):
            logins.note_refused(session, g.page_user, client.id)
            session.commit()
        flash(plain(problem.message))
        return redirect(url_for("web.therapist_client", client_id=client.id) + "#access", 303)
    session.commit()
    inviter = g.page_user.name or g.page_user.email
    return _invitation_page(client, hand_over(offer, inviter=inviter))
