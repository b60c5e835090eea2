"""The speech worker pool on the real engine: output, settings, errors, kill and hang, voices."""

import os
import signal
import threading

import pytest

from media.errors import UnknownVoice
from media.speech.engines import SAMPLE_RATE
from media.speech.pool import SharedPool, list_voices, running_shared_pool, shared_pool
from media.speech.voices import DEFAULT_VOICE, VoiceSettings, voices_table
from tests.media.helpers import in_threads, needs_speech, rms

TEXT = "Let yourself settle where you are, and notice the breath."


def seconds(pcm: bytes) -> float:
    """Length of 16-bit mono PCM in seconds."""
    return len(pcm) / 2 / SAMPLE_RATE


def test_synthesis_returns_plausible_speech(pool):
    pcm = pool.synthesize(TEXT, VoiceSettings())
    assert 2.0 < seconds(pcm) < 8.0  # ten words at 140 words a minute is about 4 s
    assert rms(pcm) > 300


def test_rate_and_pitch_really_change_the_sound(pool):
    slow = pool.synthesize(TEXT, VoiceSettings(rate=100))
    fast = pool.synthesize(TEXT, VoiceSettings(rate=220))
    assert seconds(slow) > 1.8 * seconds(fast)
    low = pool.synthesize(TEXT, VoiceSettings(pitch=10))
    high = pool.synthesize(TEXT, VoiceSettings(pitch=90))
    assert low != high
    # Alternating settings must not leak from one request into the next. (espeak-ng varies a
    # few milliseconds between runs of the same text, so compare lengths, not bytes.)
    again = pool.synthesize(TEXT, VoiceSettings(rate=100))
    assert seconds(again) == pytest.approx(seconds(slow), rel=0.02)


def test_unknown_voice_lists_the_available_voices(pool):
    with pytest.raises(UnknownVoice) as caught:
        pool.synthesize(TEXT, VoiceSettings(voice="xx/no-such-voice"))
    assert "gmw/en" in caught.value.available
    assert "unknown voice 'xx/no-such-voice'; available voices: " in str(caught.value)
    assert "gmw/en-us" in str(caught.value)


def test_many_threads_share_the_pool(pool):
    results, errors = in_threads(lambda: pool.synthesize(TEXT, VoiceSettings()), 8)
    assert errors == [] and len(results) == 8
    # The same request sounds the same on every worker, to within espeak-ng's own jitter.
    lengths = [seconds(pcm) for pcm in results]
    assert max(lengths) - min(lengths) < 0.05


def _once(action):
    """A pool hook that runs `action(pid)` on the first request only."""
    fired = threading.Event()

    def hook(pid):
        if not fired.is_set():
            fired.set()
            action(pid)

    return hook, fired


def test_a_killed_worker_is_replaced_and_the_request_retried(pool):
    hook, fired = _once(lambda pid: os.kill(pid, signal.SIGKILL))
    restarts, pool.after_send = pool.restarts, hook
    try:
        pcm = pool.synthesize(TEXT, VoiceSettings())
    finally:
        pool.after_send = None
    assert fired.is_set() and pool.restarts == restarts + 1
    assert seconds(pcm) > 2.0


def test_a_hung_worker_is_killed_after_the_timeout(pool):
    victims = []

    def freeze(pid):
        victims.append(pid)
        os.kill(pid, signal.SIGSTOP)  # alive but silent, like a hung engine

    hook, _ = _once(freeze)
    timeout, pool.timeout, pool.after_send = pool.timeout, 1.0, hook
    try:
        pcm = pool.synthesize(TEXT, VoiceSettings())
    finally:
        pool.timeout, pool.after_send = timeout, None
    assert seconds(pcm) > 2.0
    assert victims and victims[0] not in pool.worker_pids()
    with pytest.raises(ProcessLookupError):
        os.kill(victims[0], 0)  # killed and reaped


def test_installed_voices_include_the_default_and_no_silent_ones():
    needs_speech()
    voices = list_voices()
    ids = [v.id for v in voices]
    assert DEFAULT_VOICE in ids and "gmw/en-us" in ids
    assert not [i for i in ids if i.startswith(("mb/", "!v/"))]
    english = next(v for v in voices if v.id == DEFAULT_VOICE)
    assert english.name and english.languages
    table = voices_table(voices)
    assert table.splitlines()[0].split() == ["id", "kind", "languages", "name"]
    assert DEFAULT_VOICE in table


def test_the_shared_pool_handle_starts_one_pool_per_process_on_first_use():
    needs_speech()
    handle = SharedPool(workers=1)
    assert handle.workers == 1
    pcm = handle.synthesize(TEXT, VoiceSettings())
    assert seconds(pcm) > 2.0
    assert running_shared_pool() is handle.pool() is shared_pool()
    with pytest.raises(UnknownVoice):
        handle.check_voice("xx/no-such-voice")
