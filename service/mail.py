"""Emails about an account, sent by the web process through the scheduler's email channel: an
invitation, a password reset link, word that a password changed, the sign-in pause. No
clinical content ever; each names only what the person needs to act."""

import logging
import threading
import uuid
from urllib.parse import quote

from flask import current_app

from care.tables import User
from care.types import utcnow

log = logging.getLogger("hearth.mail")

INVITE_CLIENT = (
    "{therapist} has set up hearth for the practices you do between sessions. Choose a "
    "password to start; this link works once, for {days} days. If you did not expect this "
    "email, you can ignore it."
)
INVITE_STAFF = (
    "An account in hearth was made for you by {admin}. Choose a password to start; this link "
    "works once, for {days} days. If you did not expect this email, you can ignore it."
)
ADDRESS_TAKEN = (
    "{therapist} tried to set up hearth for you with this email address. It already belongs "
    "to a hearth account, so no second account was made, and they were not told. An account "
    "here goes with one therapist at a time: to practise with {therapist}, you can ask them to "
    "use a different email address. If you did not expect this email, you can ignore it."
)
RESET = (
    "Someone asked to reset the password of your hearth account. If it was you, choose a new "
    "password with the link below: it works once, for the next {minutes} minutes. If it was "
    "not you, ignore this email; your password stays as it is."
)
CHANGED = (
    "The password of your hearth account was just changed, and every other place where you "
    "were signed in has been signed out. If it was you, there is nothing more to do. If it "
    "was not, choose a new password with “Forgot your password?” on the sign-in page, and "
    "tell whoever looks after hearth where you work."
)


EMAIL_CHANGED = (
    "The email address of your hearth account was just changed to {new}, and every other "
    "place where you were signed in has been signed out. If it was you, there is nothing "
    "more to do. If it was not, tell your therapist or whoever looks after hearth where you "
    "work at once."
)


CONFIRM_ADDRESS = (
    "Someone asked to use this address for their hearth account. If it was you, open the link "
    "below to finish: it works once, for a day, and until then you sign in with your old "
    "address. If it was not you, ignore this email; nothing changes."
)
ADDRESS_IN_USE = (
    "Someone asked to move their hearth account to this email address. It already belongs to "
    "an account, so nothing changed, and they were not told. If it was you, you already have "
    "an account with this address. If it was not, you can ignore this email."
)


def configured() -> bool:
    """True when this deployment can send email (an SMTP host is set)."""
    return bool(current_app.config["HEARTH_SETTINGS"].smtp)


def link(path: str) -> str:
    """An absolute link to a page of this deployment."""
    return f"{current_app.config['HEARTH_SETTINGS'].base_url}{path}"


def _message(user: User, *, kind: str, subject: str, text: str, button: str, url: str):
    from scheduler.channels.base import Message

    now = utcnow()
    return Message.to_staff(
        "notice",
        key=f"{kind}-{user.id}-{uuid.uuid4().hex[:12]}",
        name=user.name or user.email,
        email=user.email,
        open_url=url,
        text=text,
        now=now,
        subject=subject,
        button=button,
    )


def _channel():
    from scheduler.channels.email import EmailChannel

    return EmailChannel.from_settings(current_app.config["HEARTH_SETTINGS"].smtp)


def send(user: User, *, kind: str, subject: str, text: str, button: str, url: str):
    """Send one notice now; the DeliveryResult, or None when email is not configured."""
    if not configured():
        return None
    result = _channel().send(
        _message(user, kind=kind, subject=subject, text=text, button=button, url=url)
    )
    if not result.ok:
        log.warning("%s email not sent: %s", kind, result.detail)
    return result


def send_soon(user: User, *, kind: str, subject: str, text: str, button: str, url: str) -> None:
    """Send one notice from a background thread: the page answers at once and takes the same
    time whether or not an email goes out (so its timing tells nobody about an account)."""
    if not configured():
        return
    channel = _channel()
    message = _message(user, kind=kind, subject=subject, text=text, button=button, url=url)

    def deliver():
        result = channel.send(message)
        if not result.ok:
            log.warning("%s email not sent: %s", kind, result.detail)

    threading.Thread(target=deliver, name=f"hearth-mail-{kind}", daemon=True).start()


# One reset at a time per process, so the links-per-hour count is never read twice at once.
_RESETS = threading.Lock()


