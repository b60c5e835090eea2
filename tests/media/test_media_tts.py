"""The speech worker pool on the real engine: output, settings, errors, kill and hang."""

import os
import signal
import threading

import pytest

from media._worker import _plausible
from media.errors import UnknownVoice
from media.tts import SAMPLE_RATE
from media.voice import VoiceSettings
from tests.media.helpers import rms

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
    results: list[bytes] = []
    errors: list[Exception] = []

    def speak():
        try:
            results.append(pool.synthesize(TEXT, VoiceSettings()))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=speak) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
    assert (_plausible(seconds_, text, 140) is None) is ok
