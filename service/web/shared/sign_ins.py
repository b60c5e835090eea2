"""Where one is signed in, for everyone: every open browser session and app token, each with
a button that ends it (the current one signs this browser out)."""

import uuid

from flask import flash, g, redirect, render_template, url_for

from care.accounts import sessions as web_sessions
from care.errors import NotFound
from service import auth, db
from service.web.shared.blueprint import signed_in, web

WHEN = "%d %b %Y %H:%M UTC"


@web.get("/account/sign-ins")
@signed_in()
def sign_ins():
    """The person's sessions and tokens, newest first."""
    rows = web_sessions.sign_ins(
        db.session(), g.page_user, auth.lifetimes(), current_session=auth.this_session_id()
    )
    return render_template("shared/sign_ins.html", rows=rows, when=WHEN)


@web.post("/account/sign-ins/<uuid:sign_in_id>/end")
@signed_in()
def end_sign_in(sign_in_id: uuid.UUID):
    """End one session or token; ending this browser's own session signs it out."""
    session = db.session()
    current = sign_in_id == auth.this_session_id()
    try:
        kind = web_sessions.end_sign_in(session, g.page_user, sign_in_id)
    except NotFound:
        session.rollback()
        flash("That sign-in has already ended.")
        return redirect(url_for("web.sign_ins"), 303)
    session.commit()
    if current:
        auth.sign_out_session()
        return redirect(url_for("web.login"), 303)
    flash("That browser is signed out." if kind == "web" else "That app token no longer works.")
    return redirect(url_for("web.sign_ins"), 303)
