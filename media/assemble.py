"""Pure assembly over PCM: speech, exact silences, a soft bell, loudness, fades, one join.

All PCM here is 16-bit signed little-endian mono at SAMPLE_RATE. Nothing is concatenated in a
loop: parts are collected in a list and joined once (or written out one by one), because
`a + b` in a loop copies everything each time.

Loudness target: the speech is scaled so that its gated RMS level is TARGET_DBFS (-20 dBFS,
full-scale square wave = 0 dB), measured over 50 ms windows louder than -50 dBFS so the
engine's own short pauses do not count, with peaks held at or below PEAK_CEILING_DBFS (-1
dBFS). Every practice, voice and rate therefore plays at the same speech level. The bell is
fixed at a peak of BELL_PEAK_DBFS, well below the speech, and pauses stay digital silence.
"""

import cmath
import functools
import math
import warnings
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from media.speech.engines import SAMPLE_RATE
from practices.timing import CUE_SECONDS

with warnings.catch_warnings():
    # audioop gives C-speed RMS, peak and gain without numpy. It is deprecated in 3.11-3.12
    # and provided by the audioop-lts package from 3.13; pydub depends on it in the same way.
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

TARGET_DBFS = -20.0
PEAK_CEILING_DBFS = -1.0
GATE_DBFS = -50.0
BELL_PEAK_DBFS = -16.0
FADE_SECONDS = 0.2
FULL_SCALE = 32767
_WINDOW_SECONDS = 0.05


def _amplitude(dbfs: float) -> float:
    return FULL_SCALE * 10 ** (dbfs / 20)


def samples(seconds: float, sample_rate: int = SAMPLE_RATE) -> int:
    """Whole samples in `seconds`, rounded to the nearest sample."""
    return round(seconds * sample_rate)


_zero_buffer = b""


def silence(seconds: float, sample_rate: int = SAMPLE_RATE) -> memoryview:
    """Exactly `seconds` of digital silence (a view on one shared zero buffer, no copy)."""
    global _zero_buffer
    size = 2 * samples(seconds, sample_rate)
    if size > len(_zero_buffer):
        _zero_buffer = bytes(size)  # grows to the longest pause seen, then is reused
    return memoryview(_zero_buffer)[:size]


