"""The practice library over HTTP: catalogue, metadata, and scripts in five formats."""

import hashlib
from typing import Annotated, Literal

from flask import Response, request
from pydantic import BaseModel, Field

from care.clients import commands as clients
from care.tables import User
from practices import FORMATS, MEDIA_TYPES, Practice, estimate_seconds, render
from service import db
from service.api import api
from service.api.framework import SIGNED_IN
from service.api.schemas import ListQuery, Page, slice_page
from service.library import get_visible, library, personalisation, visible_to

Format = Literal["text", "md", "html", "ssml", "timeline"]
if set(FORMATS) != set(Format.__args__):  # the API offers exactly the renderers' formats
    raise RuntimeError("service.api.practices.Format is out of step with practices.FORMATS")


class PracticeQuery(ListQuery):
    """Filters for the catalogue (all optional)."""

    audience: Literal["client", "therapist"] | None = None
    quality: (
        Literal[
            "comfort", "calming", "validating", "protection", "providing", "encouragement", "none"
        ]
        | None
    ) = None
    direction: (
        Literal[
            "other_to_other",
            "self_to_other",
            "self_to_self",
            "other_to_self",
            "self_to_self_and_other",
        ]
        | None
    ) = None
    level: Annotated[int | None, Field(ge=1, le=5, description="Offered at this level")] = None


class ScriptQuery(BaseModel):
    """Which variant and which format."""

    model_config = {"extra": "forbid"}

    level: Annotated[int | None, Field(ge=1, le=5, description="Default: the lowest offered")] = (
        None
    )
    format: Format = "text"


class LevelOut(BaseModel):
    """One offered dose level of a practice."""

    level: int
    target_seconds: int
    estimated_seconds: float


class PracticeOut(BaseModel):
    """A practice's metadata (therapist notes only for therapists)."""

    id: str
    title: str
    summary: str
    audience: str
    components: list[str]
    direction: str
    quality: str
    kind: str
    gate: str
    entry: bool
    text_only: bool
    levels: list[LevelOut]
    sources: list[str] | None = None
    therapist_notes: str | None = None


def practice_out(practice: Practice, user: User) -> PracticeOut:
    """The view of a practice for this user."""
    clinical = user.role != "client"
    return PracticeOut(
        id=practice.id,
        title=practice.title,
        summary=practice.summary,
        audience=practice.audience,
        components=list(practice.components),
        direction=practice.direction,
        quality=practice.quality,
        kind=practice.kind,
        gate=practice.gate,
        entry=practice.entry,
        text_only=practice.text_only,
        levels=[
            LevelOut(
                level=v.level,
                target_seconds=v.target_seconds,
                estimated_seconds=round(estimate_seconds(v), 1),
            )
            for v in sorted(practice.variants, key=lambda v: v.level)
        ],
        sources=list(practice.sources) if clinical else None,
        therapist_notes=practice.therapist_notes if clinical else None,
    )


def _matches(practice: Practice, query: PracticeQuery) -> bool:
    return (
        (query.audience is None or practice.audience == query.audience)
        and (query.quality is None or practice.quality == query.quality)
        and (query.direction is None or practice.direction == query.direction)
        and (query.level is None or query.level in practice.levels)
    )


@api.operation(
    "GET",
    "/practices",
    summary="The practice catalogue",
    tags=["practices"],
    roles=SIGNED_IN,
    query=PracticeQuery,
    response=Page[PracticeOut],
)
def list_practices(user: User, query: PracticeQuery):
    """Clients see the client practices; therapists see all, their own area included."""
    chosen = [p for p in library().all() if visible_to(user, p) and _matches(p, query)]
    page, cursor = slice_page(chosen, query, lambda p: p.id)
    return Page[PracticeOut](items=[practice_out(p, user) for p in page], next_cursor=cursor)


@api.operation(
    "GET",
    "/practices/{practice_id}",
    summary="One practice",
    tags=["practices"],
    roles=SIGNED_IN,
    response=PracticeOut,
)
def get_practice(user: User, practice_id: str):
    """Metadata and the offered levels with their lengths."""
    return practice_out(get_visible(user, practice_id), user)


_SCRIPT_RESPONSE = {
    "description": "The script in the requested format (personalised for a signed-in client).",
    "headers": {"ETag": {"schema": {"type": "string"}}},
    "content": {
        media.split(";")[0]: {
            "schema": {"type": "object"} if fmt == "timeline" else {"type": "string"}
        }
        for fmt, media in MEDIA_TYPES.items()
    },
}


@api.operation(
    "GET",
    "/practices/{practice_id}/script",
    summary="A practice's script",
    tags=["practices"],
    roles=SIGNED_IN,
    query=ScriptQuery,
    response=_SCRIPT_RESPONSE,
    errors=(304,),
)
def get_script(user: User, practice_id: str, query: ScriptQuery):
    """Text, Markdown, HTML, SSML or a timed timeline; ETag and If-None-Match are supported."""
    practice = get_visible(user, practice_id)
    level = query.level if query.level is not None else practice.levels[0]
    practice.variant(level)  # 422 listing the offered levels when it is not offered
    person = None
    if user.role == "client":
        person = personalisation(clients.for_user(db.session(), user))
    key = "|".join(
        [
            library().digest(practice.id),
            str(level),
            query.format,
            person.model_dump_json() if person else "",
        ]
    )
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": "private, max-age=3600",
        "Vary": "Authorization, Cookie",
    }
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    body = render(practice, level, query.format, person)
    return Response(body, status=200, headers=headers, content_type=MEDIA_TYPES[query.format])
