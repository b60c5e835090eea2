"""Passwords on the web for everyone: change one's own (the current password required),
"Forgot your password?" (the same answer whether or not an address has an account) and the
one-time reset link. Setting a password ends every other session and tells the owner."""

from flask import g, redirect, render_template, request, url_for

from care.accounts import credentials
from care.errors import Invalid, NotFound
from service import auth, db, mail
from service.web.shared.blueprint import signed_in, web
from service.web.shared.forms import plain

SAME = "The two new passwords are not the same. Please type them again."
NEED_EMAIL = "Please write the email address you sign in with."
SENT = (
    "If {email} belongs to a hearth account, a link to choose a new password is on its way. "
    "It works once, for {minutes} minutes. If nothing arrives within a few minutes, check "
    "the spam folder, or ask whoever looks after hearth where you work."
)
NO_EMAIL = (
    "This hearth cannot send email, so a reset link cannot be sent. Ask your therapist (or, "
    "for a therapist, whoever looks after hearth where you work) for a new invitation."
)


def _typed_twice() -> tuple[str, dict[str, str]]:
    """The new password from the form, and the problem if its two copies differ."""
    new = request.form.get("password", "")
    same = new == request.form.get("password_again", "")
    return new, ({} if same else {"password_again": SAME})


def _minutes() -> int:
    return int(credentials.RESET_TTL.total_seconds() // 60)


@web.route("/account/password", methods=["GET", "POST"])
@signed_in()
def change_password():
    """Change one's own password; every other session and token of the account ends."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        new, errors = _typed_twice()
        if not errors:
            session = db.session()
            user = g.page_user
            try:
                credentials.change_password(
                    session,
                    user,
                    request.form.get("current_password", ""),
                    new,
                    keep_session=auth.this_session_id(),
                )
            except Invalid as problem:
                session.rollback()
                errors[problem.field or "password"] = plain(problem.message)
            else:
                session.commit()
                mail.password_changed(user)
                return account_page(saved="password")
    return account_page(errors=errors, status=422 if errors else 200)


def account_page(*, errors=None, email_errors=None, email="", saved=None, sent_to=None, status=200):
    """The Password and email page, with what was saved or went wrong."""
    return render_template(
        "shared/password.html",
        errors=errors or {},
        email_errors=email_errors or {},
        email_value=email,
        saved=saved,
        sent_to=sent_to,
        confirms=mail.configured(),
    ), status


@web.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link by email."""
    email = request.form.get("email", "").strip() if request.method == "POST" else ""
    if request.method == "GET":
        return render_template("shared/forgot.html", email="", error=None, sent=None)
    if not mail.configured():
        return render_template("shared/forgot.html", email=email, error=NO_EMAIL, sent=None), 503
    if "@" not in email:
        return render_template("shared/forgot.html", email=email, error=NEED_EMAIL, sent=None), 422
    mail.reset_soon(email)
    sent = SENT.format(email=email, minutes=_minutes())
    return render_template("shared/forgot.html", email="", error=None, sent=sent)


@web.route("/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password with a reset link; then signed in, every other session ended."""
    code = request.values.get("code", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        new, errors = _typed_twice()
        if not errors:
            session = db.session()
            try:
                user = credentials.reset_password(session, code, new)
            except (Invalid, NotFound) as problem:
                session.rollback()
                key = "code" if isinstance(problem, NotFound) else (problem.field or "password")
                errors[key] = plain(problem.message)
            else:
                session.commit()
                mail.password_changed(user)
                return redirect(auth.after_password(user, url_for("web.home")), 303)
    status = 422 if errors else 200
    return render_template("shared/reset.html", code=code, errors=errors), status
