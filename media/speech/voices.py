"""Voice settings, what a voice is, and cheap checks of the installed engine (no engine started)."""

import ctypes
import ctypes.util
import functools
import shutil
from dataclasses import dataclass
from importlib import metadata

from media.errors import InvalidPitch, InvalidRate, SpeechUnavailable
from media.speech import catalogue

# espeak-ng's British English voice: its default English voice, the best tested, and clear at
# slow rates. Listeners who prefer another accent pick one from
# media.speech.pool.list_voices().
DEFAULT_VOICE = "gmw/en"
DEFAULT_RATE = 140  # words per minute; the same calm rate the practice timings assume
DEFAULT_PITCH = 40  # espeak's scale is 0-99 with 50 neutral; a little lower sounds calmer
RATE_RANGE = (InvalidRate.LOW, InvalidRate.HIGH)
PITCH_RANGE = (0, 99)


def _whole(value: object) -> bool:
    # bool is an int subclass; `rate=True` is a bug, not one word a minute.
    return isinstance(value, int) and not isinstance(value, bool)


def default_voice(language: str = "en") -> str:
    """The voice for someone who has not chosen one: a natural voice for the language where
    one is installed, else espeak-ng's British English."""
    return catalogue.best(language) or DEFAULT_VOICE


@dataclass(frozen=True)
class VoiceSettings:
    """How a client's practices sound: espeak-ng voice id, words per minute, pitch 0-99."""

    voice: str = DEFAULT_VOICE
    rate: int = DEFAULT_RATE
    pitch: int = DEFAULT_PITCH

    def __post_init__(self) -> None:
        if not _whole(self.rate) or not RATE_RANGE[0] <= self.rate <= RATE_RANGE[1]:
            raise InvalidRate(self.rate)
        if not _whole(self.pitch) or not PITCH_RANGE[0] <= self.pitch <= PITCH_RANGE[1]:
            raise InvalidPitch(self.pitch)
        if not isinstance(self.voice, str) or not self.voice.strip():
            raise ValueError("voice must be a voice id such as 'gmw/en'")
        # espeak-ng reports voice ids in lower case; store them so to keep cache keys stable.
        object.__setattr__(self, "voice", self.voice.strip().lower())

    @classmethod
    def from_client(
        cls, voice: str | None = None, rate: int | None = None, pitch: int | None = None
    ) -> "VoiceSettings":
        """Settings from a client record where None means the calm default (the voice: the
        best installed for English, natural where one is installed)."""
        return cls(
            voice=voice or default_voice(),
            rate=DEFAULT_RATE if rate is None else rate,
            pitch=DEFAULT_PITCH if pitch is None else pitch,
        )


@dataclass(frozen=True)
class Voice:
    """One installed voice: the id to put in VoiceSettings, a display name, its languages,
    and whether it is natural (neural) or synthetic (formant)."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    natural: bool = False  # a neural (Piper) voice; else espeak-ng's synthetic one


def usable(voice_id: str) -> bool:
    """Whether a voice id listed by espeak-ng can really speak on this machine."""
    # MBROLA voices are listed even without the mbrola program and then produce silence;
    # variants ("!v/...") modify a voice and are not voices themselves.
    if voice_id.startswith("!v/"):
        return False
    return not (voice_id.startswith("mb/") and shutil.which("mbrola") is None)


def _find_library() -> str | None:
    # The same names pyttsx3's driver tries, found without loading or initialising them.
    return ctypes.util.find_library("espeak-ng") or ctypes.util.find_library("espeak")


@functools.cache
def availability() -> str | None:
    """None when speech can be synthesised here, else the sentence explaining why not."""
    if _find_library() is None:
        return SpeechUnavailable.DEFAULT
    return None


def availability_for(voice: str) -> str | None:
    """availability() for the engine that speaks `voice` (natural voices: Piper's own)."""
    return catalogue.engine_available() if catalogue.is_natural(voice) else availability()


@functools.cache
def espeak_version() -> str:
    """The espeak-ng library's version string, or 'missing' (reads it without initialising)."""
    name = _find_library()
    if name is None:
        return "missing"
    try:
        library = ctypes.CDLL(name)
        library.espeak_Info.restype = ctypes.c_char_p
        return (library.espeak_Info(None) or b"unknown").decode("ascii", "replace")
    except (OSError, AttributeError):
        return "unknown"


@functools.cache
def engine_version() -> str:
    """pyttsx3 and espeak-ng versions, e.g. 'pyttsx3-2.99+espeak-ng-1.51'."""
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError:
        pyttsx3_version = "missing"
    return f"pyttsx3-{pyttsx3_version}+espeak-ng-{espeak_version()}"


def voices_table(voices: list[Voice]) -> str:
    """The voices as aligned text lines (id, languages, name) for `hearth voices`."""
    width = max((len(v.id) for v in voices), default=2)
    lines = [f"{'id'.ljust(width)}  {'kind':<9}  {'languages':<16}  name"]
    for v in sorted(voices, key=lambda v: (not v.natural, v.id)):
        kind = "natural" if v.natural else "synthetic"
        lines.append(f"{v.id.ljust(width)}  {kind:<9}  {','.join(v.languages):<16}  {v.name}")
    return "\n".join(lines)
