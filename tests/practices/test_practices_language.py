"""Client-facing language rules."""

import pytest

from practices.language import NAMING_TERMS, RELIEF_PROMISES, SHAMING_TERMS, language_problems


@pytest.mark.parametrize(
    "text",
    [
        "Try this self-compassion pause.",
        "Be Self Compassionate today.",
        "A selfcompassion moment.",
        "Being self\u2011compassionate takes time.",
        "SELF-COMPASSION",
    ],
)
def test_naming_the_goal_is_caught(text: str) -> None:
    problems = language_problems(text)
    assert len(problems) == 1
    assert "names the goal" in problems[0]


def test_therapists_may_read_clinical_terms() -> None:
    assert language_problems("A self-compassion break.", audience="therapist") == []
    assert language_problems("You failed.", audience="therapist") != []


@pytest.mark.parametrize("term", SHAMING_TERMS)
def test_every_shaming_term_is_caught(term: str) -> None:
    problems = language_problems(f"Today {term.upper()} again.")
    assert len(problems) == 1 and "blame or pressure" in problems[0]


@pytest.mark.parametrize("term", RELIEF_PROMISES)
def test_every_relief_promise_is_caught(term: str) -> None:
    problems = language_problems(f"This {term} soon.")
    assert len(problems) == 1 and "promises relief" in problems[0]


def test_required_terms_are_listed() -> None:
    assert {"self-compassion", "self-compassionate"} <= set(NAMING_TERMS)
    assert {
        "failed",
        "failure",
        "missed",
        "should have",
        "streak",
        "lazy",
        "you have to",
        "don't forget",
        "behind schedule",
        "try harder",
        "no excuse",
    } <= set(SHAMING_TERMS)
    assert {
        "will feel better",
        "make the pain go away",
        "get rid of",
        "guaranteed",
        "will disappear",
    } <= set(RELIEF_PROMISES)


@pytest.mark.parametrize(
    "text",
    [
        "You don't have to do anything.",  # "have to" without "you" right before it
        "A secure, curious mind.",  # "cure" inside a word
        "Missing someone is human.",
        "Compassion for yourself and others.",
        "Let it be; you are welcome here.",
        "Don\u2019t worry about forgetting.",
    ],
)
def test_word_boundaries_avoid_false_alarms(text: str) -> None:
    assert language_problems(text) == []


def test_curly_apostrophes_and_explanations() -> None:
    problems = language_problems("Don\u2019t forget: you should\u2019ve gotten rid of it.")
    assert len(problems) == 2
    assert problems[0].startswith("'Don\u2019t forget'") and "CLINICAL.md" in problems[0]
    assert language_problems("You should have known; get  rid of it.") == [
        "'should have' can sound like blame or pressure; client words never shame, nag or "
        "set rigid expectations (CLINICAL.md section 2, rule 4)",
        "'get  rid of' promises relief; we practise because it is hard, not to make feelings "
        "go away (CLINICAL.md section 2, rule 2)",
    ]
