"""Admin pages: therapists list, create, disable. (The deployment's crisis resources are in
shared/crisis.py, beside the therapist's own.)"""

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.accounts import queries as account_queries
from care.accounts import second_factor, totp
from care.accounts import users as accounts
from care.errors import Conflict, Invalid
from care.safety import crisis
from care.schemas import UserCreate
from care.vocab import PASSWORD_MIN_LENGTH
from service import db, mail
from service.web.shared.blueprint import ADMIN, THERAPIST, signed_in, web
from service.web.shared.forms import plain
from service.web.shared.invitations import hand_over

_HINTS = {
    "email": "Write a full email address, e.g. name@example.org.",
    "name": "Write their name (at most 200 characters).",
    "password": (
        f"Use at least {PASSWORD_MIN_LENGTH} characters, or leave it empty to create an "
        "invitation link."
    ),
}


def overview(**extra) -> dict:
    """Every therapist with their number of clients, oldest account first, and whether the
    deployment's crisis resources are confirmed."""
    context = {
        "therapists": [
            {
                "id": t.user.id,
                "name": t.user.name or t.user.email,
                "email": t.user.email,
                "active": t.user.active,
                "has_password": t.user.password_hash is not None,
                "second_factor": totp.enabled(t.user),
                "created": t.user.created_at.strftime("%d %b %Y"),
                "clients": t.clients,
            }
            for t in account_queries.therapists(db.session())
        ],
        "values": {"name": "", "email": ""},
        "errors": {},
        "created": None,
        # Until an admin saves the deployment's resources, the local crisis line is missing.
        "crisis_confirmed": crisis.for_therapist(db.session(), None).confirmed,
        "second_factor_required": second_factor.policy(db.session()).second_factor_required,
        "policy_error": None,
    }
    context.update(extra)
    return context


@web.route("/admin/therapists", methods=["GET", "POST"])
@signed_in(ADMIN)
def admin_therapists():
    """List therapists and create one (with a password, or an invitation link shown once)."""
    if request.method == "GET":
        return render_template("admin/therapists.html", board=overview())
    session = db.session()
    values = {
        "name": request.form.get("name", "").strip(),
        "email": request.form.get("email", "").strip(),
    }
    password = request.form.get("password", "")
    errors: dict[str, str] = {}
    try:
        body = UserCreate.model_validate({**values, "password": password or None})
        user = accounts.create_user(
            session,
            email=body.email,
            role=THERAPIST,
            name=body.name,
            password=body.password,
            actor_id=g.page_user.id,
        )
    except ValidationError as problem:
        for item in problem.errors():
            field = str(item["loc"][0])
            errors.setdefault(field, _HINTS.get(field, plain(item["msg"])))
    except (Conflict, Invalid) as problem:
        errors[problem.field or "email"] = plain(problem.message)
    if errors:
        session.rollback()
        board = overview(values=values, errors=errors)
        return render_template("admin/therapists.html", board=board), 422
    offer = accounts.offer(session, user) if body.password is None else None
    session.commit()
    created = {"name": user.name, "email": user.email, "link": None, "emailed": None}
    if offer is not None:
        # Emailed when this deployment sends email; otherwise the link is shown once on this
        # response, never stored in the session cookie.
        admin = g.page_user.name or g.page_user.email
        handover = hand_over(offer, inviter=admin, staff=True)
        created |= {"link": handover.link, "emailed": handover.emailed, "problem": handover.problem}
    return render_template("admin/therapists.html", board=overview(created=created)), 201


@web.post("/admin/therapists/<uuid:therapist_id>/active")
@signed_in(ADMIN)
def admin_therapist_active(therapist_id: uuid.UUID):
    """Disable a therapist (their sign-ins and tokens stop working) or enable them again."""
    session = db.session()
    active = request.form.get("active") == "1"
    therapist = accounts.update_therapist(session, g.page_user, therapist_id, {"active": active})
    session.commit()
    name = therapist.name or therapist.email
    flash(
        f"{name} can sign in again."
        if active
        else f"{name} is disabled: their sign-in and API tokens no longer work. "
        "Their clients' records are kept."
    )
    return redirect(url_for("web.admin_therapists"))


@web.post("/admin/sign-in-policy")
@signed_in(ADMIN)
def admin_policy():
    """Require a second factor of every therapist and admin, or make it optional."""
    session = db.session()
    required = request.form.get("second_factor_required") == "1"
    try:
        changed = second_factor.set_required(session, g.page_user, required)
    except Conflict as problem:
        session.rollback()
        board = overview(policy_error=plain(problem.message))
        return render_template("admin/therapists.html", board=board), 409
    session.commit()
    if required and changed:
        mail.second_factor_required(second_factor.staff_without(session))
    flash(
        "Every therapist and admin now signs in with a second factor."
        if required
        else "A second factor is now optional."
    )
    return redirect(url_for("web.admin_therapists") + "#policy", 303)


@web.post("/admin/users/<uuid:user_id>/second-factor/reset")
@signed_in(ADMIN)
def admin_reset_second_factor(user_id: uuid.UUID):
    """Clear a therapist's second factor (a lost phone); they set up a new one next time."""
    session = db.session()
    person = second_factor.reset(session, g.page_user, user_id)
    session.commit()
    mail.second_factor_changed(person, on=None)
    flash(
        f"{person.name or person.email}'s second factor is reset: they are signed out "
        "everywhere and set up a new one when they next sign in."
    )
    return redirect(url_for("web.admin_therapists"), 303)
