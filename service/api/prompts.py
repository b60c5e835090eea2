"""Prompts over HTTP: the client's inbox (and opening a prompt) and the therapist's view of a
client's prompts."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import select

from care.clients import commands as clients
from care.delivery import prompts
from care.tables import Client, Prompt, User
from care.types import utcnow
from care.vocab import PromptStatus
from service import db
from service.api import api
from service.api.framework import CLIENT, THERAPIST
from service.api.me_reports import own_record
from service.api.schemas import ListQuery, Page, local_time, slice_page
from service.library import library


class PromptOut(BaseModel):
    """A prompt as the client or therapist sees it."""

    id: uuid.UUID
    practice_id: str
    practice_title: str
    level: int
    minutes: int
    substituted: bool
    status: str
    scheduled_at: datetime
    local_time: str
    expires_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    completed_at: datetime | None
    assignment_id: uuid.UUID
    last_error: str | None = None


def prompt_out(prompt: Prompt, client: Client, *, therapist: bool = False) -> PromptOut:
    """The view of one prompt (delivery errors only for the therapist)."""
    lib = library()
    practice = lib.get(prompt.practice_id) if prompt.practice_id in lib else None
    return PromptOut(
        id=prompt.id,
        practice_id=prompt.practice_id,
        practice_title=practice.title if practice else prompt.practice_id,
        level=prompt.level,
        # A practice since removed from the library is shown as one minute long.
        minutes=practice.variant(practice.level_near(prompt.level)).minutes if practice else 1,
        substituted=prompt.substituted,
        status=prompt.status,
        scheduled_at=prompt.scheduled_at,
        local_time=local_time(prompt.scheduled_at, client.timezone),
        expires_at=prompt.expires_at,
        sent_at=prompt.sent_at,
        opened_at=prompt.opened_at,
        completed_at=prompt.completed_at,
        assignment_id=prompt.assignment_id,
        last_error=(prompt.last_error or None) if therapist else None,
    )


@api.operation(
    "GET",
    "/me/prompts",
    summary="My inbox",
    tags=["me"],
    roles=CLIENT,
    query=ListQuery,
    response=Page[PromptOut],
)
def my_prompts(user: User, query: ListQuery):
    """Prompts that have arrived and are still open, newest first."""
    client = own_record(user)
    rows = prompts.inbox(db.session(), client.id)
    page, cursor = slice_page(rows, query, lambda p: p.id)
    return Page[PromptOut](items=[prompt_out(p, client) for p in page], next_cursor=cursor)


@api.operation(
    "POST",
    "/me/prompts/{prompt_id}/opened",
    summary="Mark a prompt opened",
    tags=["me"],
    roles=CLIENT,
    response=PromptOut,
    errors=(409,),
)
def open_prompt(user: User, prompt_id: uuid.UUID):
    """Apps call this when the client opens the prompt; calling it again changes nothing."""
    client = own_record(user)
    session = db.session()
    prompt = prompts.mark_opened(session, prompts.own_prompt(session, client.id, prompt_id))
    session.commit()
    return prompt_out(prompt, client)


class PromptQuery(ListQuery):
    """Which of a client's prompts."""

    status: Literal[PromptStatus.ALL] | None = None
    upcoming: bool | None = Field(default=None, description="true: not yet due; false: past")


@api.operation(
    "GET",
    "/clients/{client_id}/prompts",
    summary="A client's prompts",
    tags=["delivery"],
    roles=THERAPIST,
    query=PromptQuery,
    response=Page[PromptOut],
)
def client_prompts(user: User, client_id: uuid.UUID, query: PromptQuery):
    """Upcoming and past prompts with their status, newest scheduled first."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    statement = select(Prompt).where(Prompt.client_id == client.id)
    if query.status:
        statement = statement.where(Prompt.status == query.status)
    if query.upcoming is not None:
        now = utcnow()
        statement = statement.where(
            Prompt.scheduled_at >= now if query.upcoming else Prompt.scheduled_at < now
        )
    rows = list(session.exec(statement.order_by(Prompt.scheduled_at.desc(), Prompt.id)))
    page, cursor = slice_page(rows, query, lambda p: p.id)
    return Page[PromptOut](
        items=[prompt_out(p, client, therapist=True) for p in page], next_cursor=cursor
    )
