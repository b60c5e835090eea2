"""A crisis signal read from a report that cannot be saved as sent (a rating out of range, a
typo in another field): pure, no database. A client's crisis is heard whatever else is wrong
with the request (R5), so the API reads the raw body for the signs before it refuses it."""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from care.vocab import RATING_RANGE

RATING_FIELDS = ("distress", "pre_distress", "post_distress")
# What the report schemas themselves read as true (pydantic's lax booleans), and no less.
_YES = frozenset({"1", "on", "t", "true", "y", "yes"})


@dataclass(frozen=True)
class CrisisSignal:
    """What a refused report said about safety: the rating to record and the concern."""

    distress: int
    safety_concern: bool
    why: str


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or math.isnan(value) or value == -math.inf:
        return None
    # Infinity (or 1e999) is as high as a number gets: the worst there is.
    return float(RATING_RANGE[1]) + 1 if value == math.inf else float(value)


def _concern(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in _YES
    return isinstance(value, int | float) and value == 1


def crisis_signal(raw: object, crisis_threshold: int) -> CrisisSignal | None:
    """The crisis signs in a raw report body, or None: a safety concern, or any rating at or
    above the crisis threshold (a number above 10 counts: it means the worst there is)."""
    if isinstance(raw, list):
        # A list where one report was expected: any report in it that signals a crisis counts.
        found = (crisis_signal(item, crisis_threshold) for item in raw[:50])
        return next((signal for signal in found if signal is not None), None)
    if not isinstance(raw, Mapping):
        return None
    ratings = [n for n in (_number(raw.get(k)) for k in RATING_FIELDS) if n is not None]
    high = max(ratings, default=None)
    concern = _concern(raw.get("safety_concern"))
    if not concern and (high is None or high < crisis_threshold):
        return None
    low, top = RATING_RANGE
    distress = top if high is None else min(top, max(low, math.ceil(high)))
    if concern and high is None:
        why = "a safety concern (the rating could not be read)"
    elif concern:
        why = "a safety concern"
    else:
        why = f"a rating of {high:g}"
    return CrisisSignal(distress=distress, safety_concern=concern, why=why)
