"""Typed model of one practice file (practices/README.md) and of a client's personalisation.

Field rules live here so that a broken file is reported at the exact field; rules that compare
several fields or need the timing estimate live in `practices.loader`.
"""

import math
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from practices.errors import LevelNotOffered

Audience = Literal["client", "therapist"]
Component = Literal[
    "mindfulness",
    "common_humanity",
    "kindness",
    "touch",
    "compassion_for_others",
    "fierce_kindness",
]
Direction = Literal[
    "other_to_other", "self_to_other", "self_to_self", "other_to_self", "self_to_self_and_other"
]
Quality = Literal[
    "comfort", "calming", "validating", "protection", "providing", "encouragement", "none"
]
Kind = Literal["blended", "differentiated"]
Gate = Literal["none", "stability", "yang_ready"]
SegmentKind = Literal["say", "pause", "write", "cue"]
Cue = Literal["bell"]
OptionalOffer = Literal["touch"]

YANG_QUALITIES: frozenset[str] = frozenset({"protection", "providing", "encouragement"})
LEVEL_TARGET_SECONDS: dict[int, int] = {1: 60, 2: 180, 3: 300, 4: 600, 5: 1200}
PLACEHOLDERS: tuple[str, ...] = ("{name}", "{touch}")
NAME_MAX = 40
TOUCH_MAX = 120

_BRACE_TOKEN = re.compile(r"\{[^{}\n]*\}|[{}]")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SOURCE = re.compile(r"\d{3}:\d+(?:-\d+)?")
_SEGMENT_KEYS = ("say", "pause", "write", "cue")
# {touch} holds whatever phrase the client wrote, so it only ever follows a colon and ends its
# clause: "...: {touch}." reads right for "a warm mug", "my cat on my lap" or "hug myself".
_TOUCH_SLOT = re.compile(r":[ \t]*\{touch\}(?=$|[.,;!?\u2026)])")


def problem(message: str) -> PydanticCustomError:
    """A validation error whose message is shown verbatim (braces in it are not a template)."""
    return PydanticCustomError("hearth", "{message}", {"message": message})


def _is_number(value: Any) -> bool:
    # bool is an int subclass; `pause = true` is a typo, not one second.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain_text(text: str) -> str:
    if not text.strip():
        raise problem("must not be empty")
    if "{" in text or "}" in text:
        raise problem("must not contain braces")
    return text


def _source(text: str) -> str:
    if not _SOURCE.fullmatch(text):
        raise problem(f"must look like '004:932-965' (seed file:line or lines), got {text!r}")
    return text


PlainText = Annotated[str, AfterValidator(_plain_text)]
Source = Annotated[str, AfterValidator(_source)]


class _Strict(BaseModel):
    # Library files are typed TOML: a quoted "4" where a number belongs is an authoring mistake.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Segment(_Strict):
    """One step of a script: words to say, a pause in seconds, writing time in seconds (text-only
    practices), or a cue (a soft bell)."""

    say: str | None = None
    pause: float | None = None
    write: float | None = None
    cue: Cue | None = None
    optional: OptionalOffer | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict):
            present = [key for key in _SEGMENT_KEYS if data.get(key) is not None]
            if len(present) != 1:
                found = ", ".join(sorted(data)) or "nothing"
                raise problem(f"must have exactly one of say, pause, write or cue (found: {found})")
        return data

    @field_validator("say")
    @classmethod
    def _check_say(cls, text: str | None) -> str | None:
        if text is None:
            return text
        if not text.strip():
            raise problem("must not be empty")
        for token in _BRACE_TOKEN.findall(text):
            if token not in PLACEHOLDERS:
                raise problem(f"only {{name}} and {{touch}} may appear in braces; found {token!r}")
        for match in re.finditer(r"\{name\}", text):
            if not re.search(r",\s*$", text[: match.start()]):
                raise problem("{name} may only be used as an address after a comma (', {name}')")
        if text.count("{touch}") != len(_TOUCH_SLOT.findall(text)):
            raise problem(
                "{touch} may only follow a colon and end its clause ('...: {touch}.'), so "
                "whatever phrase the client wrote reads right"
            )
        return text

    @field_validator("pause", "write", mode="before")
    @classmethod
    def _check_pause(cls, value: Any) -> Any:
        if value is None:
            return value
        if not _is_number(value) or not math.isfinite(value) or value <= 0:
            raise problem("must be a number of seconds above 0")
        return float(value)

    @model_validator(mode="after")
    def _check_optional(self) -> "Segment":
        if self.optional is not None and self.say is None:
            raise problem('optional: only say segments can be marked optional = "touch"')
        if self.say is not None and "{touch}" in self.say and self.optional != "touch":
            raise problem('say: a segment offering {touch} must be marked optional = "touch"')
        return self

    @property
    def kind(self) -> SegmentKind:
        """Which of say, pause or cue this segment is."""
        if self.say is not None:
            return "say"
        if self.pause is not None:
            return "pause"
        return "write" if self.write is not None else "cue"


