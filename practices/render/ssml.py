"""SSML 1.1 for speech engines that read it: paragraphs, exact breaks, and a bell mark."""

from xml.sax.saxutils import escape

from practices.model import Practice
from practices.render.timeline import Timeline

# Many engines cap a single <break> at 10 s, so longer silences are several breaks in a row.
MAX_BREAK_MS = 10_000


def break_times(seconds: float) -> list[str]:
    """SSML break times (at most 10 s each) that add up to `seconds`, to the millisecond."""
    remaining = round(seconds * 1000)
    times = []
    while remaining > 0:
        chunk = min(remaining, MAX_BREAK_MS)
        times.append(f"{chunk // 1000}s" if chunk % 1000 == 0 else f"{chunk}ms")
        remaining -= chunk
    return times


def render(practice: Practice, timeline: Timeline) -> str:
    """The practice as an SSML <speak> document (the title is not spoken)."""
    lines = [
        '<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en">',
    ]
    for item in timeline.items:
        if item.kind == "speech":
            lines.append(f"  <p>{escape(item.text or '')}</p>")
            continue
        if item.kind == "cue":
            lines.append('  <mark name="bell"/>')
        lines.extend(f'  <break time="{time}"/>' for time in break_times(item.duration))
    lines.append("</speak>")
    return "\n".join(lines) + "\n"
