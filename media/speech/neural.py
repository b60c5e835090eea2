"""One Piper engine (natural voices): voices loaded on first use, every utterance checked.

Only a spawned speech worker (media.speech.worker) creates one, with the same discipline as
the espeak-ng engine: settings are checked, every utterance is verified (non-empty, a
plausible length for its words at the asked rate) and a bad one is tried again. Output is
16-bit mono PCM at engines.SAMPLE_RATE, resampled when a voice speaks at another rate, so
assembly, loudness, the bell and captions are the same for both kinds of voice.

Measured here (piper-tts 1.8.0, en_US-joe-medium, 2 cores): the voice loads in 0.35-0.5 s and
speaks about 20 times faster than real time; a worker peaks near 250 MB. Piper's phonemes come
from its own built-in espeak-ng, so it needs no system package.
"""

import json
import re

from media.speech.catalogue import NaturalVoice
from media.speech.engines import SAMPLE_RATE, implausible

# Bump when the way hearth drives Piper changes the sound (pace mapping, resampling): cache
# entries made the old way then stop matching.
NEURAL_VERSION = "neural-2"
# Piper's medium voices speak about 230 words a minute at their own pace (length scale 1,
# measured with en_US-joe-medium over multi-sentence text); the practice timings assume a calm
# 140, so the asked rate scales the length of each sound.
NATIVE_WPM = 230
LENGTH_RANGE = (0.6, 2.6)
# At most this many voices stay loaded in one worker; each model holds about 100 MB.
LOADED = 2
_WORD = re.compile(r"[^\W_]+")


def length_scale(rate: int) -> float:
    """Piper's length scale for `rate` words a minute (longer sounds for slower speech)."""
    low, high = LENGTH_RANGE
    return round(min(high, max(low, NATIVE_WPM / rate)), 3)


def resample(pcm: bytes, rate: int, target: int = SAMPLE_RATE) -> bytes:
    """16-bit mono PCM from `rate` to `target` Hz (linear interpolation; most Piper voices
    already speak at 22,050 Hz and pass through untouched)."""
    if rate == target or not pcm:
        return pcm
    import numpy

    samples = numpy.frombuffer(pcm, dtype="<i2").astype(numpy.float32)
    count = max(1, round(len(samples) * target / rate))
    positions = numpy.linspace(0, len(samples) - 1, count)
    resampled = numpy.interp(positions, numpy.arange(len(samples)), samples)
    return numpy.clip(numpy.rint(resampled), -32768, 32767).astype("<i2").tobytes()


class NeuralEngine:
    """Piper voices in this process, loaded when first asked for (at most LOADED at once)."""

    def __init__(self, voices: list[NaturalVoice], threads: int = 0) -> None:
        import onnxruntime  # noqa: F401 - fail at start, not at the first request
        import piper  # noqa: F401

        self.catalogue = {voice.id: voice for voice in voices}
        self.threads = threads
        self.voices = [(v.id, v.name, (v.language,)) for v in voices]
        self.voice_ids = set(self.catalogue)
        self._loaded: dict[str, object] = {}

    def _voice(self, voice_id: str):
        if voice_id in self._loaded:
            return self._loaded[voice_id]
        import onnxruntime
        from piper import PiperConfig, PiperVoice

        entry = self.catalogue[voice_id]
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(entry.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(entry.config.read_text("utf-8")))
        voice = PiperVoice(session=session, config=config)
        while len(self._loaded) >= LOADED:
            self._loaded.pop(next(iter(self._loaded)))
        self._loaded[voice_id] = voice
        return voice

    def synth(self, text: str, voice: str, rate: int, pitch: int, path: str) -> tuple:
        """One utterance to PCM, checked; a reply tuple for the parent. Pitch is the voice's
        own (a natural voice has no pitch setting); `path` is not needed."""
        if voice not in self.voice_ids:
            return ("unknown_voice", sorted(self.voice_ids))
        if not _WORD.search(text):
            # Nothing to say aloud ("..."): a short pause, as espeak-ng gives, not a failure
            # that would replace the worker.
            return ("ok", bytes(2 * SAMPLE_RATE // 4))
        from piper import SynthesisConfig

        engine = self._voice(voice)
        config = SynthesisConfig(length_scale=length_scale(rate))
        reply: tuple = ("bad", "not synthesised")
        for _ in range(2):
            chunks = list(engine.synthesize(text, syn_config=config))
            pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
            if chunks and (chunks[0].sample_channels, chunks[0].sample_width) != (1, 2):
                return ("bad", "unexpected audio format from the natural voice")
            pcm = resample(pcm, chunks[0].sample_rate if chunks else SAMPLE_RATE)
            problem = implausible(len(pcm) / 2 / SAMPLE_RATE, text, rate)
            reply = ("bad", problem) if problem else ("ok", pcm)
            if reply[0] == "ok":
                break
        return reply
