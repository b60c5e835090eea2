"""Crisis resources: a deployment default, optionally replaced per therapist (R5).

The built-in default is neutral on purpose: hearth cannot know where a client lives, so it never
shows a phone number it made up. Its crisis-line entry names no number and is a placeholder: until
an admin or a therapist saves resources of their own, the answer says `confirmed=False`, and the
admin pages ask for the local crisis line. Every version says what to do when the therapist
cannot be reached quickly: do not wait for them."""

import json
import uuid

from pydantic import BaseModel, Field, HttpUrl
from sqlmodel import Session, select

from care import audit
from care.tables import CrisisResources, User
from care.types import utcnow

CRISIS_LINE_LABEL = "Crisis line"
# The help page says this beside whatever resources are set: a client never waits on a person
# hearth cannot make available.
IF_THERAPIST_UNREACHABLE = (
    "If you cannot reach your therapist quickly, do not wait for them. Call your local "
    "emergency number or a crisis line, or go to the nearest emergency department."
)
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
        # The placeholder an admin must confirm: no number, because a wrong one is worse than
        # none. The admin pages ask for the local line while `confirmed` is False.
        "label": CRISIS_LINE_LABEL,
        "text": "A crisis line lets you talk with someone at any hour, day or night. If you do "
        "not have its number to hand, call your local emergency number instead.",
        "phone": None,
        "url": None,
    },
    {
        "label": "Your therapist",
        "text": "You can contact your therapist the way you usually do. If you rated your "
        "distress very high here, they have been told. If you cannot reach them quickly, do "
        "not wait for them: call your local emergency number or a crisis line now.",
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
    confirmed: bool = Field(
        description="False for the built-in default, which has no local crisis line number "
        "yet; true once an admin or the therapist has saved resources of their own"
    )


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
        return Resources(
            intro=own.intro, items=json.loads(own.items), source="therapist", confirmed=True
        )
    deployment = rows.get(None)
    if deployment is not None:
        return Resources(
            intro=deployment.intro,
            items=json.loads(deployment.items),
            source="deployment",
            confirmed=True,
        )
    return Resources(intro=DEFAULT_INTRO, items=DEFAULT_ITEMS, source="default", confirmed=False)


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
    return Resources(
        intro=intro,
        items=items,
        source="therapist" if therapist_id else "deployment",
        confirmed=True,
    )
