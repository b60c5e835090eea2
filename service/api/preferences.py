"""A client's channel preferences: prompt emails on or off, and one gentle reminder."""

from pydantic import BaseModel, Field

from care import audit
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
    for key in body.model_fields_set:
        value = getattr(body, key)
        if value is not None:
            setattr(client, key, value)
    session.add(client)
    audit.record(
        session,
        "client.preferences",
        actor_id=user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=",".join(sorted(body.model_fields_set)),
    )
    session.commit()
    return PreferencesOut(email_prompts=client.email_prompts, reminders=client.reminders)
