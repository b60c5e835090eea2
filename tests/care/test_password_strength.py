"""New passwords: at least 12 characters, and none that guessers try first (the list shipped
with the package, with digits and signs at the ends set aside), no runs or repetitions, not
the email's name; each refusal says what to do instead."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care.accounts.passwords import MIN_PASSWORD_LENGTH, common_passwords, weakness


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaa",  # the one the review found accepted
        "aaaaaaaaaaaa",
        "short-one",
        "password1234",
        "Password123!",
        "!!qwertyuiop!!",
        "123456789012",
        "abcdefghijkl",
        "987654321098",
        "abcabcabcabc",
        "iloveyou2026",
        "selfcompassion1",
        "rowan.ames-secret",
    ],
)
def test_easily_guessed_passwords_are_refused_with_a_reason(password):
    problem = weakness(password, "rowan.ames@example.org")
    assert problem and problem[0].islower() and len(problem) > 20


@pytest.mark.parametrize(
    "password", ["a-brand-new-passphrase", "kettle orbit lantern", "Tw0 w@lks by the river"]
)
def test_long_unrelated_words_are_welcome(password):
    assert weakness(password, "rowan@example.org") is None


def test_the_shipped_list_is_there_and_lowercase():
    words = common_passwords()
    assert len(words) > 200 and "password" in words and all(w == w.lower() for w in words)


@given(st.text(max_size=30))
def test_any_password_gets_an_answer_and_short_ones_are_always_refused(password):
    problem = weakness(password, "someone@example.org")
    if len(password) < MIN_PASSWORD_LENGTH:
        assert problem is not None and "12 characters" in problem
