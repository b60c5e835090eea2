"""The few words every text renderer shows for pauses, cues and optional offers."""

OPTIONAL_LABEL = "optional"
BELL = "a soft bell"


def pause_words(seconds: float) -> str:
    """A gentle, unnumbered invitation to rest, scaled to the pause's length."""
    if seconds < 5:
        return "pause for a breath"
    if seconds < 15:
        return "rest here for a few breaths"
    if seconds < 45:
        return "rest here a little longer, no hurry"
    return "take a long, quiet rest here, for as long as feels right"


def write_words(seconds: float) -> str:
    """Writing time as the writer is told it: roughly how long, never a deadline."""
    minutes = max(1, round(seconds / 60))
    plural = "s" if minutes != 1 else ""
    return f"time to write, about {minutes} minute{plural}, or as long as you like"


def sentence(words: str) -> str:
    """The words as a sentence: capital first letter, full stop at the end."""
    return words[:1].upper() + words[1:] + "."
