"""A client's channel preferences: prompt emails on or off, and one gentle reminder."""

from pydantic import BaseModel, Field

from care.clients import commands as clients
from care.tables import User
from service import db
from service.api import api
from service.api.framework import CLIENT
from service.api.me_reports import own_record


class Preferences(BaseModel):
    """What a client may change about how and when they are reached."""

    model_config = {"extra": "forbid"}

    email_prompts: bool | None = None
    reminders: bool | None = Field(default=None, description="At most one gentle reminder")


class PreferencesOut(BaseModel):
    """A client's channel preferences."""

    email_prompts: bool
    reminders: bool


@api.operation(
    "PATCH",
    "/me/preferences",
    summary="My channel preferences",
    tags=["me"],
    roles=CLIENT,
    body=Preferences,
    response=PreferencesOut,
)
def my_preferences(user: User, body: Preferences):
    """Turn prompt emails off or on, and opt in to one gentle reminder."""
    client = own_record(user)
    session = db.session()
    fields = {k: getattr(body, k) for k in body.model_fields_set}
    # null keeps a preference as it is (documented behaviour of this endpoint)
    clients.change_own_settings(
        session, user, client, {k: v for k, v in fields.items() if v is not None}
    )
    session.commit()
    return PreferencesOut(email_prompts=client.email_prompts, reminders=client.reminders)
