"""The pages' blueprint: the `signed_in` guard, the CSRF check on every form post, and what every
template may use (the form token, the signed-in user as data, the vocabulary's ranges)."""

from functools import wraps

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from care.accounts import second_factor
from care.schemas.text import unstorable_text
from care.vocab import PASSWORD_MIN_LENGTH, PRACTICE_LEVELS, RATING_RANGE, THRESHOLD_RANGE
from service import auth, db

web = Blueprint("web", __name__)

ADMIN = "admin"
THERAPIST = "therapist"
CLIENT = "client"


@web.record_once
def _vocabulary(state):
    # Constants, so macros imported without the page's context see them too.
    state.app.jinja_env.globals.update(
        rating_range=RATING_RANGE,
        threshold_range=THRESHOLD_RANGE,
        practice_levels=PRACTICE_LEVELS,
        password_min=PASSWORD_MIN_LENGTH,
    )


@web.app_context_processor
def _template_globals():
    # The signed-in user is resolved once per request by auth (kept on `g`) and handed to the
    # templates as a value: a template never calls anything that reads the database.
    return {"csrf_token": auth.csrf_token, "current_user": auth.current_user()}


@web.before_request
def _check_csrf():
    # Every form post carries the session's token; a stale or forged form changes nothing.
    if request.method == "POST" and not auth.csrf_valid(request.form.get("csrf_token")):
        return render_template("shared/stale_form.html"), 400
    # Characters no database stores would end in an error page; say what to fix instead.
    if request.method == "POST" and unstorable_text(request.form.to_dict(flat=False), "form"):
        return render_template("shared/unstorable_form.html"), 422
    return None


def signed_in(*roles: str, before_second_factor: bool = False):
    """Require a signed-in user (of one of `roles`, if given) for a page. Where the deployment
    requires a second factor, a therapist or admin without one is sent to set it up first
    (only the pages for that say `before_second_factor`)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = auth.current_user()
            if user is None:
                return redirect(url_for("web.login", next=request.path))
            if roles and user.role not in roles:
                abort(403)
            if not before_second_factor and second_factor.missing(db.session(), user):
                return redirect(url_for("web.second_factor_page"), 303)
            g.page_user = user
            return view(*args, **kwargs)

        wrapper.hearth_roles = roles  # read by the authorization matrix test
        return wrapper

    return decorate
