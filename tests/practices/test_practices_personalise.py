"""Placeholder filling and timing estimates."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from practices import (
    DEFAULT_WPM,
    Personalisation,
    Segment,
    Variant,
    default_library,
    estimate_seconds,
)
from practices.personalise import DEFAULT_TOUCH, fill, touch_phrase
from practices.timing import CUE_SECONDS, count_words, speech_seconds, timing_problem

SAM = Personalisation(name="Sam", touch="a warm mug in both hands")


@pytest.mark.parametrize(
    ("template", "with_name", "without_name"),
    [
        ("Let yourself settle, {name}.", "Let yourself settle, Sam.", "Let yourself settle."),
        ("Welcome, {name}. Sit tall.", "Welcome, Sam. Sit tall.", "Welcome. Sit tall."),
        ("Hello, {name}, and welcome.", "Hello, Sam, and welcome.", "Hello, and welcome."),
        ("You are here , {name} !", "You are here , Sam !", "You are here!"),
        # Not allowed in library files, but handled so a sentence never breaks.
        ("{name}, let us begin.", "Sam, let us begin.", "Let us begin."),
        ("Breathe. {name}, rest now.", "Breathe. Sam, rest now.", "Breathe. Rest now."),
        ("Thank you {name} for coming.", "Thank you Sam for coming.", "Thank you for coming."),
        ("Thank you {name}.", "Thank you Sam.", "Thank you."),
        ("No placeholders here.", "No placeholders here.", "No placeholders here."),
    ],
)
def test_name(template: str, with_name: str, without_name: str) -> None:
    assert fill(template, Personalisation(name="Sam")) == with_name
    assert fill(template) == without_name
    assert fill(template, Personalisation(touch="a blanket")) == without_name


def test_touch_default_and_alternative() -> None:
    template = "If you like, try this: {touch}."
    assert fill(template) == f"If you like, try this: {DEFAULT_TOUCH}."
    assert DEFAULT_TOUCH == "a hand on your chest, or both hands around something warm"
    assert fill(template, SAM) == "If you like, try this: a warm mug in both hands."
    assert fill("Breathe. {touch} can help.") == f"Breathe. A{DEFAULT_TOUCH[1:]} can help."


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("my cat on my lap", "your cat on your lap"),
        ("a cup of tea", "a cup of tea"),
        ("I hug myself", "you hug yourself"),
        ("My teddy bear", "Your teddy bear"),
        ("I\u2019m wrapped in our old blanket", "you\u2019re wrapped in your old blanket"),
        ("stroking the dog next to me", "stroking the dog next to you"),
        ("the blanket that is mine", "the blanket that is yours"),
        ("I am holding a warm stone", "you are holding a warm stone"),
        ("Imagine a mild morning", "Imagine a mild morning"),
    ],
)
def test_a_touch_written_in_the_first_person_is_said_back_in_the_second(
    written: str, said: str
) -> None:
    assert touch_phrase(written) == said
    text = fill("If it feels right: {touch}.", Personalisation(touch=written))
    assert text == f"If it feels right: {said}."


_FIRST_PERSON_WORDS = re.compile(r"\b(i|me|my|mine|myself|our|ours)\b", re.I)
_PHRASE_WORDS = st.sampled_from(
    ["my", "My", "I", "me", "myself", "our", "cat", "lap", "tea", "warm", "hand", "on", "I'm"]
)


@given(words=st.lists(_PHRASE_WORDS, min_size=1, max_size=8))
def test_every_library_touch_slot_reads_in_the_second_person(words: list[str]) -> None:
    person = Personalisation(touch=" ".join(words))
    said = touch_phrase(person.touch)
    assert not _FIRST_PERSON_WORDS.search(said), said
    for practice in default_library():
        for variant in practice.variants:
            for segment in variant.segments:
                if segment.say and "{touch}" in segment.say:
                    assert f": {said}" in fill(segment.say, person)


@pytest.mark.parametrize("name", ["Sam.", "Sam!", "Sam,", "Sam ..."])
def test_a_name_brings_no_punctuation_of_its_own(name: str) -> None:
    assert fill("Welcome, {name}. Settle in.", Personalisation(name=name)) == (
        "Welcome, Sam. Settle in."
    )


def test_filled_values_are_not_filled_again() -> None:
    # A name is inserted once; text inside it is never treated as a template.
    person = Personalisation.model_construct(name="{touch}", touch=None)
    out = fill("Hello, {name}.", person)
    assert "{" not in out and DEFAULT_TOUCH not in out


def test_other_braces_never_reach_the_output() -> None:
    assert fill("An {unknown} word and a } stray.") == "An word and a stray."


_WORDS = st.sampled_from(["Rest", "here", "gently", ",", ".", "?", "{name}", "{touch}", "now"])
_NAMES = st.one_of(st.none(), st.text(max_size=60))


@given(parts=st.lists(_WORDS, max_size=20), name=_NAMES, touch=_NAMES)
def test_no_raw_brace_ever(parts: list[str], name: str | None, touch: str | None) -> None:
    try:
        person = Personalisation(name=name, touch=touch)
    except ValidationError:
        person = None
    out = fill(" ".join(parts), person)
    assert "{" not in out and "}" not in out


def test_count_words() -> None:
    assert count_words("Let the breath come and go.") == 6
    assert count_words("It\u2019s fine, isn't it? Warm-hearted \u2014 10 breaths.") == 8
    assert count_words("") == 0


def test_speech_seconds_counts_words_after_default_filling() -> None:
    fourteen = " ".join(["calm"] * 14)
    assert speech_seconds(fourteen) == pytest.approx(6.0)
    assert speech_seconds(fourteen, wpm=70) == pytest.approx(12.0)
    # ", {name}" disappears; {touch} becomes the ten-word default.
    assert speech_seconds("Rest, {name}.") == pytest.approx(60 / DEFAULT_WPM)
    assert speech_seconds("{touch}") == pytest.approx(count_words(DEFAULT_TOUCH) * 60 / 140)
    with pytest.raises(ValueError, match="words per minute must be above 0"):
        speech_seconds("calm", wpm=0)


def test_estimate_seconds() -> None:
    variant = Variant(
        level=1,
        target_seconds=60,
        segments=[
            Segment(say=" ".join(["calm"] * 70)),
            Segment(pause=25.5),
            Segment(cue="bell"),
        ],
    )
    assert CUE_SECONDS == 3.0
    assert estimate_seconds(variant) == pytest.approx(30 + 25.5 + 3)
    assert estimate_seconds(variant, wpm=70) == pytest.approx(60 + 25.5 + 3)
    assert timing_problem(variant) is None
    assert "allowed 51-69 s" in (timing_problem(variant, wpm=70) or "")
