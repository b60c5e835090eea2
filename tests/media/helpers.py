"""Helpers shared by the media tests: tones, WAV reading, RMS, a counting pool, the skip."""

import math
import threading
import wave
from array import array
from pathlib import Path

import pytest

from media.assemble import FULL_SCALE, SAMPLE_RATE, audioop
from media.speech.voices import availability

SPEECH_MISSING = availability()


def needs_speech() -> None:
    """Skip the calling test with a clear reason when espeak-ng is not installed."""
    if SPEECH_MISSING:
        pytest.skip(f"real speech engine needed: {SPEECH_MISSING}")


class CountingPool:
    """Wraps a pool and counts synthesize calls (optionally slowing them to force overlap)."""

    def __init__(self, inner, delay: float = 0.0) -> None:
        self.inner = inner
        self.workers = inner.workers
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def check_voice(self, voice: str) -> None:
        """Delegate the voice check."""
        self.inner.check_voice(voice)

    def synthesize(self, text, settings) -> bytes:
        """Count, optionally wait, then synthesise for real."""
        with self._lock:
            self.calls += 1
        if self.delay:
            threading.Event().wait(self.delay)
        return self.inner.synthesize(text, settings)


def read_wav(path: Path) -> bytes:
    """The PCM frames of a 16-bit mono WAV at SAMPLE_RATE (asserting that format)."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        return wav.readframes(wav.getnframes())


def segment(pcm: bytes, start: float, duration: float) -> bytes:
    """The PCM between start and start + duration seconds."""
    a = round(start * SAMPLE_RATE)
    b = a + round(duration * SAMPLE_RATE)
    return pcm[2 * a : 2 * b]


def rms(pcm: bytes) -> int:
    """RMS sample value of 16-bit PCM."""
    return audioop.rms(pcm, 2) if pcm else 0


def tone(seconds: float, amplitude: float = 3000, freq: float = 220.0) -> bytes:
    """A plain sine: a stand-in for speech with a known level."""
    n = round(seconds * SAMPLE_RATE)
    values = array(
        "h", (round(amplitude * math.sin(2 * math.pi * freq * i / SAMPLE_RATE)) for i in range(n))
    )
    return values.tobytes()


def dbfs(rms: float) -> float:
    """An RMS sample value as dBFS (-inf for silence)."""
    return 20 * math.log10(rms / FULL_SCALE) if rms > 0 else -math.inf


def in_threads(action, count: int) -> tuple[list, list[Exception]]:
    """Run `action()` in `count` threads released together; their results and errors."""
    results: list = []
    errors: list[Exception] = []
    barrier = threading.Barrier(count)

    def run():
        barrier.wait()
        try:
            results.append(action())
        except Exception as error:  # collected for the test to assert
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