class Variant(_Strict):
    """One dose level of a practice: its target length and its script."""

    level: int
    target_seconds: int
    segments: list[Segment] = Field(min_length=1)

    @property
    def minutes(self) -> int:
        """The variant's length in whole minutes as people are told it (never 0)."""
        return max(1, round(self.target_seconds / 60))

    @field_validator("level", mode="before")
    @classmethod
    def _check_level(cls, value: Any) -> Any:
        if not _is_whole(value) or value not in LEVEL_TARGET_SECONDS:
            raise problem("must be a whole number from 1 to 5")
        return value

    @field_validator("target_seconds", mode="before")
    @classmethod
    def _check_target(cls, value: Any) -> Any:
        if not _is_whole(value) or value <= 0:
            raise problem("must be a whole number of seconds above 0")
        return value


class Practice(_Strict):
    """A practice from the library: what it trains, who may get it, and its dose variants."""

    id: str
    title: PlainText
    summary: PlainText
    audience: Audience
    components: list[Component]
    direction: Direction
    quality: Quality
    kind: Kind
    gate: Gate
    entry: bool = False
    prelude: bool = False
    imagery: bool = False
    text_only: bool = False
    sources: list[Source] = Field(min_length=1)
    therapist_notes: str
    variants: list[Variant] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise problem("must be lower-case words joined by hyphens, like 'kind-body-scan'")
        return value

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, value: str) -> str:
        if "\n" in value.strip():
            raise problem("must be one line")
        return value.strip()

    @field_validator("summary", "therapist_notes")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip():
            raise problem("must not be empty")
        return value.strip()

    @field_validator("components")
    @classmethod
    def _unique_components(cls, value: list[str]) -> list[str]:
        repeated = sorted({c for c in value if value.count(c) > 1})
        if repeated:
            raise problem(f"lists {', '.join(repeated)} more than once")
        return value

    @property
    def levels(self) -> list[int]:
        """The dose levels this practice offers, lowest first."""
        return sorted(v.level for v in self.variants)

    @property
    def is_yang(self) -> bool:
        """True for fierce practices (protection, providing, encouragement)."""
        return self.quality in YANG_QUALITIES

    def level_near(self, level: int) -> int:
        """The offered level nearest `level` from below (the lowest when none is): for an
        honest "about N minutes", and for rows stored before the library changed."""
        offered = [n for n in self.levels if n <= max(level, 1)]
        return max(offered) if offered else self.levels[0]

    def variant(self, level: int) -> Variant:
        """The variant at `level`; raises LevelNotOffered when there is none."""
        for variant in self.variants:
            if variant.level == level:
                return variant
        raise LevelNotOffered(self.id, level, self.levels)


def _personal_text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    # Strip first so a trailing newline from a form field is forgiven; inner ones are not.
    value = value.strip()
    if not value:
        return None
    if any(unicodedata.category(ch) in {"Cc", "Zl", "Zp"} for ch in value):
        raise problem("must not contain control characters")
    if "{" in value or "}" in value:
        raise problem("must not contain braces")
    value = re.sub(r"\s{2,}", " ", value)
    if len(value) > limit:
        raise problem(f"must be at most {limit} characters")
    return value


class Personalisation(BaseModel):
    """How a client likes to be addressed and which touch (or warm object) suits them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    touch: str | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str | None) -> str | None:
        return _personal_text(value, NAME_MAX)

    @field_validator("touch")
    @classmethod
    def _check_touch(cls, value: str | None) -> str | None:
        return _personal_text(value, TOUCH_MAX)
