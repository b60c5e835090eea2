"""User accounts: creation, sign-in and invitations."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from care import audit
from care.accounts import sessions as web_sessions
from care.accounts import tokens, totp
from care.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
    weakness,
)
from care.errors import Conflict, Invalid, NotFound
from care.tables import User
from care.vocab import ROLES

INVITATION_TTL = timedelta(days=7)
ADDRESS_HAS_ACCOUNT = (
    "this email address already has a hearth account, so this invitation cannot make another "
    "one. Sign in with the password you have (or use “Forgot your password?” on the sign-in "
    "page); to practise with the therapist who invited you, ask them to use a different "
    "email address"
)


@dataclass(frozen=True)
class Offer:
    """An invitation to hand over: the code (shown or sent once), the name and address it is
    for, and when it ends. `to` is the account an email goes to: the client's login, or, when
    `taken`, the account that already has the address (then the email is a notice, sent as
    often as an invitation would be). Nothing the therapist sees may depend on `taken`."""

    to: User
    name: str
    email: str
    secret: str
    expires_at: datetime
    taken: bool = False


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, so they are stored lower-cased."""
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    """The user with this email, whatever its case."""
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse a password that is short, common or easy to guess, with a sentence that says
    what to do instead."""
    problem = weakness(password, email)
    if problem:
        raise Invalid(problem, field="password")


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    name: str = "",
    password: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> User:
    """Create a user; a duplicate email (in any case) is a conflict."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    if find_by_email(session, email) is not None:
        raise Conflict(
            f"an account with the email {normalise_email(email)} already exists", field="email"
        )
    if password is not None:
        check_password_strength(password, email)
    user = User(
        email=normalise_email(email),
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        actor_id=actor_id,
        target_type="user",
        target_id=user.id,
        detail=f"role={role}",
    )
    return user


def _refused(session: Session, user_id, detail: str = "") -> None:
    # Whoever typed it is unknown: the account is the target, not the actor.
    audit.record(
        session,
        "auth.sign_in",
        actor_id=None,
        target_type="user",
        target_id=user_id or "",
        outcome="denied",
        detail=detail,
    )


def sign_in(session: Session, email: str, password: str) -> User | None:
    """The active user for these credentials, or None; the same answer for every failure. An
    account with a second factor raises CodeNeeded instead (the password was right; nobody is
    signed in yet): the caller goes on with `finish_sign_in` and the code."""
    user = find_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        _refused(session, user.id if user else None)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    if totp.enabled(user):
        raise totp.CodeNeeded(user)
    audit.record(session, "auth.sign_in", actor_id=user.id, target_type="user", target_id=user.id)
    return user


def finish_sign_in(session: Session, user_id: uuid.UUID, code: str) -> User | None:
    """The second step of a sign-in whose password was right (a moment ago on the web's code
    page, or in the same request on the API): the user when their current code is right, else
    None (refused and audited like a wrong password)."""
    user = session.get(User, user_id)
    if user is None or not user.active or not totp.use(session, user, code):
        _refused(session, user_id, "the one-time code was not right")
        return None
    audit.record(session, "auth.sign_in", actor_id=user.id, target_type="user", target_id=user.id)
    return user


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    keep_token: uuid.UUID | None = None,
    keep_session: uuid.UUID | None = None,
) -> None:
    """Set a new password; every other session and token of the account ends with it (every
    way of setting one comes through here, so none can forget)."""
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    end_other_sessions(session, user, keep_token=keep_token, keep_session=keep_session)


def end_other_sessions(
    session: Session,
    user: User,
    *,
    keep_token: uuid.UUID | None = None,
    keep_session: uuid.UUID | None = None,
):
    """End every web session and revoke every token of this account but the one in use: a
    new password, a disabled account or a discharge leaves nothing old working."""
    tokens.revoke_all(session, user.id, keep=keep_token)
    web_sessions.end_all(session, user.id, keep=keep_session)


def invite(session: Session, user: User) -> tuple[str, object]:
    """A one-time invitation with which the user sets their own password."""
    tokens.revoke_all(session, user.id, kind="invite")
    return tokens.issue(session, user, ttl=INVITATION_TTL, kind="invite", label="invitation")


def offer(session: Session, user: User, name: str = "") -> Offer:
    """A new invitation for this user (any earlier one ends), as an offer to hand over."""
    secret, token = invite(session, user)
    return Offer(
        to=user,
        name=name or user.name or user.email,
        email=user.email,
        secret=secret,
        expires_at=token.expires_at,
    )


class ClaimUsed(Conflict):
    """An invitation code handed over for an address that already has an account was used
    (care/clients/logins.py): its holder is told so, and the caller commits (the code is used
    up, like an accepted invitation, and the try is audited); the account stays as it is."""


def _use_claim(session: Session, claim, password: str) -> None:
    owner = session.get(User, claim.user_id)
    # The same checks, in the same order, as a real invitation: a weak password is refused
    # alike, and the code is used up alike, so nothing but a strong password tells the two apart.
    check_password_strength(password, owner.email if owner else "")
    if not tokens.use_up(session, claim):
        raise NotFound("this invitation has just been used; sign in, or ask for a new one")
    audit.record(
        session,
        "auth.accept_invitation",
        actor_id=None,
        target_type="user",
        target_id=claim.user_id,
        outcome="denied",
        detail="an invitation for an address that already has an account",
    )
    raise ClaimUsed(ADDRESS_HAS_ACCOUNT)


def accept_invitation(session: Session, secret: str, password: str) -> User:
    """Set the password for an invitation and use the invitation up."""
    token = tokens.find_valid(session, secret, kind="invite")
    claim = None if token else tokens.find_valid(session, secret, kind="claim")
    if claim is not None:
        _use_claim(session, claim, password)
    if token is None:
        raise NotFound(
            "this invitation is not valid: it may have expired or been used already; "
            "ask your therapist for a new one"
        )
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise NotFound("this invitation is not valid any more; ask your therapist for a new one")
    check_password_strength(password, user.email)  # before the code is used up: retry allowed
    if not tokens.use_up(session, token):
        raise NotFound("this invitation has just been used; sign in, or ask for a new one")
    set_password(session, user, password)
    audit.record(
        session, "auth.accept_invitation", actor_id=user.id, target_type="user", target_id=user.id
    )
    return user


def get_user(session: Session, user_id: uuid.UUID, *, role: str | None = None) -> User:
    """A user by id (optionally of one role), or NotFound."""
    user = session.get(User, user_id)
    if user is None or (role and user.role != role):
        raise NotFound("no such user")
    return user


def update_therapist(session: Session, admin: User, therapist_id, changes: dict) -> User:
    """Rename, disable or enable a therapist (the admin's use case, on the API and the page).

    Disabling revokes their API tokens at once, so their sign-ins and apps stop working; their
    clients' records are kept. Every request is audited, naming what really changed."""
    therapist = get_user(session, therapist_id, role="therapist")
    wanted = {k: v for k, v in changes.items() if k in ("name", "active") and v is not None}
    changed = sorted(k for k, v in wanted.items() if getattr(therapist, k) != v)
    for key in changed:
        setattr(therapist, key, wanted[key])
    if "active" in changed and not therapist.active:
        # Their cookies end too, so enabling them again revives nothing old.
        end_other_sessions(session, therapist)
    session.add(therapist)
    audit.record(
        session,
        "user.update",
        actor_id=admin.id,
        target_type="user",
        target_id=therapist.id,
        detail=",".join(changed),
    )
    return therapist
