"""Practice audio and captions, rendered on first request and then served from the store.

A first, uncached request renders synchronously: a 20-minute practice renders in a few seconds
(see docs/benchmarks.md), so the caller simply waits once; every later request is a file
served by path, with HTTP Range (206), ETag and Content-Length.
"""

import re
from typing import Annotated, Literal

from flask import send_file
from pydantic import BaseModel, Field

from care.clients import commands as clients
from care.errors import Invalid
from care.schemas import SpeechPitch, SpeechRate, VoiceId
from care.tables import User
from media.render import cached, render_audio, render_captions
from media.speech.pool import list_voices
from service import db, media, render_budget
from service.api import api
from service.api.framework import SIGNED_IN
from service.library import get_visible, library, personalisation


class CaptionQuery(BaseModel):
    """Captions for the same variant and voice as the audio."""

    model_config = {"extra": "forbid"}

    level: Annotated[int | None, Field(ge=1, le=5)] = None
    voice: VoiceId | None = Field(default=None, description="One of GET /api/v1/voices")
    rate: SpeechRate | None = None
    pitch: SpeechPitch | None = Field(default=None, description="A client's is their saved one")


class AudioQuery(CaptionQuery):
    """Which variant, format and (optionally) voice; a client's own settings apply otherwise."""

    level: Annotated[int | None, Field(ge=1, le=5, description="Default: the lowest offered")] = (
        None
    )
    format: Literal["wav", "mp3", "ogg"] = "mp3"


class VoiceOut(BaseModel):
    """An installed voice."""

    id: str
    name: str
    languages: list[str]
    natural: bool = Field(
        description="a neural voice (Piper), close to a human reader; false: espeak-ng's "
        "synthetic (formant) voice"
    )


class VoiceList(BaseModel):
    """The voices this server can speak with, and the default."""

    default: str
    items: list[VoiceOut]


def _context(user: User, practice_id: str, query):
    practice = get_visible(user, practice_id)
    level = query.level if query.level is not None else practice.levels[0]
    practice.variant(level)
    record = clients.for_user(db.session(), user) if user.role == "client" else None
    if record is not None and query.pitch is not None:
        raise Invalid("a client's audio uses their saved pitch; leave pitch out", field="pitch")
    settings = media.voice_settings(record, voice=query.voice, rate=query.rate, pitch=query.pitch)
    return practice, level, personalisation(record, spoken=True), settings


def _budgeted(user: User, is_cached):
    """No limit for what is cached; a new recording counts against the person's budget."""
    return render_budget.budget().guard(str(user.id), is_cached)


def _file_stem(practice) -> str:
    """A file name from the client-facing title (ids may name the goal, which client-facing
    words never do: CLINICAL.md section 2)."""
    return re.sub(r"[^a-z0-9]+", "-", practice.title.lower()).strip("-") or "practice"


def _send(result, user_facing_name: str):
    response = send_file(
        result.path,
        mimetype=result.media_type,
        conditional=True,  # Range requests (206) and If-None-Match (304)
        etag=result.key,
        max_age=86400,
        download_name=user_facing_name,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Vary"] = "Authorization, Cookie"
    return response


_AUDIO_RESPONSE = {
    "description": "The audio file; supports Range requests (206 Partial Content).",
    "content": {
        "audio/wav": {"schema": {"type": "string", "format": "binary"}},
        "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
        "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
    },
}


@api.operation(
    "GET",
    "/practices/{practice_id}/audio",
    summary="A practice as audio",
    tags=["practices"],
    roles=SIGNED_IN,
    query=AudioQuery,
    response=_AUDIO_RESPONSE,
    errors=(304, 429, 503),
)
def get_audio(user: User, practice_id: str, query: AudioQuery):
    """Synthesised offline with exact pauses; rendered once per content key, then cached."""
    practice, level, person, settings = _context(user, practice_id, query)
    digest, store = library().digest(practice.id), media.store()
    with _budgeted(
        user,
        lambda: cached(practice, level, person, settings, query.format, store=store, digest=digest),
    ):
        result = render_audio(
            practice,
            level,
            person,
            settings,
            query.format,
            store=store,
            digest=digest,
            pool=media.pool(),
        )
    return _send(result, f"{_file_stem(practice)}-level{level}.{query.format}")


@api.operation(
    "GET",
    "/practices/{practice_id}/captions.vtt",
    summary="Captions (WebVTT)",
    tags=["practices"],
    roles=SIGNED_IN,
    query=CaptionQuery,
    response={
        "description": "WebVTT whose cue times come from the audio itself.",
        "content": {"text/vtt": {"schema": {"type": "string"}}},
    },
    errors=(304, 429, 503),
)
def get_captions(user: User, practice_id: str, query: CaptionQuery):
    """Each speech segment of the audio is one cue, timed by the assembly."""
    practice, level, person, settings = _context(user, practice_id, query)
    digest, store = library().digest(practice.id), media.store()
    with _budgeted(
        user, lambda: cached(practice, level, person, settings, "vtt", store=store, digest=digest)
    ):
        result = render_captions(
            practice,
            level,
            person,
            settings,
            store=store,
            digest=digest,
            pool=media.pool(),
        )
    return _send(result, f"{_file_stem(practice)}-level{level}.vtt")


@api.operation(
    "GET",
    "/voices",
    summary="Installed voices",
    tags=["practices"],
    roles=SIGNED_IN,
    response=VoiceList,
    errors=(503,),
)
def voices(user: User):
    """The voice ids accepted by the audio endpoints and the client settings."""
    from media.speech.voices import default_voice

    return VoiceList(
        default=default_voice(),
        items=[
            VoiceOut(id=v.id, name=v.name, languages=list(v.languages), natural=v.natural)
            for v in list_voices()
        ],
    )
