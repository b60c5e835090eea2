"""A crisis signal read from a report that cannot be saved as sent (a rating out of range, a
typo in another field): pure, no database. A client's crisis is heard whatever else is wrong
with the request (R5), so the API reads the raw body for the signs before it refuses it."""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from care.vocab import RATING_RANGE

RATING_FIELDS = ("distress", "pre_distress", "post_distress")
_YES = frozenset({"true", "yes", "on", "1"})


@dataclass(frozen=True)
class CrisisSignal:
    """What a refused report said about safety: the rating to record and the concern."""

    distress: int
    safety_concern: bool
    why: str


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _concern(value: object) -> bool:
    if value is True:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _YES
    return isinstance(value, int) and not isinstance(value, bool) and value == 1


def crisis_signal(raw: object, crisis_threshold: int) -> CrisisSignal | None:
    """The crisis signs in a raw report body, or None: a safety concern, or any rating at or
    above the crisis threshold (a number above 10 counts: it means the worst there is)."""
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
