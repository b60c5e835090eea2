"""Crisis resources: a deployment default, optionally replaced per therapist (R5).

The built-in default is neutral on purpose: hearth cannot know where a client lives, so it tells
them to contact local emergency services and their therapist."""

import json
import uuid

from pydantic import BaseModel, Field, HttpUrl
from sqlmodel import Session, select

from care import audit
from care.tables import CrisisResources, User
from care.types import utcnow

DEFAULT_INTRO = (
    "If you might hurt yourself or you are in danger, please reach out for help right now. "
    "You do not have to get through this alone."
)
DEFAULT_ITEMS = [
    {
        "label": "Emergency services",
        "text": "Call your local emergency number (for example 112 in Europe, 911 in North "
        "America, 999 in the UK) or go to the nearest emergency department.",
        "phone": None,
        "url": None,
    },
    {
        "label": "Your therapist",
        "text": "You can contact your therapist the way you usually do. If you rated your "
        "distress very high here, they have been told.",
        "phone": None,
        "url": None,
    },
]


class ResourceItem(BaseModel):
    """One place to turn to."""

    label: str = Field(min_length=1, max_length=120)
    text: str = Field(default="", max_length=500)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()./ -]+$")
    url: HttpUrl | None = None


class Resources(BaseModel):
    """What a client in crisis is shown."""

    intro: str = Field(max_length=1000)
    items: list[ResourceItem] = Field(min_length=1, max_length=20)
    source: str = Field(description="therapist, deployment or default")


def for_therapist(session: Session, therapist_id: uuid.UUID | None) -> Resources:
    """The therapist's own resources, else the deployment's, else the neutral default."""
    rows = {
        r.therapist_id: r
        for r in session.exec(
            select(CrisisResources).where(
                (CrisisResources.therapist_id == therapist_id)
                | CrisisResources.therapist_id.is_(None)
            )
        )
    }
    own = rows.get(therapist_id) if therapist_id else None
    if own is not None:
        return Resources(intro=own.intro, items=json.loads(own.items), source="therapist")
    deployment = rows.get(None)
    if deployment is not None:
        return Resources(
            intro=deployment.intro, items=json.loads(deployment.items), source="deployment"
        )
    return Resources(intro=DEFAULT_INTRO, items=DEFAULT_ITEMS, source="default")


def save(session: Session, actor: User, intro: str, items: list[ResourceItem]) -> Resources:
    """Replace the crisis resources a therapist's clients see (an admin's are the deployment's,
    for therapists without their own), audited; the same for the API and the pages."""
    therapist_id = actor.id if actor.role == "therapist" else None
    audit.record(
        session,
        "crisis_resources.update",
        actor_id=actor.id,
        target_type="crisis_resources",
        target_id=therapist_id or "deployment",
    )
    row = session.exec(
        select(CrisisResources).where(
            CrisisResources.therapist_id == therapist_id
            if therapist_id
            else CrisisResources.therapist_id.is_(None)
        )
    ).first()
    if row is None:
        row = CrisisResources(therapist_id=therapist_id)
    row.intro = intro
    row.items = json.dumps([item.model_dump(mode="json") for item in items])
    row.updated_at = utcnow()
    session.add(row)
    return Resources(intro=intro, items=items, source="therapist" if therapist_id else "deployment")
