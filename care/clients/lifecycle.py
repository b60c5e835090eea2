"""A client's course of practice over time: a break (a holiday, with no prompts and nothing
counted as missed), discharge at the end of therapy (access and prompts end, the record stays
for export until the therapist erases it) and readmission."""

import uuid
from datetime import date, timedelta

from sqlmodel import Session, select

from care import audit
from care.accounts.users import end_other_sessions
from care.assignments import commands as assignments
from care.clients import logins
from care.clients.commands import get_for_therapist
from care.delivery import calendar, prompts
from care.errors import Conflict, Invalid
from care.tables import Alert, Client, User
from care.types import utcnow
from care.vocab import ALERT_OPEN

LONGEST_BREAK = timedelta(days=183)
DISCHARGED = "discharged: practice ended"


def on_break(client: Client, day: date) -> bool:
    """True when the client's practice break covers this local date (both ends included)."""
    return (
        client.break_start is not None
        and client.break_end is not None
        and client.break_start <= day <= client.break_end
    )


def break_problems(start: date | None, end: date | None, today: date) -> list[tuple[str, str]]:
    """What is wrong with a break from `start` to `end` (local dates), as (field, sentence)."""
    problems = []
    if start is None:
        problems.append(("break_start", "choose the first day of the break"))
    if end is None:
        problems.append(("break_end", "choose the last day of the break"))
    if problems:
        return problems
    if end < start:
        problems.append(("break_end", "the last day must be on or after the first day"))
    elif end < today:
        problems.append(("break_end", "this break would be over already; choose a later day"))
    elif end - start > LONGEST_BREAK:
        problems.append(
            (
                "break_end",
                f"a break can last at most {LONGEST_BREAK.days} days; "
                "for a longer pause, discharge the client and readmit them later",
            )
        )
    return problems


def set_break(
    session: Session, therapist: User, client_id: uuid.UUID, start, end, today: date
) -> Client:
    """Pause every prompt from `start` to `end` (the client's local dates). Holds, alerts and
    the dose are untouched: a client may still practise, and a crisis rating still holds."""
    client = get_for_therapist(session, therapist, client_id)
    _not_discharged(client)
    problems = break_problems(start, end, today)
    if problems:
        raise Invalid("; ".join(text for _, text in problems), problems=problems)
    client.break_start, client.break_end = start, end
    client.updated_at = utcnow()
    session.add(client)
    audit.record(
        session,
        "client.break",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=f"{start.isoformat()}..{end.isoformat()}",
    )
    return client


def end_break(session: Session, therapist: User, client_id: uuid.UUID) -> Client:
    """End (or call off) the client's break; prompts are planned again from now."""
    client = get_for_therapist(session, therapist, client_id)
    if client.break_start is None:
        raise Conflict("this client has no practice break to end")
    client.break_start = client.break_end = None
    client.updated_at = utcnow()
    session.add(client)
    audit.record(
        session,
        "client.break_end",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return client


def open_alerts(session: Session, client: Client) -> int:
    """How many alerts about this client are still open."""
    rows = session.exec(
        select(Alert.id).where(Alert.client_id == client.id, Alert.status == ALERT_OPEN)
    )
    return len(rows.all())


def discharge(session: Session, therapist: User, client_id: uuid.UUID) -> Client:
    """End a client's practice at the end of therapy: their sign-in, sessions and tokens stop,
    prompts stop and assignments pause; the record stays (export, erase). Refused while an
    alert about them is open, so discharge never hides one."""
    client = get_for_therapist(session, therapist, client_id)
    _not_discharged(client)
    count = open_alerts(session, client)
    if count:
        raise Conflict(
            f"there {'is' if count == 1 else 'are'} {count} open alert{'s' if count != 1 else ''} "
            "about this client; read and acknowledge them before discharging"
        )
    now = utcnow()
    client.discharged_at = now
    client.updated_at = now
    session.add(client)
    if client.user_id is not None:
        user = session.get(User, client.user_id)
        if user is not None:
            user.active = False
            end_other_sessions(session, user)
    for assignment in assignments.for_client(session, client.id, include_paused=False):
        assignment.active = False
        session.add(assignment)
    prompts.cancel_planned(session, client.id, reason=DISCHARGED)
    prompts.withdraw_open(session, client.id, reason=DISCHARGED)
    calendar.revoke_feeds(session, client.id)  # the private calendar URL ends with access
    logins.end_claims(session, client)  # codes handed over for a pending address end too
    audit.record(
        session,
        "client.discharge",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return client


def readmit(session: Session, therapist: User, client_id: uuid.UUID) -> Client:
    """Undo a discharge: the client can sign in again (with their password). Assignments stay
    paused until the therapist resumes them, each through its safety gates."""
    client = get_for_therapist(session, therapist, client_id)
    if client.discharged_at is None:
        raise Conflict("this client is not discharged")
    client.discharged_at = None
    client.updated_at = utcnow()
    session.add(client)
    if client.user_id is not None:
        user = session.get(User, client.user_id)
        if user is not None:
            user.active = True
            session.add(user)
    audit.record(
        session,
        "client.readmit",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    return client


def _not_discharged(client: Client) -> None:
    if client.discharged_at is not None:
        raise Conflict("this client is discharged; readmit them first")
