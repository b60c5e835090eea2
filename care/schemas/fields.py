"""Field types shared by the care record's input and output shapes (non-table models).

Every entry point (API, web forms, CLI) validates through these, so the rules live once.
"""

from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic import Strict as StrictValue

from care import vocab


def _not_a_bool(value: object) -> object:
    # JSON true/false would otherwise pass as 1/0 (pydantic's lax mode): a level or a threshold
    # is a number, and a box ticked by mistake must not become one.
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    return value


Role = vocab.Role
Level = Annotated[
    int,
    BeforeValidator(_not_a_bool),
    Field(
        ge=vocab.LEVEL_RANGE[0],
        le=vocab.LEVEL_RANGE[1],
        description="Dose level 1-5 (CLINICAL.md section 4)",
    ),
]
Threshold = Annotated[
    int,
    BeforeValidator(_not_a_bool),
    Field(
        ge=vocab.THRESHOLD_RANGE[0],
        le=vocab.THRESHOLD_RANGE[1],
        description="A distress threshold on the 0-10 scale, 1-10 (CLINICAL.md section 5)",
    ),
]
Distress = Annotated[
    int,
    StrictValue(),
    Field(
        ge=vocab.RATING_RANGE[0],
        le=vocab.RATING_RANGE[1],
        description="0 = calm, 10 = the worst imaginable",
    ),
]
# Characters that show nothing: zero-width ones, the Hangul fillers, the braille blank, word
# joiners and the byte-order mark. A name made only of these (and spaces) looks empty.
_INVISIBLE = set(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\u115f\u1160\u3164\uffa0\u2800\u180e\u034f\u00ad"
)


def _visible(value: str) -> str:
    """Refuse text that shows nothing: a name must have at least one visible character."""
    if not any(not ch.isspace() and ch not in _INVISIBLE and ch.isprintable() for ch in value):
        raise ValueError("write at least one visible letter or sign")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_visible),
]
ScriptName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^{}<>\x00-\x1f]+$"
    ),
    AfterValidator(_visible),
]
TouchText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^{}<>\x00-\x1f]+$"
    ),
]
VoiceId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_./+-]+$"
    ),
]
# In steps of ten: a handful of renderings per practice, not millions (each one is synthesis).
SpeechRate = Annotated[
    int,
    Field(
        ge=80,
        le=260,
        multiple_of=vocab.SPEECH_STEP,
        description=f"Words per minute in steps of {vocab.SPEECH_STEP} (calm: 120-150)",
    ),
]
SpeechPitch = Annotated[
    int,
    Field(
        ge=0,
        le=90,
        multiple_of=vocab.SPEECH_STEP,
        description=f"espeak pitch in steps of {vocab.SPEECH_STEP} (calm: 30-50)",
    ),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


def check_timezone(value: str) -> str:
    """Accept only IANA zone names such as Europe/Berlin."""
    try:
        if value not in _zones() and value != "UTC":
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not an IANA timezone name; use a name such as Europe/Berlin "
            "or America/New_York"
        ) from None
    return value


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def _parse_clock(value):
    if isinstance(value, str):
        try:
            hours, minutes = value.split(":")
            if len(hours) != 2 or len(minutes) != 2:
                raise ValueError
            return time(int(hours), int(minutes))
        except ValueError:
            raise ValueError(
                f"'{value}' is not a time of day; write it as HH:MM, e.g. 22:00"
            ) from None
    return value


# Local wall-clock time as "HH:MM" (JSON Schema's "time" format would demand a UTC offset).
ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["22:00"]}
    ),
]

Timezone = Annotated[
    str, Field(examples=["Europe/Berlin"], max_length=64), AfterValidator(check_timezone)
]


class Strict(BaseModel):
    """Input models refuse unknown fields so a typo is reported, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
