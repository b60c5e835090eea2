"""Server-rendered web pages: sign-in, a home per role, invitation acceptance."""

from functools import wraps

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from care.accounts import users as accounts
from care.errors import CareError
from service import auth, db, signin

web = Blueprint("web", __name__)


@web.app_context_processor
def _template_globals():
    return {"csrf_token": auth.csrf_token, "current_user": auth.current_user}


@web.before_request
def _check_csrf():
    # Every form post carries the session's token; a stale or forged form changes nothing.
    if request.method == "POST" and not auth.csrf_valid(request.form.get("csrf_token")):
        return render_template("stale_form.html"), 400
    return None


def signed_in(*roles: str):
    """Require a signed-in user (of one of `roles`, if given) for a page."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = auth.current_user()
            if user is None:
                return redirect(url_for("web.login", next=request.path))
            if roles and user.role not in roles:
                abort(403)
            g.page_user = user
            return view(*args, **kwargs)

        wrapper.hearth_roles = roles  # read by the authorization matrix test
        return wrapper

    return decorate


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
            except signin.SignInPaused as paused:
                error = f"Sign-in is paused for now: {paused}."
                page = render_template("login.html", error=error, email=email)
                return page, 429, {"Retry-After": str(paused.retry_after)}
            session.commit()
            if user is not None:
                auth.sign_in_session(user)
                return redirect(_safe_next(request.args.get("next")))
            error = "That email and password did not match an active account. Please try again."
    status = 401 if error and request.method == "POST" and email else (400 if error else 200)
    return render_template("login.html", error=error, email=email), status


@web.post("/logout")
def logout():
    """Sign out and return to the sign-in page."""
    auth.sign_out_session()
    return redirect(url_for("web.login"))


@web.get("/")
@signed_in()
def home():
    """A home page for each role (the full pages come later)."""
    user = g.page_user
    return render_template(f"home_{user.role}.html", user=user)


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
                session.rollback()
                error = problem.message[0].upper() + problem.message[1:] + "."
            else:
                session.commit()
                auth.sign_in_session(user)
                return redirect(url_for("web.home"))
    return render_template("welcome.html", code=code, error=error), 400 if error else 200


# Page modules add their routes to `web` on import (they need it to exist first).
from service.web import (  # noqa: E402, F401
    admin_pages,
    client_pages,
    client_player_pages,
    client_settings_pages,
    crisis_pages,
    therapist_assign_pages,
    therapist_catalogue_pages,
    therapist_client_pages,
    therapist_pages,
)
