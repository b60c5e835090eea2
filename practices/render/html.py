"""An accessible HTML fragment (no page around it) for the web player and for email."""

from html import escape

from practices.model import Practice
from practices.render.timeline import Timeline
from practices.render.words import BELL, OPTIONAL_LABEL, pause_words, sentence, write_words


def render(practice: Practice, timeline: Timeline) -> str:
    """The practice as an <article> fragment; every piece of text is escaped."""
    heading = escape(f"practice-{practice.id}-{timeline.level}-title")
    lines = [
        f'<article class="practice" lang="en" aria-labelledby="{heading}" '
        f'data-practice="{escape(practice.id)}" data-level="{timeline.level}">',
        f'  <h2 id="{heading}">{escape(practice.title)}</h2>',
        f'  <p class="summary">{escape(practice.summary)}</p>',
    ]
    for item in timeline.items:
        if item.kind == "speech" and item.optional:
            label = escape(OPTIONAL_LABEL.capitalize())
            lines.append(
                f'  <p class="optional"><span class="optional-label">{label}:</span> '
                f"{escape(item.text or '')}</p>"
            )
        elif item.kind == "speech":
            lines.append(f"  <p>{escape(item.text or '')}</p>")
        elif item.kind == "pause":
            words = escape(sentence(pause_words(item.duration)))
            lines.append(f'  <p class="pause" role="note">{words}</p>')
        elif item.kind == "write":
            words = escape(sentence(write_words(item.duration)))
            lines.append(f'  <p class="write" role="note">{words}</p>')
        else:
            lines.append(f'  <p class="cue" role="note">{escape(sentence(BELL))}</p>')
    lines.append("</article>")
    return "\n".join(lines) + "\n"
