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


def sentence(words: str) -> str:
    """The words as a sentence: capital first letter, full stop at the end."""
    return words[:1].upper() + words[1:] + "."
