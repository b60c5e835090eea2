"""Reading posted forms: a 0-10 rating, a note, a checkbox, an id; and validation problems
turned into plain sentences that the pages show next to their fields. Every range comes from
the vocabulary (care/vocab.py), so a message can never name a range the check does not use."""

import uuid

from flask import abort, request
from pydantic import ValidationError

from care.dose.repair import LABELS
from care.errors import Invalid
from care.vocab import LEVEL_RANGE, RATING_RANGE, THRESHOLD_RANGE

NOTE_MAX = 2000
RATING_PROBLEM = (
    f"Please choose a number from {RATING_RANGE[0]} (calm) to {RATING_RANGE[1]} "
    "(the worst imaginable)."
)
_LEVELS = f"Choose a level from {LEVEL_RANGE[0]} to {LEVEL_RANGE[1]}"
_THRESHOLDS = f"Use a whole number from {THRESHOLD_RANGE[0]} to {THRESHOLD_RANGE[1]}"


# Field names inside care-layer messages, in the words a therapist would use (the same names
# the dose repair uses in its reasons).
_WORDS = {name: f"the {label}" for name, label in LABELS.items() if name != "timezone"}

# What to say when a value has the wrong type or range (pydantic's own words are for developers).
_HINTS = {
    "practice_id": "Choose a practice from the list",
    "start_level": _LEVELS,
    "min_level": _LEVELS,
    "max_level": _LEVELS,
    "window_threshold": _THRESHOLDS,
    "crisis_threshold": _THRESHOLDS,
    "note": f"Keep the note under {NOTE_MAX:,} characters",
    "schedule.times": "Write each time as HH:MM, for example 08:30, and use at most 12 times",
    "schedule.weekdays": "Choose at least one day of the week",
    "schedule.rrule": "Keep the rule under 500 characters",
    "schedule.jitter_minutes": "Use a whole number of minutes from 0 to 180",
    "schedule.expiry_minutes": "Use a whole number of minutes from 10 to 1440",
    "schedule.min_spacing_minutes": "Use a whole number of minutes from 0 to 1440",
}


def plain(message: str) -> str:
    """A care-layer or validation message as a sentence with everyday field names."""
    text = message.strip().removeprefix("Value error, ")
    for key, words in _WORDS.items():
        text = text.replace(key, words)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def problems_of(error: Invalid | ValidationError) -> dict[str, str]:
    """Field name -> plain message, from a care Invalid or a pydantic ValidationError."""
    found: dict[str, str] = {}
    if isinstance(error, ValidationError):
        for item in error.errors():
            field = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
            message = item["msg"] if item["type"] == "value_error" else None
            found.setdefault(field, plain(message or _HINTS.get(field, item["msg"])))
        return found
    for field, message in error.problems or [(error.field or "", error.message)]:
        text = plain(message)
        key = field or ""
        found[key] = f"{found[key]} {text}" if key in found and text not in found[key] else text
    return found


def checkbox(name: str) -> bool:
    """Whether a posted checkbox is ticked."""
    return request.form.get(name) in ("on", "1", "true", "yes")


def uuid_or_404(value: str | None) -> uuid.UUID:
    """An id from a form field; anything else is a 404, as an unknown address would be."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        abort(404)


def read_rating(raw: str | None) -> tuple[int | None, str | None]:
    """A 0-10 rating from a form field, or the sentence that explains what is needed."""
    text = (raw or "").strip()
    if (
        not (text.isascii() and text.isdigit())
        or not RATING_RANGE[0] <= int(text) <= RATING_RANGE[1]
    ):
        return None, RATING_PROBLEM
    return int(text), None


def read_note(raw: str | None) -> tuple[str, str | None]:
    """A free-text note from a form field, or the sentence that says it is too long."""
    text = (raw or "").strip()
    if len(text) > NOTE_MAX:
        return text, f"Please keep the note to {NOTE_MAX:,} characters; it has {len(text):,} now."
    return text, None
