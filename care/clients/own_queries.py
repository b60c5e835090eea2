"""What a client's own pages read about their practice: what they finished today, whether they
have ever finished one, their recent sessions, the days they practised in a month (never a
streak), and one of their own assignments or sessions by id.

Plain data for the pages; each read is scoped to the signed-in client's own record."""

import uuid
from datetime import date, datetime

from sqlmodel import Session, select

from care.errors import NotFound
from care.tables import Assignment, Client, PracticeSession
from care.vocab import SessionStatus


def finished_since(session: Session, client: Client, since: datetime) -> set[uuid.UUID]:
    """The assignments the client finished a practice of since `since` (e.g. local midnight)."""
    return set(
        session.exec(
            select(PracticeSession.assignment_id).where(
                PracticeSession.client_id == client.id,
                PracticeSession.status == SessionStatus.FINISHED,
                PracticeSession.finished_at >= since,
            )
        )
    )


def has_practised(session: Session, client: Client) -> bool:
    """Whether the client has ever finished a practice."""
    found = session.exec(
        select(PracticeSession.id)
        .where(
            PracticeSession.client_id == client.id,
            PracticeSession.status == SessionStatus.FINISHED,
        )
        .limit(1)
    ).first()
    return found is not None


def recent_sessions(session: Session, client: Client, limit: int) -> list[PracticeSession]:
    """The client's latest `limit` practice sessions, oldest first."""
    rows = list(
        session.exec(
            select(PracticeSession)
            .where(PracticeSession.client_id == client.id)
            .order_by(PracticeSession.started_at.desc(), PracticeSession.id)
            .limit(limit)
        )
    )
    rows.reverse()
    return rows


def practised_days(
    session: Session, client: Client, start: datetime, end: datetime, zone
) -> set[date]:
    """The client's local dates with a finished practice in [start, end)."""
    finished = session.exec(
        select(PracticeSession.finished_at).where(
            PracticeSession.client_id == client.id,
            PracticeSession.status == SessionStatus.FINISHED,
            PracticeSession.finished_at >= start,
            PracticeSession.finished_at < end,
        )
    )
    return {moment.astimezone(zone).date() for moment in finished}


def own_assignment(
    session: Session, client: Client, assignment_id: uuid.UUID, offered
) -> Assignment:
    """One of the client's current assignments whose practice is offered, or NotFound."""
    assignment = session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.client_id != client.id
        or assignment.deleted_at is not None
        or assignment.practice_id not in offered
    ):
        raise NotFound("this practice is not among the ones your therapist has shared with you")
    return assignment


def own_session(session: Session, client: Client, session_id: uuid.UUID) -> PracticeSession:
    """One of the client's practice sessions, or NotFound."""
    row = session.get(PracticeSession, session_id)
    if row is None or row.client_id != client.id:
        raise NotFound("no practice with this address among yours")
    return row


def assignment_note(session: Session, row: PracticeSession) -> str:
    """The therapist's note on the assignment a session belongs to ("" if none)."""
    if row.assignment_id is None:
        return ""
    assignment = session.get(Assignment, row.assignment_id)
    return assignment.note if assignment is not None else ""
