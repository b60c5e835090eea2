"""One's own sign-in email on the web. Where this hearth sends email, a move waits for the new
address to answer (a link sent there), so the page never says whether an address has an
account; where it sends none, the email changes at once. Either way the old address is told
and every other session and token ends."""

from flask import g, render_template, request

from care.accounts import credentials
from care.errors import CareError, Conflict, Invalid, TooMany
from service import auth, db, mail
from service.web.shared.blueprint import signed_in, web
from service.web.shared.forms import plain
from service.web.shared.passwords import account_page


@web.post("/account/email")
@signed_in()
def change_email():
    """Ask to change one's own sign-in email (the current password required)."""
    session = db.session()
    user = g.page_user
    typed = request.form.get("email", "").strip()
    current = request.form.get("current_password", "")
    try:
        if mail.configured():
            asked = credentials.request_email_change(session, user, current, typed)
        else:
            old = credentials.change_email(
                session, user, current, typed, keep_session=auth.this_session_id()
            )
    except (Invalid, Conflict, TooMany) as problem:
        session.rollback()
        errors = {problem.field or "email": plain(problem.message)}
        headers = {"Retry-After": str(problem.retry_after)} if isinstance(problem, TooMany) else {}
        page, _ = account_page(email_errors=errors, email=typed)
        return page, 429 if headers else 422, headers
    session.commit()
    if mail.configured():
        mail.email_change_requested(asked)
        return account_page(saved="email-sent", sent_to=asked.new)
    mail.email_changed(user, old)
    return account_page(saved="email")


@web.route("/account/email/confirm", methods=["GET", "POST"])
def confirm_email():
    """The link sent to a new address: a button to use it (a GET changes nothing, since mail
    scanners open links), then the move."""
    code, to = request.values.get("code", ""), request.values.get("to", "")
    if request.method == "GET":
        return render_template("shared/email_confirm.html", code=code, to=to, error=None)
    session = db.session()
    try:
        user, old = credentials.confirm_email_change(
            session, code, to, keep_session=auth.this_session_id()
        )
    except CareError as problem:
        session.rollback()
        error = plain(problem.message)
        page = render_template("shared/email_confirm.html", code=code, to=to, error=error)
        return page, problem.status
    session.commit()
    mail.email_changed(user, old)
    return render_template("shared/email_confirm.html", done=user.email, code="", to="", error=None)
