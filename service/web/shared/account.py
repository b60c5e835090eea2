"""Sign-in, sign-out, accepting an invitation, and the home page of each role (the therapist's
dashboard, the admin's therapists list, the client's practices and inbox)."""

from flask import flash, g, redirect, render_template, request, url_for

from care.accounts import totp
from care.accounts import users as accounts
from care.errors import CareError
from care.tables import User
from service import auth, db, signin
from service.web.admin.therapists import overview
from service.web.client.home import home_data
from service.web.shared.blueprint import signed_in, web
from service.web.therapist.dashboard import dashboard_board


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link send people elsewhere after sign-in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home")


@web.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page."""
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not email or not password:
            error = "Please enter both your email and your password."
        else:
            session = db.session()
            try:
                user = signin.sign_in(session, email, password)
            except totp.CodeNeeded as needed:
                auth.remember_password_step(needed.user, _safe_next(request.args.get("next")))
                return redirect(url_for("web.login_code"), 303)
            except signin.SignInPaused as paused:
                error = f"Sign-in is paused for now: {paused}."
                page = render_template("shared/login.html", error=error, email=email)
                return page, 429, {"Retry-After": str(paused.retry_after)}
            session.commit()
            if user is not None:
                auth.sign_in_session(user)
                return redirect(_safe_next(request.args.get("next")))
            error = "That email and password did not match an active account. Please try again."
    status = 401 if error and request.method == "POST" and email else (400 if error else 200)
    return render_template("shared/login.html", error=error, email=email), status


@web.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second sign-in step for an account with a second factor: its current code."""
    step = auth.password_step()
    if step is None:
        flash("Please sign in again: the step for the code lasts a few minutes.")
        return redirect(url_for("web.login"), 303)
    user_id, next_path = step
    error = None
    if request.method == "POST":
        session = db.session()
        pending, code = session.get(User, user_id), request.form.get("code", "")
        try:
            user = signin.finish(session, pending, code) if pending else None
        except signin.SignInPaused as paused:
            error = f"Sign-in is paused for now: {paused}."
            page = render_template("shared/login_code.html", error=error)
            return page, 429, {"Retry-After": str(paused.retry_after)}
        session.commit()
        if user is not None:
            auth.sign_in_session(user)
            return redirect(next_path)
        error = "That code is not right. Type the 6 digits your authenticator app shows now."
    return render_template("shared/login_code.html", error=error), 401 if error else 200


@web.post("/logout")
def logout():
    """Sign out and return to the sign-in page."""
    auth.sign_out_session()
    return redirect(url_for("web.login"))


@web.get("/")
@signed_in()
def home():
    """A home page for each role, with its data read here and handed to the template."""
    user = g.page_user
    if user.role == "therapist":
        return render_template("therapist/dashboard.html", user=user, board=dashboard_board())
    if user.role == "admin":
        return render_template("admin/therapists.html", user=user, board=overview())
    return render_template("client/home.html", user=user, home=home_data())


@web.route("/welcome", methods=["GET", "POST"])
def welcome():
    """Accept an invitation by choosing a password."""
    code = request.values.get("code", "")
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            error = "The two passwords are not the same. Please type them again."
        else:
            session = db.session()
            try:
                user = accounts.accept_invitation(session, code, password)
            except CareError as problem:
                # A used claim keeps its use and its audit entry; anything else changes nothing.
                (session.commit if isinstance(problem, accounts.ClaimUsed) else session.rollback)()
                error = problem.message[0].upper() + problem.message[1:] + "."
            else:
                session.commit()
                return redirect(auth.after_password(user, url_for("web.home")))
    return render_template("shared/welcome.html", code=code, error=error), 400 if error else 200
