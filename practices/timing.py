"""How long a script takes: words at a calm rate, plus pauses, plus a few seconds per cue."""

import re

from practices.model import Personalisation, Segment, Variant
from practices.personalise import fill

DEFAULT_WPM = 140
CUE_SECONDS = 3.0
TOLERANCE = 0.15

# Hyphenated words are spoken as separate words, so hyphens split.
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def count_words(text: str) -> int:
    """The number of spoken words in `text`."""
    return len(_WORD.findall(text))


def _check_wpm(wpm: float) -> None:
    if isinstance(wpm, bool) or not wpm > 0:
        raise ValueError(f"words per minute must be above 0, got {wpm!r}")


def speech_seconds(text: str, wpm: float = DEFAULT_WPM) -> float:
    """Seconds to speak `text` at `wpm`, with placeholders filled by their defaults."""
    _check_wpm(wpm)
    return count_words(fill(text)) / wpm * 60


def segment_seconds(
    segment: Segment, wpm: float = DEFAULT_WPM, person: Personalisation | None = None
) -> float:
    """Seconds one segment lasts: its speech (for this person), its pause or writing time, or a
    cue."""
    if segment.say is not None:
        return speech_seconds(fill(segment.say, person), wpm)
    if segment.pause is not None:
        return segment.pause
    if segment.write is not None:
        return segment.write
    return CUE_SECONDS


def estimate_seconds(variant: Variant, wpm: float = DEFAULT_WPM) -> float:
    """Estimated length of a variant in seconds at `wpm` with default placeholders."""
    _check_wpm(wpm)
    return sum(segment_seconds(s, wpm) for s in variant.segments)


def timing_problem(variant: Variant, wpm: float = DEFAULT_WPM) -> str | None:
    """Why the variant's estimate misses its target by more than 15%, or None when it fits."""
    estimate = estimate_seconds(variant, wpm)
    target = variant.target_seconds
    low, high = target * (1 - TOLERANCE), target * (1 + TOLERANCE)
    if low <= estimate <= high:
        return None
    return (
        f"estimated {estimate:.0f} s at {wpm} words a minute, but target_seconds is {target} "
        f"(allowed {low:.0f}-{high:.0f} s): "
        + ("add pauses or words" if estimate < low else "shorten the script or its pauses")
    )
