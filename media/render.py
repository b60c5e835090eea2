"""Practices to cached audio and captions: the one entry point the layers above call.

A rendering is keyed by everything that changes its sound: the practice file's digest, level,
personalisation, voice, rate, pitch, engine version and format. The WAV entry also holds the
audio timeline as JSON (`<key>.json`) and, once asked for, the captions (`<key>.vtt`), so a
cache hit never needs the speech engine. MP3 and Ogg are encoded from the WAV entry.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from media.assemble import SAMPLE_RATE, AudioItem, assemble
from media.captions import webvtt
from media.encode import AUDIO_FORMATS, MEDIA_TYPES, encode, require_encoder, write_wav
from media.errors import SpeechUnavailable, TextOnlyPractice, UnknownVoice
from media.speech import catalogue
from media.speech.neural import NEURAL_VERSION
from media.speech.pool import SharedPool, SpeechPool
from media.speech.voices import VoiceSettings, availability_for, engine_version
from media.store import MediaStore
from practices import Personalisation, Practice, build_timeline

# Bump the first part whenever assembly changes the sound (gain, bell, fades): old cache
# entries then stop matching instead of being served.
ASSEMBLY_VERSION = "hearth-media-1"
ENGINE_VERSION = f"{ASSEMBLY_VERSION}/{engine_version()}"


@dataclass(frozen=True)
class RenderResult:
    """A rendered file in the store with the audio timeline it was made from."""

    path: Path
    media_type: str
    key: str
    cached: bool
    format: str
    audio_items: tuple[AudioItem, ...]
    total_seconds: float


def cache_parts(
    practice: Practice,
    level: int,
    person: Personalisation | None,
    settings: VoiceSettings,
    digest: str,
) -> dict:
    """Everything that changes how a rendering sounds, except the format: for a natural
    voice, the Piper version and the model file's hash, and no pitch (it has none)."""
    engine, pitch = ENGINE_VERSION, settings.pitch
    if catalogue.is_natural(settings.voice):
        voice = catalogue.lookup(settings.voice)
        if voice is None:
            raise UnknownVoice(settings.voice, [v.id for v in catalogue.find()])
        engine = "/".join(
            (
                ASSEMBLY_VERSION,
                NEURAL_VERSION,
                catalogue.engine_version(),
                catalogue.model_hash(voice),
            )
        )
        pitch = None
    return {
        "practice": practice.id,
        "digest": digest,
        "level": level,
        "person": None if person is None else {"name": person.name, "touch": person.touch},
        "voice": settings.voice,
        "rate": settings.rate,
        "pitch": pitch,
        "engine": engine,
    }


def _check(practice: Practice, fmt: str) -> None:
    if fmt not in AUDIO_FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}; choose one of {', '.join(AUDIO_FORMATS)}")
    if practice.text_only:
        raise TextOnlyPractice(practice.id)


def _load_meta(store: MediaStore, key: str) -> dict | None:
    path = store.get(key, "json")
    if path is None:
        return None
    try:
        meta = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: render again
    if not isinstance(meta, dict) or not {"items", "total_seconds"} <= meta.keys():
        return None  # not a timeline this version wrote: render again
    return meta


def _result(path: Path, fmt: str, key: str, cached: bool, meta: dict) -> RenderResult:
    return RenderResult(
        path=path,
        media_type=MEDIA_TYPES[fmt],
        key=key,
        cached=cached,
        format=fmt,
        audio_items=tuple(AudioItem.from_dict(item) for item in meta["items"]),
        total_seconds=meta["total_seconds"],
    )


def _hit(store: MediaStore, key: str, fmt: str) -> RenderResult | None:
    path = store.get(key, fmt)
    meta = _load_meta(store, key) if path else None
    return _result(path, fmt, key, True, meta) if path and meta else None


def synthesize_items(items, settings: VoiceSettings, pool) -> dict[int, bytes]:
    """PCM for every speech item, each distinct text synthesised once, across the workers."""
    texts = sorted({item.text for item in items if item.kind == "speech"})
    workers = max(1, getattr(pool, "workers", 1))
    if workers == 1 or len(texts) < 2:
        spoken = [pool.synthesize(text, settings) for text in texts]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hearth-tts") as ex:
            spoken = list(ex.map(lambda text: pool.synthesize(text, settings), texts))
    by_text = dict(zip(texts, spoken, strict=True))
    return {item.index: by_text[item.text] for item in items if item.kind == "speech"}


