"""The engine's pure output check: is this much audio plausibly this text at this rate?"""

import pytest

from media.speech.engines import implausible


@pytest.mark.parametrize(
    ("seconds_", "text", "ok"),
    [
        (0.0, "hello there", False),
        (3.0, "one two three four five six", True),
        (0.2, "one two three four five six seven eight nine ten", False),
        (0.5, "...", True),
    ],
)
def test_plausibility_check(seconds_, text, ok):
    assert (implausible(seconds_, text, 140) is None) is ok


def test_the_reason_names_the_length_and_the_expectation():
    reason = implausible(0.2, "one two three four five six seven eight nine ten", 140)
    assert reason == "0.20 s of audio for 10 words at 140 words a minute (expected about 4.3 s)"
