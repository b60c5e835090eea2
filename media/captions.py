"""WebVTT captions from the assembled audio timeline, so they match the audio exactly."""

from collections.abc import Iterable

BELL_CAPTION = "(a soft bell)"  # the same words the text renderer uses for the cue


def timestamp(seconds: float) -> str:
    """A WebVTT timestamp, hh:mm:ss.mmm, rounded to the millisecond."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    # WebVTT cue text is markup: &, < and > must be escaped; a blank line would end the cue.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def webvtt(audio_items: Iterable) -> str:
    """A WebVTT document: one cue per speech item (and per bell), timed from the audio."""
    lines = ["WEBVTT", ""]
    number = 0
    for item in audio_items:
        if item.kind == "speech" and item.text:
            text = _escape(item.text)
        elif item.kind == "cue":
            # Deaf and hard-of-hearing listeners should know a bell sounds, too.
            text = BELL_CAPTION
        else:
            continue  # silence is not captioned
        number += 1
        start, end = item.start, item.start + item.duration
        lines += [str(number), f"{timestamp(start)} --> {timestamp(end)}", text, ""]
    return "\n".join(lines)
