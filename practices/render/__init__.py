"""Renderers: one practice variant for one person as text, Markdown, HTML, SSML or a timeline."""

from collections.abc import Callable

from practices.errors import UnknownFormat
from practices.model import Personalisation, Practice
from practices.render import html, markdown, ssml, text, timeline
from practices.render.timeline import Timeline, TimelineItem, build_timeline
from practices.timing import DEFAULT_WPM

FORMATS: tuple[str, ...] = ("text", "md", "html", "ssml", "timeline")
MEDIA_TYPES: dict[str, str] = {
    "text": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "ssml": "application/ssml+xml",
    "timeline": "application/json",
}
_RENDERERS: dict[str, Callable[[Practice, Timeline], str]] = {
    "text": text.render,
    "md": markdown.render,
    "html": html.render,
    "ssml": ssml.render,
    "timeline": timeline.render,
}

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Timeline",
    "TimelineItem",
    "UnknownFormat",
    "build_timeline",
    "render",
]


def render(
    practice: Practice,
    level: int,
    fmt: str,
    person: Personalisation | None = None,
    wpm: int = DEFAULT_WPM,
) -> str:
    """Render one variant; raises UnknownFormat or LevelNotOffered with a readable message."""
    if fmt not in _RENDERERS:
        raise UnknownFormat(fmt, FORMATS)
    return _RENDERERS[fmt](practice, build_timeline(practice, level, person, wpm))
