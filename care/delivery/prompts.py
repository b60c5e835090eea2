"""Prompts in the care record: the client's inbox, what a therapist sees, and cancellation."""

import uuid
from datetime import datetime

from sqlmodel import Session, select

from care import audit
from care.errors import Conflict, NotFound
from care.tables import Prompt
from care.types import utcnow
from care.vocab import PromptStatus

VISIBLE = PromptStatus.VISIBLE
FINAL = PromptStatus.FINAL


def cancel_planned(
    session: Session, client_id: uuid.UUID, *, reason: str, assignment_id: uuid.UUID | None = None
) -> int:
    """Cancel every prompt not yet sent (a hold, a pause, an ended assignment)."""
    statement = select(Prompt).where(
        Prompt.client_id == client_id, Prompt.status == PromptStatus.PLANNED
    )
    if assignment_id is not None:
        statement = statement.where(Prompt.assignment_id == assignment_id)
    count = 0
    for prompt in session.exec(statement):
        prompt.status = PromptStatus.CANCELLED
        prompt.last_error = reason[:500]
        prompt.updated_at = utcnow()
        session.add(prompt)
        count += 1
    return count


def withdraw_open(session: Session, client_id: uuid.UUID, *, reason: str) -> int:
    """Take prompts already sent but not answered out of the inbox (a safety hold): during a
    hold the inbox offers no practice, and these do not count as missed (R9)."""
    count = 0
    for prompt in session.exec(
        select(Prompt).where(
            Prompt.client_id == client_id,
            # 'sending' too: a dispatcher mid-send then finds its guarded final write refused.
            Prompt.status.in_(PromptStatus.OUT),
        )
    ):
        prompt.status = PromptStatus.CANCELLED
        prompt.last_error = reason[:500]
        prompt.updated_at = utcnow()
        session.add(prompt)
        count += 1
    return count


def inbox(session: Session, client_id: uuid.UUID, now: datetime | None = None) -> list[Prompt]:
    """The client's current prompts: sent, not expired, not completed; newest first."""
    now = now or utcnow()
    statement = (
        select(Prompt)
        .where(
            Prompt.client_id == client_id,
            Prompt.sent_at.is_not(None),
            Prompt.status.in_(PromptStatus.PENDING),
            Prompt.expires_at > now,
        )
        .order_by(Prompt.scheduled_at.desc())
    )
    return list(session.exec(statement))


def own_prompt(session: Session, client_id: uuid.UUID, prompt_id: uuid.UUID) -> Prompt:
    """One of this client's prompts, or NotFound."""
    prompt = session.get(Prompt, prompt_id)
    if prompt is not None and prompt.client_id != client_id:
        audit.record_refusal(
            session,
            "prompt.reach",
            actor_id=None,
            target_type="prompt",
            target_id=prompt.id,
            client_id=prompt.client_id,
        )
    if prompt is None or prompt.client_id != client_id:
        raise NotFound("no prompt with this id among yours")
    return prompt


def mark_opened(session: Session, prompt: Prompt, now: datetime | None = None) -> Prompt:
    """The client (or their app) opened the prompt; opening twice is harmless."""
    now = now or utcnow()
    if prompt.status in (PromptStatus.CANCELLED, PromptStatus.EXPIRED):
        raise Conflict(
            f"this prompt was {prompt.status}; open today's practice from your home page instead"
        )
    if prompt.opened_at is None:
        prompt.opened_at = now
    if prompt.status in (PromptStatus.PLANNED, PromptStatus.SENDING, *PromptStatus.UNOPENED):
        prompt.status = PromptStatus.OPENED
    prompt.updated_at = now
    session.add(prompt)
    return prompt


def mark_completed(
    session: Session,
    client_id: uuid.UUID,
    practice_id: str,
    now: datetime | None = None,
    assignment_id: uuid.UUID | None = None,
) -> Prompt | None:
    """A finished practice answers the newest open prompt of its assignment, or else of the
    same practice (an entry practice done on its own), if any."""
    now = now or utcnow()
    open_prompts = inbox(session, client_id, now)
    candidates = [p for p in open_prompts if assignment_id and p.assignment_id == assignment_id]
    candidates = candidates or [p for p in open_prompts if p.practice_id == practice_id]
    if not candidates:
        return None
    prompt = candidates[0]
    prompt.status = PromptStatus.COMPLETED
    prompt.completed_at = now
    prompt.updated_at = now
    session.add(prompt)
    return prompt
