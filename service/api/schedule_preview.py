"""Trying a schedule out before saving it: the prompts it would send, in the client's local
time, and the check that names the field when a schedule cannot work for a client."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from care.clients import commands as clients
from care.schemas.practice import ScheduleIn
from care.tables import User
from scheduler import preview as schedules
from service import db
from service.api import api
from service.api.framework import THERAPIST
from service.api.schemas import local_time


class PreviewIn(BaseModel):
    """A schedule to try out before saving it."""

    model_config = {"extra": "forbid"}

    schedule: ScheduleIn
    days: Annotated[int, Field(ge=1, le=14)] = 3


class PreviewItem(BaseModel):
    """One prompt the schedule would send."""

    at: datetime
    local_time: str


class PreviewOut(BaseModel):
    """The next prompts in the client's local time, at the client's current dose."""

    timezone: str
    prompts_per_day: int
    items: list[PreviewItem]


@api.operation(
    "POST",
    "/clients/{client_id}/schedule/preview",
    summary="Preview a schedule",
    tags=["delivery"],
    roles=THERAPIST,
    body=PreviewIn,
    response=PreviewOut,
)
def preview_schedule(user: User, client_id: uuid.UUID, body: PreviewIn):
    """The prompts this schedule would send over the next days, in the client's local time."""
    client = clients.get_for_therapist(db.session(), user, client_id)
    tried = schedules.preview(client, body.schedule, body.days)
    return PreviewOut(
        timezone=client.timezone,
        prompts_per_day=tried.prompts_per_day,
        items=[
            PreviewItem(at=o.at, local_time=local_time(o.at, client.timezone))
            for o in tried.occurrences
        ],
    )
