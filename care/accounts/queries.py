"""What the admin's pages read about accounts: every therapist with their number of clients."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from care.tables import Client, User


@dataclass(frozen=True)
class TherapistSummary:
    """A therapist account and how many clients it holds."""

    user: User
    clients: int


def therapists(session: Session) -> list[TherapistSummary]:
    """Every therapist with their number of clients, oldest account first."""
    accounts = session.exec(
        select(User).where(User.role == "therapist").order_by(User.created_at, User.id)
    )
    counts = dict(
        session.exec(select(Client.therapist_id, func.count()).group_by(Client.therapist_id)).all()
    )
    return [TherapistSummary(user, counts.get(user.id, 0)) for user in accounts]
