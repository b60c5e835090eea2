"""WebVTT captions from an audio timeline: timestamps, one cue per speech item and bell."""

from types import SimpleNamespace

import pytest

from media.captions import timestamp, webvtt


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00:00.000"), (61.2345, "00:01:01.234"), (3600 + 59.9996, "01:01:00.000")],
)
def test_timestamps(seconds, text):
    assert timestamp(seconds) == text


def test_webvtt_has_a_cue_per_speech_item_and_bell_and_escapes_markup():
    items = [
        SimpleNamespace(kind="speech", start=0.0, duration=1.5, text="Rest <here> & breathe"),
        SimpleNamespace(kind="pause", start=1.5, duration=4.0, text=None),
        SimpleNamespace(kind="cue", start=5.5, duration=3.0, text=None),
    ]
    assert webvtt(items) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.500\nRest &lt;here&gt; &amp; breathe\n\n"
        "2\n00:00:05.500 --> 00:00:08.500\n(a soft bell)\n"
    )
