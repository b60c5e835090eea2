"""Housekeeping before each dispatch call: leases of dead dispatchers are reclaimed, prompts
past their expiry are expired (never sent late), and the dose hears of every miss (R9)."""

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from care.reports import commands as reports
from care.tables import Client, Prompt
from care.types import utcnow
from care.vocab import PromptStatus


def missed_clients(session: Session, now: datetime) -> set[uuid.UUID]:
    """Clients with a sent prompt about to expire unanswered (their dose hears of it, R9)."""
    return set(
        session.exec(
            select(Prompt.client_id).where(
                Prompt.status.in_(PromptStatus.UNOPENED), Prompt.expires_at <= now
            )
        )
    )


def expire_stale(session: Session, now: datetime | None = None) -> int:
    """Prompts never sent before their expiry are expired, never sent late."""
    now = now or utcnow()
    result = session.execute(
        update(Prompt)
        .where(Prompt.status == PromptStatus.PLANNED, Prompt.expires_at <= now)
        .values(status=PromptStatus.EXPIRED, updated_at=now)
    )
    # Sent but never answered before expiry: the client did not practise this time (R9 counts
    # it, kindly). Opened prompts that expire were seen, so they are not misses.
    result2 = session.execute(
        update(Prompt)
        .where(Prompt.status.in_(PromptStatus.UNOPENED), Prompt.expires_at <= now)
        .values(status=PromptStatus.EXPIRED, updated_at=now)
    )
    return (result.rowcount or 0) + (result2.rowcount or 0)


def reclaim(session: Session, now: datetime | None = None) -> int:
    """Rows whose dispatcher died (lease over) go back to 'planned' for another claim."""
    now = now or utcnow()
    result = session.execute(
        update(Prompt)
        .where(Prompt.status == PromptStatus.SENDING, Prompt.lease_until < now)
        .values(status=PromptStatus.PLANNED, claimed_by="", lease_until=None, updated_at=now)
    )
    return result.rowcount or 0


def housekeeping(session: Session, now: datetime) -> int:
    """Reclaim dead leases, expire stale prompts, tell the dose of misses; returns expired."""
    reclaim(session, now)
    missed = missed_clients(session, now)
    expired = expire_stale(session, now)
    session.commit()
    for client_id in missed:
        # A miss is an event for the dose (fewer prompts after three in a row, R9).
        client = session.get(Client, client_id)
        if client is not None:
            reports.decide_and_alert(session, client)
    return expired
