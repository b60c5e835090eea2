"""The client's private calendar feed in the care record: make a secret feed (any earlier one
stops working), turn it off, find it by its secret, and the prompts it shows."""

import hashlib
import secrets as pysecrets
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from care.errors import NotFound
from care.tables import CalendarFeed, Prompt
from care.types import utcnow
from care.vocab import PromptStatus

# Prompts still ahead of the client (or open now) are on the calendar; finished ones are not.
ON_CALENDAR = PromptStatus.PENDING


def token_hash(token: str) -> str:
    """The stored form of a feed's secret; the secret itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def revoke_feeds(session: Session, client_id: uuid.UUID) -> None:
    """Every feed URL the client made so far stops working."""
    for feed in session.exec(
        select(CalendarFeed).where(
            CalendarFeed.client_id == client_id, CalendarFeed.revoked_at.is_(None)
        )
    ):
        feed.revoked_at = utcnow()
        session.add(feed)


def create_feed(session: Session, client_id: uuid.UUID) -> str:
    """A new private feed for the client, revoking earlier ones; returns its secret (shown once)."""
    revoke_feeds(session, client_id)
    token = pysecrets.token_urlsafe(32)
    session.add(CalendarFeed(client_id=client_id, token_hash=token_hash(token)))
    return token


def feed_by_token(session: Session, token: str) -> CalendarFeed:
    """The working feed with this secret; NotFound for an unknown or revoked one."""
    feed = session.exec(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        raise NotFound("this calendar link does not work any more; make a new one in settings")
    return feed


def upcoming_prompts(session: Session, client_id: uuid.UUID, now: datetime) -> list[Prompt]:
    """The client's prompts on the calendar: not finished, from a day before `now`, in order."""
    return list(
        session.exec(
            select(Prompt)
            .where(
                Prompt.client_id == client_id,
                Prompt.scheduled_at >= now - timedelta(days=1),
                Prompt.status.in_(ON_CALENDAR),
            )
            .order_by(Prompt.scheduled_at)
        )
    )
