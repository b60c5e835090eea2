"""A client's login as their therapist manages it: the address, the invitation, its state.

An address that already belongs to another account is never revealed to the therapist: that
would tell them a person is in therapy elsewhere, or works here. The client is shown as
invited at that address like any other (`pending_email`), the code handed over looks like an
invitation but only tells whoever uses it that the address has an account, the account's owner
is told by email (by the caller, with `Offer.taken`), and the conflict is audited for the
admin, never in the client's own record."""

import uuid

from sqlalchemy import delete
from sqlmodel import Session

from care import audit
from care.accounts import tokens
from care.accounts import users as accounts
from care.accounts.users import Offer
from care.errors import Conflict, Invalid
from care.tables import ApiToken, Client, User, WebSession


class RefusedInvitation(Conflict):
    """A new invitation for a client who has a password: refused, and worth an audit entry
    of its own (`note_refused`), since it would hand over their login."""


def claim_label(client: Client) -> str:
    """The label of the codes handed over for this client's pending address."""
    return f"claim {client.id}"


def _pending_of(client: Client, user: User | None) -> str | None:
    # A login with a password is the client's own: no address given later can stand for it.
    if user is not None and user.password_hash is not None:
        return None
    return client.pending_email


def login_of(session: Session, client: Client) -> User | None:
    """The client's login, if they have one."""
    return session.get(User, client.user_id) if client.user_id else None


def login_email(session: Session, client: Client) -> str | None:
    """The address the therapist sees for the client's login (the one they gave)."""
    user = login_of(session, client)
    return _pending_of(client, user) or (user.email if user else None)


def mail_address(client: Client, user: User | None) -> str | None:
    """Where the client's own emails (prompts, reminders) go: the address of an active login
    they have taken up (a password chosen). Before that, nowhere: their emails would lead to
    pages they cannot open yet, and a fresh address must look like a taken one (scheduler/
    dispatch/batch.py decides the same in its query)."""
    if user is None or not user.active or user.password_hash is None or _pending_of(client, user):
        return None
    return user.email


def login_state(client: Client, user: User | None) -> str:
    """none (no login), invited (no password chosen yet), active, or ended (discharged)."""
    pending = _pending_of(client, user)
    if user is None and pending is None:
        return "none"
    if client.discharged_at is not None:
        return "ended"
    return "invited" if pending or user.password_hash is None else "active"


def _invitation(session: Session, client: Client, user: User) -> Offer:
    return accounts.offer(session, user, client.display_name)


def _taken(session: Session, therapist: User, client: Client, owner: User, email: str) -> Offer:
    """Keep the address as given and hand over a claim that looks like an invitation."""
    client.pending_email = accounts.normalise_email(email)
    session.add(client)
    tokens.revoke_labelled(session, "claim", claim_label(client))
    secret, token = tokens.issue(
        session, owner, ttl=accounts.INVITATION_TTL, kind="claim", label=claim_label(client)
    )
    # For the admin only: no client_id, so the therapist's view of the record does not show it.
    audit.record(
        session,
        "client.email_taken",
        actor_id=therapist.id,
        target_type="user",
        target_id=owner.id,
        detail=f"an address of this account was given for client {client.id}",
    )
    return Offer(
        to=owner,
        name=client.display_name,
        email=client.pending_email,
        secret=secret,
        expires_at=token.expires_at,
        taken=True,
    )


def end_claims(session: Session, client: Client) -> None:
    """The codes handed over for the client's pending address stop working."""
    tokens.revoke_labelled(session, "claim", claim_label(client))


def give_login(
    session: Session, therapist: User, client: Client, email: str, *, password: str | None = None
) -> Offer | None:
    """A client login for this client record: with a password (the command line and the demo,
    run by the operator) it works at once, and a taken address is a plain conflict; without
    one the client sets theirs through the invitation returned."""
    if client.user_id is not None:
        raise Conflict("this client already has a login")
    owner = accounts.find_by_email(session, email)
    if owner is not None and password is None:
        return _taken(session, therapist, client, owner, email)
    user = accounts.create_user(
        session,
        email=email,
        role="client",
        name=client.display_name,
        password=password,
        actor_id=therapist.id,
    )
    client.user_id = user.id
    client.pending_email = None
    end_claims(session, client)
    session.add(client)
    return None if password else _invitation(session, client, user)


