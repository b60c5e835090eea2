"""Assembly over synthetic PCM: silences, the bell, loudness, fades, layout; no engine."""

import math
from array import array
from types import SimpleNamespace

import pytest

from media.assemble import (
    BELL_PEAK_DBFS,
    PEAK_CEILING_DBFS,
    SAMPLE_RATE,
    TARGET_DBFS,
    _gated_mean_square,
    apply_gain,
    assemble,
    audioop,
    bell,
    fade,
    gain_for,
    silence,
)
from tests.media.helpers import dbfs, tone


def normalise(pcm: bytes) -> bytes:
    """One chunk through the assembly's loudness step: one gain, then applied."""
    return apply_gain(pcm, gain_for([pcm]))


def item(index, kind, duration, text=None):
    """A stand-in for practices' TimelineItem."""
    return SimpleNamespace(index=index, kind=kind, duration=duration, text=text, optional=False)


def test_silence_is_exact_digital_zero():
    pcm = bytes(silence(4.5))
    assert len(pcm) == 2 * round(4.5 * SAMPLE_RATE)
    assert not any(pcm)


def test_bell_is_quiet_three_seconds_starting_and_ending_softly():
    pcm = bell()
    assert len(pcm) == 2 * 3 * SAMPLE_RATE
    peak = audioop.max(pcm, 2)
    assert peak > 0 and dbfs(peak) <= BELL_PEAK_DBFS + 0.1
    values = array("h", pcm)
    assert values[0] == 0 and values[-1] == 0  # no click into or out of the pauses
    assert max(abs(v) for v in values[:20]) < peak / 4  # a gentle attack


def test_normalise_reaches_the_target_level():
    quiet = tone(2.0, amplitude=800)
    level = dbfs(math.sqrt(_gated_mean_square([normalise(quiet)])))
    assert level == pytest.approx(TARGET_DBFS, abs=0.2)


def test_normalise_keeps_peaks_under_the_ceiling():
    spiky = bytearray(tone(2.0, amplitude=300))
    spiky[1000:1002] = (30000).to_bytes(2, "little", signed=True)  # one loud click
    out = normalise(bytes(spiky))
    assert dbfs(audioop.max(out, 2)) <= PEAK_CEILING_DBFS + 0.01


def test_normalise_leaves_silence_alone():
    assert normalise(bytes(1000)) == bytes(1000)


def test_fade_ramps_both_ends_and_keeps_the_middle():
    chunks = fade([tone(1.0, 10000), bytes(silence(1.0)), tone(1.0, 10000)], 2205)
    joined = array("h", b"".join(chunks))
    assert joined[0] == 0 and joined[-1] == 0
    assert max(abs(v) for v in joined[:50]) < 500
    middle = joined[5000:6000]
    assert max(abs(v) for v in middle) > 9000


def test_assemble_lays_out_real_lengths_and_exact_pauses():
    speech = {0: tone(1.234), 2: tone(0.5), 4: tone(2.0)}
    items = [
        item(0, "speech", 9.0, "first"),  # the estimate is 9 s, the audio 1.234 s
        item(1, "pause", 4.0),
        item(2, "speech", 1.0, "second"),
        item(3, "cue", 3.0),
        item(4, "speech", 1.0, "third"),
    ]
    result = assemble(items, speech)
    assert [i.duration for i in result.audio_items] == pytest.approx(
        [1.234, 4.0, 0.5, 3.0, 2.0], abs=1 / SAMPLE_RATE
    )
    starts = [i.start for i in result.audio_items]
    assert starts == pytest.approx([0, 1.234, 5.234, 5.734, 8.734], abs=1 / SAMPLE_RATE)
    assert result.total_seconds == pytest.approx(10.734, abs=1 / SAMPLE_RATE)
    pcm = b"".join(result.chunks)
    assert len(pcm) == 2 * result.total_samples
    pause = pcm[2 * round(1.234 * SAMPLE_RATE) : 2 * round(5.234 * SAMPLE_RATE)]
    assert not any(pause)
    assert [i.text for i in result.audio_items] == ["first", None, "second", None, "third"]


def test_assemble_needs_every_speech_item():
    with pytest.raises(ValueError, match=r"\[2\]"):
        assemble([item(0, "speech", 1, "a"), item(2, "speech", 1, "b")], {0: tone(0.1)})


def test_assemble_scales_all_speech_by_one_gain():
    speech = {0: tone(1.0, 1000), 1: tone(1.0, 2000)}
    result = assemble([item(0, "speech", 1, "a"), item(1, "speech", 1, "b")], speech)
    first, second = result.chunks
    # One gain for the whole practice keeps the speaker's own dynamics.
    assert audioop.rms(second, 2) / audioop.rms(first, 2) == pytest.approx(2.0, rel=0.01)
