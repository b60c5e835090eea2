"""A therapist's or admin's second factor on the web: set it up (the key as a QR code and as
text, confirmed by a first code), see that it is on, turn it off (password and code). When the
deployment requires one, a staff member without one is sent here from every page."""

import segno
from flask import flash, g, redirect, render_template, request, url_for

from care.accounts import second_factor, totp
from care.errors import Conflict, Invalid
from care.safety import alerts
from service import auth, db, mail
from service.web.shared.blueprint import ADMIN, THERAPIST, signed_in, web
from service.web.shared.forms import plain

STAFF = (THERAPIST, ADMIN)


def _page(errors=None, status=200, **extra):
    user = g.page_user
    key = second_factor.pending_key(user)
    setting_up = key is not None
    context = {
        "enabled": totp.enabled(user),
        "required": second_factor.required(db.session(), user),
        "setting_up": setting_up,
        "errors": errors or {},
        # Someone held at this page still learns that alerts wait (a count, nothing more).
        "open_alerts": (
            alerts.open_count(db.session(), user)
            if user.role == THERAPIST and second_factor.missing(db.session(), user)
            else 0
        ),
    }
    if setting_up:
        link = second_factor.app_link(user)
        context["qr"] = segno.make(link, error="m").svg_inline(scale=4, title="QR code for the key")
        context["key"] = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
        context["link"] = link
    context.update(extra)
    return render_template("shared/second_factor.html", **context), status


@web.get("/account/second-factor")
@signed_in(*STAFF, before_second_factor=True)
def second_factor_page():
    """Whether a second factor is on, and the way to set one up or turn it off."""
    return _page()


@web.post("/account/second-factor/start")
@signed_in(*STAFF, before_second_factor=True)
def second_factor_start():
    """A new key to add to an authenticator app."""
    session = db.session()
    try:
        second_factor.begin(session, g.page_user)
    except (Conflict, Invalid) as problem:
        session.rollback()
        return _page({"": plain(problem.message)}, 409)
    session.commit()
    return redirect(url_for("web.second_factor_page"), 303)


@web.post("/account/second-factor/confirm")
@signed_in(*STAFF, before_second_factor=True)
def second_factor_confirm():
    """The current password and a first code from the app turn the second factor on."""
    session = db.session()
    try:
        second_factor.confirm(
            session,
            g.page_user,
            request.form.get("current_password", ""),
            request.form.get("code", ""),
            keep_session=auth.this_session_id(),
        )
    except (Conflict, Invalid) as problem:
        session.rollback()
        return _page({problem.field or "": plain(problem.message)}, 422)
    session.commit()
    mail.second_factor_changed(g.page_user, on=True)
    flash("Your second factor is on. From now on, signing in asks for a code from your app.")
    return redirect(url_for("web.second_factor_page"), 303)


@web.post("/account/second-factor/off")
@signed_in(*STAFF)
def second_factor_off():
    """Turn it off (the password and a current code), unless the deployment requires it."""
    session = db.session()
    try:
        second_factor.turn_off(
            session,
            g.page_user,
            request.form.get("current_password", ""),
            request.form.get("code", ""),
        )
    except (Conflict, Invalid) as problem:
        session.rollback()
        return _page({problem.field or "": plain(problem.message)}, 422)
    session.commit()
    mail.second_factor_changed(g.page_user, on=False)
    flash("Your second factor is off. Signing in asks only for your password.")
    return redirect(url_for("web.second_factor_page"), 303)