def _render_wav_locked(timeline, settings, store, key, pool) -> RenderResult:
    """Synthesise, assemble and store the WAV entry; the caller holds the key's lock."""
    problem = availability_for(settings.voice)
    if problem:
        raise SpeechUnavailable(problem)
    pool = pool if pool is not None else SharedPool()
    pool.check_voice(settings.voice)
    speech = synthesize_items(timeline.items, settings, pool)
    assembly = assemble(timeline.items, speech)
    del speech  # the assembly holds the scaled copies; free the originals early
    meta = {
        "practice_id": timeline.practice_id,
        "level": timeline.level,
        "engine": (
            catalogue.engine_version() if catalogue.is_natural(settings.voice) else ENGINE_VERSION
        ),
        "sample_rate": assembly.sample_rate,
        "total_seconds": assembly.total_seconds,
        "gain": round(assembly.gain, 6),
        "items": [item.as_dict() for item in assembly.audio_items],
    }
    # A hit needs both files, so either order is safe for readers; on failure remove both,
    # so a full disk leaves nothing half-made behind.
    try:
        path = store.put_atomic(
            key,
            "wav",
            lambda temp: write_wav(temp, assembly.chunks, SAMPLE_RATE, assembly.total_samples),
        )
        store.put_bytes(key, "json", json.dumps(meta, indent=1).encode("utf-8"))
    except BaseException:
        for ext in ("wav", "json"):
            store.path(key, ext).unlink(missing_ok=True)
        raise
    return _result(path, "wav", key, False, meta)


def _wav_entry(practice, level, person, settings, store, digest, pool) -> RenderResult:
    """The WAV entry, rendered if missing; the caller holds the WAV key's lock."""
    key = store.key(**cache_parts(practice, level, person, settings, digest), format="wav")
    hit = _hit(store, key, "wav")
    if hit:
        return hit
    timeline = build_timeline(practice, level, person, wpm=settings.rate)
    return _render_wav_locked(timeline, settings, store, key, pool)


def cached(
    practice: Practice,
    level: int,
    person: Personalisation | None,
    settings: VoiceSettings,
    fmt: str,
    *,
    store: MediaStore,
    digest: str,
) -> bool:
    """True when this rendering (captions: fmt 'vtt', which come from the WAV entry) is in the
    store already, so serving it costs no synthesis."""
    parts = cache_parts(practice, level, person, settings, digest)
    wanted = "wav" if fmt == "vtt" else fmt
    return _hit(store, store.key(**parts, format=wanted), wanted) is not None


def render_audio(
    practice: Practice,
    level: int,
    person: Personalisation | None,
    settings: VoiceSettings,
    fmt: str = "wav",
    *,
    store: MediaStore,
    digest: str,
    pool: SpeechPool | SharedPool | None = None,
) -> RenderResult:
    """The practice as 'wav', 'mp3' or 'ogg' in the store, rendered once per cache key."""
    _check(practice, fmt)
    practice.variant(level)  # LevelNotOffered before any work
    parts = cache_parts(practice, level, person, settings, digest)
    key = store.key(**parts, format=fmt)
    hit = _hit(store, key, fmt)
    if hit:
        return hit
    if fmt != "wav":
        require_encoder(fmt)
    wav_key = store.key(**parts, format="wav")
    with store.lock(key):
        # Another thread or process may have rendered it while we waited for the lock.
        hit = _hit(store, key, fmt)
        if hit:
            return hit
        if fmt == "wav":
            result = _wav_entry(practice, level, person, settings, store, digest, pool)
        else:
            # Lock order is always format key, then WAV key, so this cannot deadlock.
            with store.lock(wav_key):
                wav = _wav_entry(practice, level, person, settings, store, digest, pool)
                meta = _load_meta(store, wav_key)
                path = store.put_atomic(key, fmt, lambda temp: encode(wav.path, fmt, temp))
                try:
                    store.put_bytes(key, "json", json.dumps(meta, indent=1).encode("utf-8"))
                except BaseException:
                    path.unlink(missing_ok=True)
                    raise
            result = _result(path, fmt, key, False, meta)
        store.evict()  # our own entry is locked, so it survives this pass
    return result


def render_captions(
    practice: Practice,
    level: int,
    person: Personalisation | None,
    settings: VoiceSettings,
    *,
    store: MediaStore,
    digest: str,
    pool: SpeechPool | SharedPool | None = None,
) -> RenderResult:
    """WebVTT captions from the WAV entry's own timeline, so they match the audio exactly."""
    _check(practice, "wav")
    practice.variant(level)
    key = store.key(**cache_parts(practice, level, person, settings, digest), format="wav")
    path, meta = store.get(key, "vtt"), _load_meta(store, key)
    if path and meta:
        return _result(path, "vtt", key, True, meta)
    with store.lock(key):
        meta = _load_meta(store, key)
        if meta is None:
            _wav_entry(practice, level, person, settings, store, digest, pool)
            meta = _load_meta(store, key)
        items = [AudioItem.from_dict(item) for item in meta["items"]]
        path = store.put_bytes(key, "vtt", webvtt(items).encode("utf-8"))
        store.evict()
    return _result(path, "vtt", key, False, meta)
