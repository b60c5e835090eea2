"""A second factor for therapists and admins: setting it up (a key shown once, confirmed by
a first code), turning it off (password and code), an admin's reset for a lost phone, and the
admin's rule that staff must have one. Clients are never asked for one: their account holds
their own practice, and a code step between a person in distress and their crisis resources
would do harm (those resources never need a sign-in)."""

import uuid

import pyotp
from sqlmodel import Session, select

from care import audit
from care.accounts import totp
from care.accounts.passwords import verify_password
from care.accounts.users import end_other_sessions, get_user
from care.errors import Conflict, Invalid
from care.tables import SignInPolicy, User
from care.types import utcnow

STAFF = ("therapist", "admin")
ISSUER = "hearth"
START_AGAIN = "start setting up a second factor (again): no key is waiting for its first code"
WRONG_CODE = "that code is not right: type the 6 digits your authenticator app shows now"


def policy(session: Session) -> SignInPolicy:
    """The deployment's sign-in rules (the defaults until an admin saves them; never written
    by a read)."""
    return session.get(SignInPolicy, 1) or SignInPolicy(id=1)


def required(session: Session, user: User) -> bool:
    """True when this person must use a second factor."""
    return user.role in STAFF and policy(session).second_factor_required


def missing(session: Session, user: User) -> bool:
    """True when this person must use a second factor and has not set one up yet."""
    return required(session, user) and not totp.enabled(user)


def begin(session: Session, user: User) -> str:
    """Start setting up: a new key for the app (any unconfirmed one is replaced)."""
    if user.role not in STAFF:
        raise Invalid("a second factor is for therapists and admins")
    if totp.enabled(user):
        raise Conflict(
            "a second factor is already set up; turn it off first to move it to a new app"
        )
    key = totp.new_key()
    user.totp_secret = totp.seal(key)
    user.totp_confirmed_at = None
    user.totp_step = None
    session.add(user)
    return key


def pending_key(user: User) -> str | None:
    """The key being set up and not yet confirmed; None when there is none, or when it can
    no longer be read (sealed with a server key that is gone): then setting up starts again."""
    if user.totp_secret is None or totp.enabled(user):
        return None
    try:
        return totp.key_of(user)
    except ValueError:
        return None


def app_link(user: User) -> str:
    """The otpauth:// link (and QR code content) that adds the key being set up to an
    authenticator app."""
    key = pending_key(user)
    if key is None:
        raise Conflict(START_AGAIN)
    return pyotp.TOTP(key).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm(
    session: Session,
    user: User,
    password: str,
    code: str,
    *,
    keep_token: uuid.UUID | None = None,
    keep_session: uuid.UUID | None = None,
) -> None:
    """The current password and a first code from the app turn the key on (the password, so
    that a borrowed session cannot tie the account to someone else's phone); every other
    session and token ends (they were opened without it)."""
    key = pending_key(user)
    if key is None:
        raise Conflict(START_AGAIN)
    if not verify_password(user.password_hash, password or ""):
        raise Invalid("the current password is not right", field="current_password")
    step = totp.step_of(key, code)
    if step is None:
        raise Invalid(WRONG_CODE, field="code")
    user.totp_confirmed_at = utcnow()
    user.totp_step = step
    session.add(user)
    end_other_sessions(session, user, keep_token=keep_token, keep_session=keep_session)
    audit.record(
        session, "auth.second_factor_on", actor_id=user.id, target_type="user", target_id=user.id
    )


def _clear(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_step = None
    session.add(user)


def turn_off(session: Session, user: User, password: str, code: str) -> None:
    """Turn one's own second factor off (the password and a current code); refused while the
    deployment requires one."""
    if not totp.enabled(user):
        raise Conflict("no second factor is set up")
    if required(session, user):
        raise Conflict(
            "this hearth asks every therapist and admin for a second factor, so it stays on; "
            "for a new phone, ask an admin to reset it"
        )
    if not verify_password(user.password_hash, password or ""):
        raise Invalid("the current password is not right", field="current_password")
    if not totp.use(session, user, code):
        raise Invalid(WRONG_CODE, field="code")
    _clear(session, user)
    audit.record(
        session, "auth.second_factor_off", actor_id=user.id, target_type="user", target_id=user.id
    )


def reset(session: Session, admin: User | None, user_id: uuid.UUID) -> User:
    """An admin (or the operator on the command line, `admin` None) clears a therapist's or
    admin's second factor (a lost phone): every session and token of theirs ends, and they set
    up a new one after their next sign-in."""
    user = get_user(session, user_id)
    if user.role not in STAFF:
        raise Invalid("only therapists and admins have a second factor")
    _clear(session, user)
    end_other_sessions(session, user)
    audit.record(
        session,
        "auth.second_factor_reset",
        actor_id=admin.id if admin else None,
        target_type="user",
        target_id=user.id,
    )
    return user


def staff_without(session: Session) -> list[User]:
    """Active therapists and admins who have no second factor yet (to be told it is asked)."""
    statement = select(User).where(User.role.in_(STAFF), User.active)
    return [user for user in session.exec(statement) if not totp.enabled(user)]


def set_required(session: Session, admin: User, value: bool) -> bool:
    """The admin's rule: therapists and admins must use a second factor (or may). An admin
    who has none yet sets up their own first, so the rule cannot lock them out. True when the
    rule changed (saving it again as it was tells nobody anything new)."""
    if value and not totp.enabled(admin):
        raise Conflict(
            "set up your own second factor first (Password and email, then Second factor); "
            "then you can ask it of everyone",
            field="second_factor_required",
        )
    row = session.get(SignInPolicy, 1) or SignInPolicy(id=1)
    changed = row.second_factor_required != value
    row.second_factor_required = value
    row.updated_at = utcnow()
    row.updated_by = admin.id
    session.add(row)
    if changed:
        audit.record(
            session,
            "policy.second_factor",
            actor_id=admin.id,
            target_type="policy",
            target_id="sign_in",
            detail="required for therapists and admins" if value else "optional",
        )
    return changed