@functools.cache
def bell(seconds: float = CUE_SECONDS, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A soft bell of exactly `seconds`: a few sine partials, gentle attack, long decay."""
    n = samples(seconds, sample_rate)
    peak = _amplitude(BELL_PEAK_DBFS)
    # A low fundamental with weaker, faster-fading overtones sounds like a small bowl, not a
    # beep; the slight inharmonic third partial keeps it from sounding electronic.
    partials = ((392.0, 1.0, 1.1), (784.0, 0.3, 0.6), (1185.0, 0.12, 0.35))
    attack, release = int(0.02 * sample_rate), int(0.25 * sample_rate)
    norm = sum(weight for _, weight, _ in partials)
    # Each decaying partial is a complex phasor turned and shrunk by a fixed step per sample:
    # one multiplication instead of sin() and exp() per sample, several times faster.
    steps = [
        cmath.exp(complex(-1 / (decay * sample_rate), 2 * math.pi * freq / sample_rate))
        for freq, _, decay in partials
    ]
    phasors = [complex(weight / norm, 0) for _, weight, _ in partials]
    out = array("h", bytes(2 * n))
    for i in range(n):
        value = 0.0
        for k, step in enumerate(steps):
            value += phasors[k].imag
            phasors[k] *= step
        envelope = 1.0
        if i < attack:  # raised-cosine attack: no click at the start
            envelope = 0.5 - 0.5 * math.cos(math.pi * i / attack)
        elif i >= n - release:  # end at true zero so the following pause stays silent
            envelope = (n - 1 - i) / release
        out[i] = round(peak * envelope * value)
    return out.tobytes()


def _gated_mean_square(chunks: Iterable[bytes]) -> float:
    """Mean square over 50 ms windows above the gate; 0.0 when everything is quieter."""
    window = 2 * samples(_WINDOW_SECONDS)
    gate = _amplitude(GATE_DBFS)
    total, count = 0.0, 0
    for chunk in chunks:
        for offset in range(0, len(chunk) - window + 1, window):
            rms = audioop.rms(chunk[offset : offset + window], 2)
            if rms > gate:
                total += rms * rms
                count += 1
    return total / count if count else 0.0


def gain_for(
    chunks: Sequence[bytes],
    target_dbfs: float = TARGET_DBFS,
    ceiling_dbfs: float = PEAK_CEILING_DBFS,
) -> float:
    """The one factor that brings these chunks to `target_dbfs` without passing the ceiling."""
    mean_square = _gated_mean_square(chunks)
    if mean_square <= 0:
        return 1.0
    gain = _amplitude(target_dbfs) / math.sqrt(mean_square)
    peak = max((audioop.max(chunk, 2) for chunk in chunks), default=0)
    if peak:
        gain = min(gain, _amplitude(ceiling_dbfs) / peak)
    return gain


def apply_gain(pcm: bytes, gain: float) -> bytes:
    """PCM scaled by `gain`, clipped at full scale."""
    return pcm if gain == 1.0 else audioop.mul(pcm, 2, gain)


def _ramp(chunk: bytes, first: int, last: int, factor) -> bytes:
    """The chunk with samples first..last-1 multiplied by factor(sample index in chunk)."""
    values = array("h")
    values.frombytes(bytes(chunk))
    for i in range(first, last):
        values[i] = round(values[i] * factor(i))
    return values.tobytes()


def fade(chunks: list, fade_samples: int) -> list:
    """The chunk list with a linear fade-in and fade-out over `fade_samples` at each end."""
    chunks = list(chunks)
    total = sum(len(c) // 2 for c in chunks)
    n = min(fade_samples, total // 2)
    if n <= 0:
        return chunks
    start = 0
    for i, chunk in enumerate(chunks):
        length = len(chunk) // 2
        end = start + length
        if isinstance(chunk, memoryview):  # a shared silence: faded silence is silence
            start = end
            continue
        if start < n:  # overlaps the fade-in: factor rises 0 -> 1
            chunk = _ramp(chunk, 0, min(length, n - start), lambda j, s=start: (s + j) / n)
        if end > total - n:  # overlaps the fade-out: factor falls to 0 on the last sample
            first = max(0, total - n - start)
            chunk = _ramp(chunk, first, length, lambda j, s=start: (total - 1 - s - j) / n)
        chunks[i] = chunk
        start = end
    return chunks


@dataclass(frozen=True)
class AudioItem:
    """One step as it really sounds: its start and duration in the rendered audio."""

    index: int
    kind: str
    start: float
    duration: float
    text: str | None = None
    optional: bool = False

    def as_dict(self) -> dict:
        """JSON-ready form, times rounded to the microsecond."""
        return {
            "index": self.index,
            "kind": self.kind,
            "start": round(self.start, 6),
            "duration": round(self.duration, 6),
            "text": self.text,
            "optional": self.optional,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "AudioItem":
        """The item back from as_dict()."""
        return cls(
            **{k: data.get(k) for k in ("index", "kind", "start", "duration", "text")},
            optional=bool(data.get("optional")),
        )


@dataclass
class Assembly:
    """The assembled practice: PCM parts in order, their timeline, and the gain applied."""

    chunks: list
    sample_rate: int
    audio_items: list[AudioItem]
    total_samples: int
    gain: float = 1.0

    @property
    def total_seconds(self) -> float:
        """Length of the audio in seconds."""
        return self.total_samples / self.sample_rate


def assemble(
    items: Sequence,
    speech: Mapping[int, bytes],
    *,
    sample_rate: int = SAMPLE_RATE,
    target_dbfs: float = TARGET_DBFS,
    fade_seconds: float = FADE_SECONDS,
) -> Assembly:
    """Lay out timeline items as audio: speech at its real length, pauses and cues exact."""
    missing = [it.index for it in items if it.kind == "speech" and it.index not in speech]
    if missing:
        raise ValueError(f"no synthesised speech for timeline items {missing}")
    spoken = [speech[it.index] for it in items if it.kind == "speech"]
    gain = gain_for(spoken, target_dbfs)
    chunks: list = []
    audio_items: list[AudioItem] = []
    position = 0  # in samples, so starts are exact sums with no float drift
    for item in items:
        if item.kind == "speech":
            chunk = apply_gain(speech[item.index], gain)
        elif item.kind == "pause":
            chunk = silence(item.duration, sample_rate)
        elif item.kind == "cue":
            chunk = bell(item.duration, sample_rate)
        else:
            raise ValueError(f"unknown timeline item kind {item.kind!r}")
        length = len(chunk) // 2
        audio_items.append(
            AudioItem(
                index=item.index,
                kind=item.kind,
                start=position / sample_rate,
                duration=length / sample_rate,
                text=item.text if item.kind == "speech" else None,
                optional=bool(getattr(item, "optional", False)),
            )
        )
        chunks.append(chunk)
        position += length
    chunks = fade(chunks, samples(fade_seconds, sample_rate))
    return Assembly(chunks, sample_rate, audio_items, position, gain)