def note_refused(session: Session, therapist: User, client_id: uuid.UUID) -> None:
    """Audit a refused invitation; the caller commits it after rolling back the request."""
    audit.record(
        session,
        "client.invite",
        actor_id=therapist.id,
        target_type="client",
        target_id=client_id,
        client_id=client_id,
        outcome="denied",
        detail="the client has already chosen a password",
    )


def reinvite(session: Session, therapist: User, client: Client) -> Offer:
    """A new invitation for a client who has a login or an address (any earlier one stops
    working); 409 for a client without either, and for one who has chosen a password."""
    if client.discharged_at is not None:
        raise Conflict("this client is discharged; readmit them first")
    user = login_of(session, client)
    pending = _pending_of(client, user)
    if user is None and pending is None:
        raise Conflict("this client has no login; add an email to the client first")
    if pending is None and user.password_hash is not None:
        # A new invitation would let whoever holds it set the client's password.
        raise RefusedInvitation(
            "this client has already chosen a password, so there is no invitation to send; "
            "if they forgot it, they can use “Forgot your password?” on the sign-in page"
        )
    offer = _to_address(session, therapist, client, user, pending) if pending else None
    offer = offer or _invitation(session, client, user)
    audit.record(
        session,
        "client.invite",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return offer


def _to_address(
    session: Session, therapist: User, client: Client, user: User | None, email: str
) -> Offer:
    """Point the client's login (made now if there is none) at this address: a fresh
    invitation when the address is free, a claim when another account has it."""
    owner = accounts.find_by_email(session, email)
    if user is None:
        return give_login(session, therapist, client, email)
    if owner is not None and owner.id != user.id:
        _drop_unused_login(session, client, user)
        return _taken(session, therapist, client, owner, email)
    user.email = accounts.normalise_email(email)
    session.add(user)
    client.pending_email = None
    end_claims(session, client)
    session.add(client)
    return _invitation(session, client, user)


def _drop_unused_login(session: Session, client: Client, user: User) -> None:
    """A login that was never used (no password yet) goes when its client's address moves to
    one another account has: the old address must lose its way in (a reset link to it would
    otherwise set a password), as it does when a login moves to a free address."""
    client.user_id = None
    session.add(client)
    session.flush()
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.delete(user)
    session.flush()


def change_login_email(
    session: Session, therapist: User, client: Client, email: str | None
) -> Offer | None:
    """Give the client a login at this email, or move their login to it. A login that has no
    password yet gets a fresh invitation (returned, shown or sent once); the old one ends.
    An address another account has is kept as the client's pending address (see above)."""
    email = accounts.normalise_email(email or "")
    current = login_email(session, client)
    if email == (current or ""):
        return None
    if client.discharged_at is not None:
        raise Conflict("this client is discharged; readmit them first", field="email")
    if not email:
        raise Invalid(
            "a client who has a login keeps an email address; to end their access, discharge them",
            field="email",
        )
    user = login_of(session, client)
    if user is not None and user.password_hash is not None:
        # Moving a login that has a password would let whoever reads the new address reset
        # it: only its owner changes it (with their password, on their account page).
        raise Conflict(
            "this client signs in with this address and has chosen a password, so only they "
            "can change it, on their Password and email page",
            field="email",
        )
    offer = _to_address(session, therapist, client, user, email)
    if current is not None:  # a move (from a login's address or a pending one), not a first
        audit.record(
            session,
            "client.email",
            actor_id=therapist.id,
            target_type="client",
            target_id=client.id,
            client_id=client.id,
        )
    return offer
