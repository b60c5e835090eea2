"""Sign-in with abuse limits, shared by the API's token endpoint and the web sign-in page.

A paused sign-in answers 429 with Retry-After before any password is checked. When an account
reaches its limit, its owner gets one email saying so (when SMTP is configured)."""

from datetime import timedelta

from flask import current_app, request
from sqlmodel import Session

from care import audit
from care.accounts import throttle, totp
from care.accounts import users as accounts
from care.tables import User
from service import mail

LOCKOUT_TEXT = (
    "Someone tried to sign in to your hearth account several times with a wrong password. "
    "Sign-in from the place where they tried is slowed down and paused for up to {minutes} "
    "minutes; from your own devices you can sign in as usual. Your password is still safe. "
    "If it was not you, you may want to choose a new one and tell whoever looks after hearth "
    "where you work."
)


CODES_TEXT = (
    "Someone typed the right password for your hearth account and then several wrong codes "
    "from your authenticator app. The code step is paused for up to {minutes} minutes. Your "
    "account is safe while your phone is, but your password is known: please choose a new one "
    "now with “Forgot your password?” on the sign-in page, and tell whoever looks after "
    "hearth where you work."
)


class SignInPaused(Exception):
    """Too many refused sign-ins; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            "too many sign-in attempts; please wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} before trying again"
        )
        self.retry_after = retry_after


def limits() -> throttle.Limits:
    """The configured limits."""
    settings = current_app.config["HEARTH_SETTINGS"]
    return throttle.Limits(
        pair=settings.signin_pair_limit,
        account=settings.signin_account_limit,
        address=settings.signin_address_limit,
        window=timedelta(minutes=settings.signin_window_minutes),
    )


def _begin(session: Session, email: str) -> tuple[throttle.Attempt, throttle.Limits]:
    """Count an attempt for this account from this address; SignInPaused when limited."""
    address = request.remote_addr
    rules = limits()
    attempt = throttle.begin(session, email, address)
    verdict = throttle.check(session, attempt, address, rules)
    if not verdict.allowed:
        throttle.forget(session, attempt)
        audit.record(
            session,
            "auth.sign_in",
            actor_id=None,
            target_type="user",
            outcome="limited",
            detail=f"paused by the {verdict.reason} limit",
        )
        session.commit()
        raise SignInPaused(verdict.retry_after)
    return attempt, rules


def _settle(
    session: Session, email: str, attempt, rules, user: User | None, *, code: bool = False
) -> User | None:
    """Forget a success; keep a failure, telling the owner when their account reaches its
    limit (wrong codes have a limit and a notice of their own)."""
    if user is not None:
        throttle.forget(session, attempt)
        return user
    if code:
        if throttle.note_wrong_code(session, email, rules):
            session.commit()
            _tell_the_owner(session, email, rules, text=CODES_TEXT)
        session.commit()
        return None
    reached = throttle.reached_limit(session, attempt, rules)
    session.commit()
    if reached:
        _tell_the_owner(session, email, rules)
    return None


def sign_in(session: Session, email: str, password: str, code: str | None = None) -> User | None:
    """The user for these credentials, None when refused; SignInPaused when limited; and
    CodeNeeded when the password was right and the account also asks for its one-time code
    (that is not a failure: it does not count towards a pause).

    Commits the refusal (and its audit entry) itself, so it counts even though the request
    then fails."""
    attempt, rules = _begin(session, email)
    try:
        user = accounts.sign_in(session, email, password)
    except totp.CodeNeeded as needed:
        if code is None:
            throttle.forget(session, attempt)
            session.commit()
            raise
        # Only once the password was right does the code step's own pause show.
        _code_step_open(session, email, attempt, rules)
        user = accounts.finish_sign_in(session, needed.user.id, code)
        return _settle(session, email, attempt, rules, user, code=True)
    return _settle(session, email, attempt, rules, user)


def _code_step_open(session: Session, email: str, attempt, rules: throttle.Limits) -> None:
    """SignInPaused while the account's code step rests after too many wrong codes."""
    wait = throttle.code_wait(session, email, rules)
    if wait:
        throttle.forget(session, attempt)
        audit.record(
            session,
            "auth.sign_in",
            actor_id=None,
            target_type="user",
            outcome="limited",
            detail="paused by the code limit",
        )
        session.commit()
        raise SignInPaused(wait)


def finish(session: Session, user: User, code: str) -> User | None:
    """The web's second step, after a right password: the user when the code is right. A
    wrong code counts towards a pause like a wrong password."""
    attempt, rules = _begin(session, user.email)
    _code_step_open(session, user.email, attempt, rules)
    found = accounts.finish_sign_in(session, user.id, code)
    return _settle(session, user.email, attempt, rules, found, code=True)


def _tell_the_owner(
    session: Session, email: str, rules: throttle.Limits, text: str = LOCKOUT_TEXT
) -> None:
    """One email to the account's owner when their account's sign-in pauses."""
    if not mail.configured():
        return
    user = accounts.find_by_email(session, email)
    if user is None or not user.active:
        return
    minutes = int(rules.window.total_seconds() // 60)
    mail.send(
        user,
        kind="lockout",
        subject="Sign-in to your hearth account was paused",
        text=text.format(minutes=minutes),
        button="Go to the sign-in page",
        url=mail.link("/login"),
    )
