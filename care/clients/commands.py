"""Clients of a therapist: create, read, update, list, each scoped to the caller's tenancy."""

import uuid

from sqlmodel import Session, select

from care import audit
from care.assignments import commands as assignments
from care.assignments import gates
from care.clients import logins
from care.dose import commands as dose_commands
from care.dose import record as dose
from care.dose.events import SETTINGS_FIELDS
from care.errors import Invalid, NotFound
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
) -> tuple[Client, logins.Offer | None]:
    """Create a client of this therapist; with an email, also a login and an invitation (the
    same answer whether or not another account has the address: see logins)."""
    # Attributes, not model_dump(): the dump would turn times into their "HH:MM" strings.
    fields = {k: getattr(data, k) for k in data.model_fields_set if k != "email"}
    fields.setdefault("timezone", data.timezone)
    client = Client(therapist_id=therapist.id, display_name=data.display_name)
    # The first settings are checked as a whole by the policy's own rules, like every change.
    dose_commands.check(client, {k: v for k, v in fields.items() if v is not None})
    _apply(client, {k: v for k, v in fields.items() if v is not None})
    _check_quiet_hours(client)
    offer = None
    if data.email:
        offer = logins.give_login(session, therapist, client, data.email)
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
    return client, offer


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
    "spoken_name",
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
