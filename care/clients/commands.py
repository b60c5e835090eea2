"""Clients of a therapist: create, read, update, list, each scoped to the caller's tenancy."""

import uuid

from sqlmodel import Session, select

from care import audit
from care.accounts import users as accounts
from care.assignments import commands as assignments
from care.assignments import gates
from care.dose import commands as dose_commands
from care.dose import record as dose
from care.dose.events import SETTINGS_FIELDS
from care.errors import Conflict, Invalid, NotFound
from care.paging import Page, paginate, parse_time_and_id
from care.schemas import ClientCreate, ClientUpdate
from care.tables import Client, User
from care.types import utcnow
from care.vocab import CLINICAL_FLAGS
from practices import Library


def _check_quiet_hours(client: Client) -> None:
    quiet = (client.quiet_start, client.quiet_end)
    problems = []
    if (quiet[0] is None) != (quiet[1] is None):
        problems.append(
            (
                "quiet_end" if quiet[1] is None else "quiet_start",
                "set both ends of the quiet hours, or leave both empty",
            )
        )
    elif quiet[0] is not None and quiet[0] == quiet[1]:
        problems.append(
            (
                "quiet_end",
                "quiet hours that start and end at the same time would cover the whole day; "
                "leave some hours free for practice",
            )
        )
    if problems:
        raise Invalid("; ".join(message for _, message in problems), problems=problems)


def _apply(client: Client, fields: dict) -> list[str]:
    changed = []
    for key, value in fields.items():
        attr = f"flag_{key}" if key in CLINICAL_FLAGS else key
        if getattr(client, attr) != value:
            setattr(client, attr, value)
            changed.append(key)
    return changed


