"""One pyttsx3 engine on espeak-ng: warmed up, settings verified, every utterance checked.

Only a spawned speech worker (media.speech.worker) creates an Engine: pyttsx3 allows one engine
per process. The output facts live here too: espeak-ng always writes 16-bit mono WAV at
SAMPLE_RATE, whatever the file name says.
"""

import contextlib
import os
import re
import time
import wave

from media.speech.voices import usable

SAMPLE_RATE = 22050  # espeak-ng's output rate, whatever the file name says
_WORD = re.compile(r"[^\W_]+")


def implausible(seconds: float, text: str, rate: int) -> str | None:
    """Why `seconds` of audio cannot be `text` spoken at `rate`, or None when it can."""
    words = len(_WORD.findall(text))
    if seconds <= 0:
        return "the engine wrote no audio"
    if words == 0:
        return None
    expected = words / rate * 60
    # espeak-ng runs a little faster than its nominal rate and adds an end-of-sentence pause;
    # these bounds catch a lost rate setting or a truncated file, not normal variation.
    if not 0.3 * expected <= seconds <= 3 * expected + 2:
        return (
            f"{seconds:.2f} s of audio for {words} words at {rate} words a minute "
            f"(expected about {expected:.1f} s)"
        )
    return None


class _QuickSleep:
    """Stands in for the time module inside pyttsx3's espeak driver: sleeps at most 1 ms."""

    @staticmethod
    def sleep(seconds: float) -> None:
        """Sleep min(seconds, 1 ms)."""
        time.sleep(min(seconds, 0.001))


def _shorten_driver_poll() -> None:
    """Make runAndWait notice the end of an utterance within 1 ms instead of 10 ms."""
    import pyttsx3.drivers.espeak as driver

    # The driver's loop polls with time.sleep(0.01), which rounds every utterance up to the
    # next 10 ms: measured, a 21-segment practice took 0.35 s instead of 0.24 s. Only this
    # worker process's copy of the driver is affected; if a pyttsx3 release stops using the
    # time module there, this does nothing.
    if getattr(driver, "time", None) is time:
        driver.time = _QuickSleep


class Engine:
    """One warmed-up pyttsx3 engine on espeak-ng, with verified settings."""

    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        _shorten_driver_poll()
        self.engine = pyttsx3.init("espeak")
        # The first runAndWait() on a fresh engine can return before synthesis finishes, so
        # spend it on nothing here rather than on the first real utterance.
        self.engine.runAndWait()
        self.voices = [
            (v.id, v.name, tuple(v.languages or ()))
            for v in self.engine.getProperty("voices")
            if usable(v.id)
        ]
        self.voice_ids = {v[0] for v in self.voices}

    def _current(self) -> tuple[str, int, int]:
        # pyttsx3's getProperty("rate") calls espeak_GetParameter without its `current`
        # argument; call it properly so the check reads the value in force, not the default.
        get = self._espeak.dll.espeak_GetParameter
        return (
            (self.engine.getProperty("voice") or "").lower(),
            get(self._espeak.RATE, 1),
            get(self._espeak.PITCH, 1),
        )

    def configure(self, voice: str, rate: int, pitch: int) -> str | None:
        """Set voice, rate and pitch and verify them; the reason when the engine refuses."""
        wanted = (voice, rate, pitch)
        # pyttsx3 runs espeak-ng in its asynchronous mode: rate and pitch are queued behind the
        # engine's command fifo while a voice change applies at once and can undo them. Waiting
        # for the fifo (espeak_Synchronize) after each step is what makes the settings stick;
        # measured: without it, alternating settings lost the rate on every change.
        synchronize = self._espeak.dll.espeak_Synchronize
        if self._current() == wanted:
            return None  # already in force (nothing is queued between requests)
        for _ in range(2):  # still wrong after one round: try once more before giving up
            self.engine.setProperty("voice", voice)
            synchronize()
            self.engine.setProperty("rate", rate)
            self.engine.setProperty("pitch", pitch)
            synchronize()
            actual = self._current()
            if actual == wanted:
                return None
        return f"the engine did not take voice, rate, pitch {wanted}: it reports {actual}"

    def synth(self, text: str, voice: str, rate: int, pitch: int, path: str) -> tuple:
        """One utterance to PCM, checked; a reply tuple for the parent."""
        if voice not in self.voice_ids:
            return ("unknown_voice", sorted(self.voice_ids))
        problem = self.configure(voice, rate, pitch)
        if problem:
            return ("bad", problem)
        reply: tuple = ("bad", "not synthesised")
        for _ in range(2):  # an empty file is pyttsx3's rare race: one more go on this engine
            reply = self._utter(text, rate, path)
            if reply[0] == "ok":
                break
        return reply

    def _utter(self, text: str, rate: int, path: str) -> tuple:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # so a stale file can never pass for this utterance
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()
        # runAndWait can return while espeak-ng's own thread is still winding down; the next
        # request's runAndWait then cancels it and writes an empty file (measured: about 1 in
        # 700 utterances). Waiting for espeak-ng to go idle removed that in 2,100 trials.
        self._espeak.dll.espeak_Synchronize()
        try:
            with wave.open(path, "rb") as wav:
                shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
                pcm = wav.readframes(wav.getnframes())
        except (FileNotFoundError, EOFError, wave.Error) as error:
            return ("bad", f"the engine wrote no readable file ({error})")
        if shape != (1, 2, SAMPLE_RATE):
            return ("bad", f"unexpected audio format (channels, bytes, rate) {shape}")
        problem = implausible(len(pcm) / 2 / SAMPLE_RATE, text, rate)
        return ("bad", problem) if problem else ("ok", pcm)
