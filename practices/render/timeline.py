"""The timeline of one variant for one person: what happens when, in milliseconds.

Every other renderer walks this timeline, and the audio renderer will too, so text, speech and
audio always agree on the order of steps and on the personalised words.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from practices.model import Personalisation, Practice
from practices.personalise import fill
from practices.timing import DEFAULT_WPM, segment_seconds, speech_seconds

ItemKind = Literal["speech", "pause", "write", "cue"]
_SILENT_KINDS: dict[str, ItemKind] = {"pause": "pause", "write": "write", "cue": "cue"}


class TimelineItem(BaseModel):
    """One step: speech (with its personalised text), a pause, writing time, or a cue."""

    model_config = ConfigDict(frozen=True)

    index: int
    kind: ItemKind
    start: float
    duration: float
    text: str | None = None
    optional: bool = False


class Timeline(BaseModel):
    """The steps of one practice variant with cumulative start times in seconds."""

    model_config = ConfigDict(frozen=True)

    practice_id: str
    level: int
    wpm: int
    total_seconds: float
    items: list[TimelineItem]


def build_timeline(
    practice: Practice,
    level: int,
    person: Personalisation | None = None,
    wpm: int = DEFAULT_WPM,
) -> Timeline:
    """Lay out a variant's steps in time for this person; raises LevelNotOffered."""
    variant = practice.variant(level)
    items = []
    # Whole milliseconds, so starts are exact sums and never drift by float rounding.
    start_ms = 0
    for index, segment in enumerate(variant.segments):
        if segment.say is not None:
            kind: ItemKind = "speech"
            text: str | None = fill(segment.say, person)
            seconds = speech_seconds(text, wpm)
        else:
            kind, text = _SILENT_KINDS[segment.kind], None
            seconds = segment_seconds(segment, wpm)
        duration_ms = round(seconds * 1000)
        items.append(
            TimelineItem(
                index=index,
                kind=kind,
                start=start_ms / 1000,
                duration=duration_ms / 1000,
                text=text,
                optional=segment.optional == "touch",
            )
        )
        start_ms += duration_ms
    return Timeline(
        practice_id=practice.id, level=level, wpm=wpm, total_seconds=start_ms / 1000, items=items
    )


def render(practice: Practice, timeline: Timeline) -> str:
    """The timeline as JSON."""
    return timeline.model_dump_json(indent=2)
