"""Who is asking: bearer tokens for the API, a session cookie for the web pages. The cookie
only names a session kept on the server (care.accounts.sessions), so ending the row ends it."""

import hmac
import secrets
import time
import uuid
from datetime import timedelta

from flask import current_app, g, request, session, url_for

from care.accounts import sessions as web_sessions
from care.accounts import tokens, totp
from care.tables import User
from service import db

SESSION_KEY = "sid"
SESSION_CSRF = "csrf"


def bearer_secret() -> str | None:
    """The token from an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def lifetimes() -> web_sessions.Lifetimes:
    """The configured idle and absolute lifetimes of a web session."""
    settings = current_app.config["HEARTH_SETTINGS"]
    return web_sessions.Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_hours),
    )


def current_user() -> User | None:
    """The signed-in user of this request (bearer token first, then the session cookie)."""
    if "user" in g:
        return g.user
    user = None
    g.via = None
    g.web_session = None
    secret = bearer_secret()
    if secret is not None:
        found = tokens.authenticate(db.session(), secret)
        if found:
            user, g.token = found
            g.via = "token"
            db.session().commit()
    elif SESSION_KEY in session:
        store = db.session()
        row = web_sessions.live(store, session[SESSION_KEY], lifetimes())
        candidate = store.get(User, row.user_id) if row is not None else None
        if candidate is not None and candidate.active:
            user = candidate
            g.via = "cookie"
            g.web_session = row
        else:
            session.clear()
        if store.dirty:
            store.commit()  # the session's last sighting, or its end
    elif "user_id" in session:
        session.clear()  # a cookie from before server-side sessions: signed out
    g.user = user
    return user


def this_session_id():
    """The id of this request's web session, if it came with one."""
    row = g.get("web_session")
    return row.id if row is not None else None


def sign_in_session(user: User) -> None:
    """Start a fresh web session for this user (a new session on every sign-in)."""
    store = db.session()
    secret = web_sessions.start(
        store,
        user,
        user_agent=request.headers.get("User-Agent", ""),
        address=request.remote_addr or "",
    )
    store.commit()
    session.clear()
    session[SESSION_KEY] = secret
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    session.permanent = True


# The web's second sign-in step: who typed a right password, for a few minutes, in the signed
# cookie (nothing is signed in until their code is right too).
PASSWORD_STEP = "password_step"
PASSWORD_STEP_SECONDS = 300


def remember_password_step(user: User, next_path: str) -> None:
    """Note that this browser typed the right password for `user` just now."""
    session.clear()
    session[PASSWORD_STEP] = {
        "user": str(user.id),
        "until": int(time.time()) + PASSWORD_STEP_SECONDS,
        "next": next_path,
    }


def after_password(user: User, next_path: str) -> str:
    """Where a browser goes once its person has chosen or reset a password: signed in, or on
    to the code step when the account has a second factor (an emailed link alone must not
    get past it)."""
    if totp.enabled(user):
        remember_password_step(user, next_path)
        return url_for("web.login_code")
    sign_in_session(user)
    return next_path


def password_step() -> tuple[uuid.UUID, str] | None:
    """(user id, where to go next) while a right password is fresh in this browser, else None."""
    step = session.get(PASSWORD_STEP)
    try:
        if int(step["until"]) >= time.time():
            return uuid.UUID(step["user"]), str(step["next"])
    except (TypeError, KeyError, ValueError):
        pass
    session.pop(PASSWORD_STEP, None)
    return None


def sign_out_session() -> None:
    """End the web session on the server, then in the browser."""
    secret = session.get(SESSION_KEY)
    if isinstance(secret, str):
        store = db.session()
        row = web_sessions.live(store, secret, lifetimes())
        if row is not None:
            web_sessions.end(store, row)
        store.commit()
    session.clear()


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    if SESSION_CSRF not in session:
        session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return session[SESSION_CSRF]


def csrf_valid(candidate: str | None) -> bool:
    """True when the candidate matches this session's token (any text, never an error)."""
    expected = session.get(SESSION_CSRF)
    if not (isinstance(expected, str) and isinstance(candidate, str) and expected and candidate):
        return False
    return hmac.compare_digest(expected.encode(), candidate.encode())
