"""Plain text: the title, then one paragraph per step."""

from practices.model import Practice
from practices.render.timeline import Timeline
from practices.render.words import BELL, OPTIONAL_LABEL, pause_words, write_words


def render(practice: Practice, timeline: Timeline) -> str:
    """The practice as plain text paragraphs, for reading or for messages."""
    paragraphs = [practice.title]
    for item in timeline.items:
        if item.kind == "speech":
            prefix = f"({OPTIONAL_LABEL}) " if item.optional else ""
            paragraphs.append(f"{prefix}{item.text}")
        elif item.kind == "pause":
            paragraphs.append(f"({pause_words(item.duration)})")
        elif item.kind == "write":
            paragraphs.append(f"({write_words(item.duration)})")
        else:
            paragraphs.append(f"({BELL})")
    return "\n\n".join(paragraphs) + "\n"