def create_client(
    session: Session, therapist: User, data: ClientCreate
) -> tuple[Client, str | None]:
    """Create a client of this therapist; with an email, also a login and an invitation."""
    # Attributes, not model_dump(): the dump would turn times into their "HH:MM" strings.
    fields = {k: getattr(data, k) for k in data.model_fields_set if k != "email"}
    fields.setdefault("timezone", data.timezone)
    client = Client(therapist_id=therapist.id, display_name=data.display_name)
    # The first settings are checked as a whole by the policy's own rules, like every change.
    dose_commands.check(client, {k: v for k, v in fields.items() if v is not None})
    _apply(client, {k: v for k, v in fields.items() if v is not None})
    _check_quiet_hours(client)
    secret = None
    if data.email:
        _, secret = give_login(session, therapist, client, data.email)
    session.add(client)
    session.flush()
    # The first dose settings are part of the record: later changes apply from their own time
    # on and never re-read the past (a raised crisis threshold must not undo an earlier hold).
    dose.record_settings(session, client, therapist.id, note="settings at creation")
    # The cached dose starts where the settings say (the planner reads the cache).
    dose.decide(session, client)
    audit.record(
        session,
        "client.create",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return client, secret


def give_login(
    session: Session, therapist: User, client: Client, email: str, *, password: str | None = None
) -> tuple[User, str | None]:
    """A client login for this client record: with a password it works at once, without one
    the client sets theirs through the invitation returned (shown once). The same for the API,
    the command line and the demo."""
    if client.user_id is not None:
        raise Conflict("this client already has a login")
    user = accounts.create_user(
        session,
        email=email,
        role="client",
        name=client.display_name,
        password=password,
        actor_id=therapist.id,
    )
    client.user_id = user.id
    session.add(client)
    secret = None if password else accounts.invite(session, user)[0]
    return user, secret


class RefusedInvitation(Conflict):
    """A new invitation for a client who has a password: refused, and worth an audit entry
    of its own (`note_refused`), since it would hand over their login."""


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


def reinvite(session: Session, therapist: User, client_id: uuid.UUID):
    """A new invitation for a client who has a login (any earlier one stops working); 409 for
    a client without one. Returns (secret, token); the secret is shown once."""
    client = get_for_therapist(session, therapist, client_id)
    if client.discharged_at is not None:
        raise Conflict("this client is discharged; readmit them first")
    if client.user_id is None:
        raise Conflict("this client has no login; add an email to the client first")
    user = accounts.get_user(session, client.user_id)
    if user.password_hash is not None:
        # A new invitation would let whoever holds it set the client's password.
        raise RefusedInvitation(
            "this client has already chosen a password, so there is no invitation to send; "
            "if they forgot it, they can use “Forgot your password?” on the sign-in page"
        )
    secret, token = accounts.invite(session, user)
    audit.record(
        session,
        "client.invite",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return secret, token


def change_login_email(
    session: Session, therapist: User, client: Client, email: str | None
) -> str | None:
    """Give the client a login at this email, or move their login to it. A login that has no
    password yet gets a fresh invitation (returned, shown or sent once); the old one ends."""
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
    if current is None:
        return give_login(session, therapist, client, email)[1]
    if accounts.find_by_email(session, email) is not None:
        raise Conflict(
            "this email cannot be used for this client's login; please use another address",
            field="email",
        )
    user = accounts.get_user(session, client.user_id)
    if user.password_hash is not None:
        # Moving a login that has a password would let whoever reads the new address reset
        # it: only its owner changes it (with their password, on their account page).
        raise Conflict(
            "this client signs in with this address and has chosen a password, so only they "
            "can change it, on their Password and email page",
            field="email",
        )
    user.email = email
    session.add(user)
    audit.record(
        session,
        "client.email",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return accounts.invite(session, user)[0] if user.password_hash is None else None


def update_client(
    session: Session,
    therapist: User,
    client_id: uuid.UUID,
    data: ClientUpdate,
    library: Library | None = None,
):
    """Apply a partial update; the record is unchanged when any rule is broken."""
    client = get_for_therapist(session, therapist, client_id)
    fields = {k: getattr(data, k) for k in data.model_fields_set}
    nulls = [
        k
        for k, v in fields.items()
        if v is None
        and k
        not in (
            "quiet_start",
            "quiet_end",
            "script_name",
            "spoken_name",
            "touch_alternative",
            "voice",
            "speech_rate",
            "speech_pitch",
        )
    ]
    if nulls:
        raise Invalid(
            f"{nulls[0]} cannot be null; leave it out to keep the current value", field=nulls[0]
        )
    # Check the whole result first (dose settings by the policy's own rules), then save.
    dose_fields = {k: v for k, v in fields.items() if k in SETTINGS_FIELDS or k == "timezone"}
    dose_commands.check(client, dose_fields)
    changed = _apply(client, {k: v for k, v in fields.items() if k not in SETTINGS_FIELDS})
    try:
        _check_quiet_hours(client)
    except Invalid:
        session.expire(client)
        raise
    changed += dose_commands.apply(session, therapist, client, dose_fields)
    if changed:
        client.updated_at = utcnow()
        session.add(client)
        if set(changed) & {*CLINICAL_FLAGS, "yang_ready"}:
            _pause_gated(session, client, therapist, library)
        audit.record(
            session,
            "client.update",
            actor_id=therapist.id,
            target_type="client",
            target_id=client.id,
            client_id=client.id,
            detail=",".join(sorted(changed)),
        )
    return client


OWN_SETTINGS = (
    "script_name",
    "touch_alternative",
    "timezone",
    "quiet_start",
    "quiet_end",
    "voice",
    "speech_rate",
    "email_prompts",
    "reminders",
)


def change_own_settings(session: Session, user: User, client: Client, fields: dict) -> list[str]:
    """A client changes their own settings (time zone, quiet hours, channels, voice, the name
    the scripts use): the same command for the settings page and the app. Nothing clinical is
    among them. The whole result is checked before anything is kept; returns what changed."""
    unknown = sorted(set(fields) - set(OWN_SETTINGS))
    if unknown:
        raise Invalid(f"{unknown[0]} is not one of your settings", field=unknown[0])
    for name in ("timezone", "email_prompts", "reminders"):
        if name in fields and fields[name] is None:
            raise Invalid(f"{name} cannot be empty; leave it out to keep it", field=name)
    changed = [name for name, value in fields.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, fields[name])
    try:
        _check_quiet_hours(client)
    except Invalid:
        session.expire(client)
        raise
    if changed:
        client.updated_at = utcnow()
        session.add(client)
    audit.record(
        session,
        "client.settings",
        actor_id=user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=",".join(sorted(changed)),
    )
    return changed


def _pause_gated(
    session: Session, client: Client, therapist: User, library: Library | None
) -> None:
    # A new flag makes gated practices unsafe (R1), and readiness withdrawn makes fierce ones
    # unsafe (R8): pause them rather than leave them running.
    from practices import default_library

    library = library or default_library()
    for assignment in assignments.for_client(session, client.id, include_paused=False):
        practice = (
            library.get(assignment.practice_id) if assignment.practice_id in library else None
        )
        # A practice this library does not know cannot be checked: pause it too (fail closed).
        if practice is None or gates.gate_problem(practice, client):
            assignment.active = False
            session.add(assignment)
            audit.record(
                session,
                "assignment.pause",
                actor_id=therapist.id,
                target_type="assignment",
                target_id=assignment.id,
                client_id=client.id,
                detail="gated practice paused after a flag or readiness change (R1, R8)",
            )


def get_for_therapist(session: Session, therapist: User, client_id: uuid.UUID) -> Client:
    """A client of this therapist; anyone else's answers NotFound, as if it did not exist."""
    client = session.get(Client, client_id)
    if client is not None and client.therapist_id != therapist.id:
        audit.record_refusal(
            session,
            "client.reach",
            actor_id=therapist.id,
            target_type="client",
            target_id=client.id,
            client_id=client.id,
        )
    if client is None or client.therapist_id != therapist.id:
        raise NotFound("no client with this id among your clients")
    audit.note_access(client.id)
    return client


def for_user(session: Session, user: User) -> Client | None:
    """The client record that belongs to a client login."""
    client = session.exec(select(Client).where(Client.user_id == user.id)).first()
    if client is not None:
        audit.note_access(client.id)
    return client


def list_for_therapist(
    session: Session, therapist: User, *, limit: int, cursor: str | None
) -> Page:
    """A page of this therapist's clients, oldest first."""
    statement = select(Client).where(Client.therapist_id == therapist.id)
    page = paginate(
        session,
        statement,
        [Client.created_at, Client.id],
        limit=limit,
        cursor=cursor,
        parse=parse_time_and_id,
    )
    for client in page.items:
        audit.note_access(client.id)
    return page


def login_of(session: Session, client: Client) -> User | None:
    """The client's login, if they have one."""
    return session.get(User, client.user_id) if client.user_id else None


def login_email(session: Session, client: Client) -> str | None:
    """The email of the client's login, if they have one."""
    user = login_of(session, client)
    return user.email if user else None


def login_state(client: Client, user: User | None) -> str:
    """none (no login), invited (no password chosen yet), active, or ended (discharged)."""
    if user is None:
        return "none"
    if client.discharged_at is not None:
        return "ended"
    return "invited" if user.password_hash is None else "active"