def reset_soon(email: str) -> None:
    """Look the address up, issue a reset link and email it, all in a background thread: the
    page that asked answers at once and in the same time whether or not the address has an
    account (nothing about it is even read while the page waits)."""
    from care.accounts import credentials
    from care.db import session_scope
    from service import db

    if not configured():
        return
    engine, channel = db.engine(), _channel()
    reset_url = link("/reset?code=")
    minutes = int(credentials.RESET_TTL.total_seconds() // 60)

    def work():
        try:
            with _RESETS, session_scope(engine) as session:
                found = credentials.request_reset(session, email)
                if found is None:
                    return
                user, secret = found
                message = _message(
                    user,
                    kind="reset",
                    subject="Choose a new hearth password",
                    text=RESET.format(minutes=minutes),
                    button="Choose a new password",
                    url=reset_url + secret,
                )
        except Exception:
            log.exception("a password reset could not be prepared")
            return
        result = channel.send(message)
        if not result.ok:
            log.warning("reset email not sent: %s", result.detail)

    threading.Thread(target=work, name="hearth-mail-reset", daemon=True).start()


def address_taken(owner: User, inviter: str, *, soon: bool = False):
    """Tell the owner of an address that a therapist gave it for a new client (see
    care/clients/logins.py); the result as `send` gives it, or None from the background."""
    notice = {
        "kind": "address-taken",
        "subject": f"{inviter} tried to invite you to hearth",
        "text": ADDRESS_TAKEN.format(therapist=inviter),
        "button": "Go to the sign-in page",
        "url": link("/login"),
    }
    return send_soon(owner, **notice) if soon else send(owner, **notice)


def email_change_requested(request) -> None:
    """Send the link for a requested email move to the new address, or, when that address
    has an account, a notice to its owner (in the background, so both answer alike)."""
    if request.owner is not None:
        send_soon(
            request.owner,
            kind="address-in-use",
            subject="Someone asked to use your address in hearth",
            text=ADDRESS_IN_USE,
            button="Go to the sign-in page",
            url=link("/login"),
        )
        return
    send_soon(
        _AtAddress(request.user, request.new),
        kind="confirm-address",
        subject="Confirm your new hearth email",
        text=CONFIRM_ADDRESS,
        button="Use this address",
        url=link(f"/account/email/confirm?code={request.secret}&to={quote(request.new)}"),
    )


SECOND_FACTOR_ON = (
    "A second factor is now on for your hearth account: signing in asks for a code from your "
    "authenticator app, and every other place where you were signed in has been signed out. "
    "If it was not you, tell whoever looks after hearth where you work at once."
)
SECOND_FACTOR_OFF = (
    "The second factor of your hearth account was turned off: signing in asks only for your "
    "password. If it was not you, choose a new password with “Forgot your password?” on the "
    "sign-in page and tell whoever looks after hearth where you work at once."
)
SECOND_FACTOR_RESET = (
    "An admin of hearth reset the second factor of your account (for example after a lost "
    "phone), and you were signed out everywhere. When you next sign in, you set up a new one. "
    "If you did not ask for this, tell whoever looks after hearth where you work."
)


SECOND_FACTOR_REQUIRED = (
    "hearth where you work now asks every therapist and admin for a second factor: a 6-digit "
    "code from an authenticator app on your phone, besides your password. The next time you "
    "open hearth, it shows you how to set it up; it takes a minute. Until then hearth shows "
    "nothing else, and alert emails keep coming as before."
)


def second_factor_required(people) -> None:
    """Tell each staff member without a second factor that one is now asked (background)."""
    for person in people:
        send_soon(
            person,
            kind="second-factor-required",
            subject="hearth now asks for a second factor",
            text=SECOND_FACTOR_REQUIRED,
            button="Set it up",
            url=link("/account/second-factor"),
        )


def second_factor_changed(user: User, *, on: bool | None) -> None:
    """Tell the owner that their second factor was turned on, off (on=False), or reset by an
    admin (on=None), in the background."""
    text = {True: SECOND_FACTOR_ON, False: SECOND_FACTOR_OFF, None: SECOND_FACTOR_RESET}[on]
    send_soon(
        user,
        kind="second-factor",
        subject="The second factor of your hearth account changed",
        text=text,
        button="Go to the sign-in page",
        url=link("/login"),
    )


def password_changed(user: User) -> None:
    """Tell the owner that their password changed (in the background)."""
    send_soon(
        user,
        kind="password-changed",
        subject="Your hearth password was changed",
        text=CHANGED,
        button="Go to the sign-in page",
        url=link("/login"),
    )


def email_changed(user: User, old: str) -> None:
    """Tell the old address that the account's email changed (in the background)."""
    send_soon(
        _AtAddress(user, old),
        kind="email-changed",
        subject="The email of your hearth account was changed",
        text=EMAIL_CHANGED.format(new=user.email),
        button="Go to the sign-in page",
        url=link("/login"),
    )


class _AtAddress:
    """A user as seen at another address (the old one, for the change notice)."""

    def __init__(self, user: User, email: str) -> None:
        self.id, self.name, self.email = user.id, user.name, email
