"""The typed model: segments, variants, practices and personalisation."""

import pytest
from pydantic import ValidationError

from practices import LevelNotOffered, Personalisation, Practice, Segment, Variant
from practices.model import NAME_MAX


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " | ".join(e["msg"] for e in exc.value.errors())


def test_segment_kinds() -> None:
    assert Segment(say="Breathe.").kind == "say"
    assert Segment(pause=4).kind == "pause"
    assert Segment(pause=2.5).pause == 2.5
    assert Segment(cue="bell").kind == "cue"
    offer = Segment(say="Rest here: {touch}.", optional="touch")
    assert offer.optional == "touch"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"say": "Hi.", "pause": 3}, "exactly one of say, pause, write or cue"),
        ({}, "exactly one of say, pause, write or cue (found: nothing)"),
        ({"pause": 0}, "must be a number of seconds above 0"),
        ({"pause": -1}, "must be a number of seconds above 0"),
        ({"pause": True}, "must be a number of seconds above 0"),
        ({"pause": "4"}, "must be a number of seconds above 0"),
        ({"pause": float("inf")}, "must be a number of seconds above 0"),
        ({"say": "   "}, "must not be empty"),
        ({"say": "Hello {nmae}."}, "only {name} and {touch} may appear in braces; found '{nmae}'"),
        ({"say": "A stray } here."}, "found '}'"),
        ({"say": "Hello {name} there."}, "{name} may only be used as an address after a comma"),
        ({"say": "Rest here: {touch}."}, 'must be marked optional = "touch"'),
        ({"say": "Rest {touch} here.", "optional": "touch"}, "may only follow a colon"),
        ({"pause": 3, "optional": "touch"}, "only say segments can be marked optional"),
        ({"cue": "gong"}, "Input should be 'bell'"),
    ],
)
def test_segment_rejects(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Segment.model_validate(fields)
    assert message in _errors(exc)


def test_variant_level_and_target() -> None:
    with pytest.raises(ValidationError, match="whole number from 1 to 5"):
        Variant(level=6, target_seconds=60, segments=[Segment(pause=60)])
    with pytest.raises(ValidationError, match="whole number of seconds above 0"):
        Variant(level=1, target_seconds=0, segments=[Segment(pause=60)])
    with pytest.raises(ValidationError, match="at least 1 item"):
        Variant(level=1, target_seconds=60, segments=[])


def _practice(levels: list[int], **fields: object) -> Practice:
    data = {
        "id": "self-compassion-break",
        "title": "A kind pause",
        "summary": "One line.",
        "audience": "client",
        "components": ["mindfulness"],
        "direction": "self_to_self",
        "quality": "comfort",
        "kind": "blended",
        "gate": "none",
        "sources": ["004:932-965"],
        "therapist_notes": "Notes.",
        "variants": [
            {"level": n, "target_seconds": 60, "segments": [{"pause": 60}]} for n in levels
        ],
    }
    data.update(fields)
    return Practice.model_validate(data)


def test_levels_are_sorted_and_variant_found() -> None:
    practice = _practice([3, 1, 4, 2])
    assert practice.levels == [1, 2, 3, 4]
    assert practice.variant(3).level == 3
    assert practice.entry is False and practice.text_only is False


def test_level_not_offered_names_the_offered_levels() -> None:
    practice = _practice([3, 1, 4, 2])
    with pytest.raises(LevelNotOffered) as exc:
        practice.variant(5)
    assert str(exc.value) == (
        "level 5 is not offered for self-compassion-break; offered levels: 1, 2, 3, 4"
    )
    assert exc.value.offered == [1, 2, 3, 4]
    assert exc.value.level == 5


@pytest.mark.parametrize(
    ("quality", "yang"),
    [
        ("protection", True),
        ("providing", True),
        ("encouragement", True),
        ("comfort", False),
        ("calming", False),
        ("validating", False),
        ("none", False),
    ],
)
def test_is_yang(quality: str, yang: bool) -> None:
    assert _practice([1], quality=quality).is_yang is yang


def test_practice_is_immutable() -> None:
    practice = _practice([1])
    with pytest.raises(ValidationError):
        practice.title = "Changed"  # type: ignore[misc]


def test_personalisation_cleans_and_limits() -> None:
    person = Personalisation(name="  Sam  Lee ", touch=" a warm mug\n")
    assert person.name == "Sam Lee"
    assert person.touch == "a warm mug"
    assert Personalisation(name="   ").name is None
    assert Personalisation().name is None and Personalisation().touch is None
    assert Personalisation(name="<script>").name == "<script>"  # renderers escape it
    assert Personalisation(name="x" * NAME_MAX).name == "x" * NAME_MAX


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x" * (NAME_MAX + 1)}, f"at most {NAME_MAX} characters"),
        ({"name": "{touch}"}, "must not contain braces"),
        ({"touch": "a mug}"}, "must not contain braces"),
        ({"name": "Sam\nLee"}, "control characters"),
        ({"name": "Sam\x00"}, "control characters"),
        ({"touch": "a\u2028mug"}, "control characters"),
        ({"nickname": "Sam"}, "Extra inputs are not permitted"),
    ],
)
def test_personalisation_rejects(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Personalisation.model_validate(fields)
    assert message in _errors(exc)
