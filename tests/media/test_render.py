"""Rendering practices end to end on the real engine and ffmpeg: timing, silence, captions."""

import errno
import os
import signal

import pytest

import media.render
from media.assemble import SAMPLE_RATE
from media.errors import EncoderMissing, StoreUnavailable, TextOnlyPractice, UnknownVoice
from media.render import render_audio, render_captions
from media.speech.voices import VoiceSettings
from media.store import MediaStore
from practices import LevelNotOffered, Personalisation, build_timeline
from tests.media.helpers import CountingPool, in_threads, read_wav, rms, segment

CALM = VoiceSettings()


def render(library, store, pool, fmt="wav", pid="watching-kindness", level=1, person=None):
    """render_audio with the test's store and pool."""
    practice = library.get(pid)
    return render_audio(
        practice, level, person, CALM, fmt, store=store, digest=library.digest(pid), pool=pool
    )


def captions(library, store, pool, pid="watching-kindness", level=1, person=None):
    """render_captions with the test's store and pool."""
    return render_captions(
        library.get(pid), level, person, CALM, store=store, digest=library.digest(pid), pool=pool
    )


def cue_times(vtt: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue in a WebVTT document."""

    def secs(stamp):
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = []
    lines = vtt.splitlines()
    for i, line in enumerate(lines):
        if " --> " in line:
            start, end = line.split(" --> ")
            cues.append((secs(start), secs(end), lines[i + 1]))
    return cues


def decoded_seconds(path) -> float:
    """Length of a compressed file as pydub decodes it (through ffmpeg), to the millisecond."""
    from pydub import AudioSegment

    return len(AudioSegment.from_file(path)) / 1000


@pytest.mark.parametrize(
    ("pid", "level"),
    [("watching-kindness", 1), ("self-compassion-break", 2), ("grounding", 1), ("belonging", 2)],
)
def test_wav_matches_its_audio_timeline(library, store, pool, pid, level):
    result = render(library, store, pool, pid=pid, level=level)
    pcm = read_wav(result.path)
    assert abs(len(pcm) / 2 / SAMPLE_RATE - result.total_seconds) < 0.05
    items = result.audio_items
    assert sum(i.duration for i in items) == pytest.approx(result.total_seconds, abs=0.001)
    planned = build_timeline(library.get(pid), level, None, wpm=CALM.rate).items
    assert [(i.index, i.kind, i.text) for i in items] == [
        (p.index, p.kind, p.text) for p in planned
    ]
    for audio, plan in zip(items, planned, strict=True):
        if audio.kind != "speech":
            assert audio.duration == pytest.approx(plan.duration, abs=1 / SAMPLE_RATE)
        level_of = rms(segment(pcm, audio.start, audio.duration))
        if audio.kind == "pause":
            assert level_of < 1, f"pause {audio.index} is not digital silence"
        elif audio.kind == "speech":
            assert level_of > 300, f"speech {audio.index} is too quiet"


def test_captions_match_the_audio_timeline(library, store, pool):
    person = Personalisation(name="Sam")
    audio = render(library, store, pool, person=person)
    vtt = captions(library, store, pool, person=person)
    assert vtt.media_type.startswith("text/vtt") and vtt.key == audio.key
    text = vtt.path.read_text("utf-8")
    assert text.startswith("WEBVTT\n")
    spoken = [i for i in audio.audio_items if i.kind in ("speech", "cue")]
    cues = cue_times(text)
    assert len(cues) == len(spoken)
    for (start, end, words), item in zip(cues, spoken, strict=True):
        assert start == pytest.approx(item.start, abs=0.001)
        assert end == pytest.approx(item.start + item.duration, abs=0.001)
        if item.kind == "speech":
            assert words == item.text
    assert cues[0][2].startswith("Welcome, Sam.")


@pytest.mark.parametrize(("pid", "level"), [("grounding", 1), ("belonging", 2)])
def test_the_grounding_and_belonging_practices_have_captions_for_every_word(
    library, store, pool, pid, level
):
    audio = render(library, store, pool, pid=pid, level=level)
    text = captions(library, store, pool, pid=pid, level=level).path.read_text("utf-8")
    spoken = [i.text for i in audio.audio_items if i.kind == "speech"]
    captioned = [words for _, _, words in cue_times(text)]
    assert spoken and all(line in captioned for line in spoken)


def test_cache_hit_needs_no_engine(library, store, pool):
    first = render(library, store, pool)
    counting = CountingPool(pool)
    again = render(library, store, counting)
    vtt = captions(library, store, counting)  # from the stored timeline, not a new synthesis
    assert (first.cached, again.cached, again.path) == (False, True, first.path)
    assert again.audio_items == first.audio_items
    assert counting.calls == 0 and vtt.path.exists()


def test_two_concurrent_renders_of_one_key_synthesise_once(library, store, pool):
    counting = CountingPool(pool, delay=0.05)  # slow enough that the renders overlap
    results, errors = in_threads(lambda: render(library, store, counting), 2)
    assert errors == []
    speech = {i.text for i in results[0].audio_items if i.kind == "speech"}
    assert counting.calls == len(speech)
    assert results[0].path == results[1].path and results[0].path.exists()
    assert sorted(r.cached for r in results) == [False, True]
    assert len(list(store.root.glob("*.wav"))) == 1


def test_render_survives_a_worker_killed_mid_render(library, store, pool):
    sent, killed = [], []

    def kill_third(pid):
        sent.append(pid)
        if len(sent) == 3:  # a few segments in: the render is well under way
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    restarts, pool.after_send = pool.restarts, kill_third
    try:
        result = render(library, store, pool, pid="self-compassion-break", level=2)
    finally:
        pool.after_send = None
    assert killed and pool.restarts == restarts + 1
    assert abs(len(read_wav(result.path)) / 2 / SAMPLE_RATE - result.total_seconds) < 0.05


@pytest.mark.parametrize("fmt", ["mp3", "ogg"])
def test_compressed_formats_decode_to_the_same_length(library, store, pool, fmt):
    wav = render(library, store, pool)
    counting = CountingPool(pool)
    result = render(library, store, counting, fmt=fmt)  # reuses the cached WAV
    assert counting.calls == 0 and not result.cached
    assert result.media_type.startswith({"mp3": "audio/mpeg", "ogg": "audio/ogg"}[fmt])
    assert result.audio_items == wav.audio_items
    assert abs(decoded_seconds(result.path) - wav.total_seconds) < 0.1
    assert render(library, store, counting, fmt=fmt).cached


def test_missing_ffmpeg_is_named_and_wav_still_works(library, store, pool, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on this PATH
    with pytest.raises(EncoderMissing) as caught:
        render(library, store, pool, fmt="mp3")
    assert (
        str(caught.value) == "MP3 needs the ffmpeg program, which is not installed; WAV still works"
    )
    assert not list(store.root.glob("*.mp3"))
    assert render(library, store, pool).path.exists()


def test_written_practices_have_no_audio(library, store, pool):
    practice = library.get("kind-letter")
    assert practice.text_only
    with pytest.raises(TextOnlyPractice, match="written practice"):
        render_audio(
            practice,
            practice.levels[0],
            None,
            CALM,
            "wav",
            store=store,
            digest=library.digest(practice.id),
            pool=pool,
        )
    with pytest.raises(TextOnlyPractice):
        render_captions(
            practice,
            practice.levels[0],
            None,
            CALM,
            store=store,
            digest=library.digest(practice.id),
            pool=pool,
        )


def test_bad_requests_fail_before_any_work(library, store, pool):
    practice = library.get("watching-kindness")
    with pytest.raises(UnknownVoice, match=r"available voices: .*gmw/en"):
        render_audio(
            practice,
            1,
            None,
            VoiceSettings(voice="zz/none"),
            "wav",
            store=store,
            digest="d",
            pool=pool,
        )
    with pytest.raises(LevelNotOffered):
        render_audio(practice, 9, None, CALM, "wav", store=store, digest="d", pool=pool)
    with pytest.raises(ValueError, match="unknown audio format"):
        render_audio(practice, 1, None, CALM, "flac", store=store, digest="d", pool=pool)
    assert not list(store.root.glob("*.wav"))


def test_unusable_media_directory_leaves_nothing(library, tmp_path, pool):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = MediaStore(blocker / "media", 10**9)
    with pytest.raises(StoreUnavailable, match="not a directory"):
        render(library, store, pool)
    assert blocker.read_text() == "x"


def test_full_disk_during_render_leaves_no_partial_file(library, store, pool, monkeypatch):
    def full(target, *args):
        with open(target, "wb") as out:
            out.write(b"RIFF partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(media.render, "write_wav", full)
    with pytest.raises(StoreUnavailable, match="the disk is full"):
        render(library, store, pool)
    assert [p.name for p in store.root.iterdir() if p.is_file()] == []


def test_one_render_per_format_makes_later_requests_hits(library, store, pool):
    made = [render(library, store, pool), render(library, store, pool, fmt="mp3")]
    made.append(captions(library, store, pool))
    assert [r.format for r in made] == ["wav", "mp3", "vtt"]
    assert not any(r.cached for r in made)
    assert render(library, store, pool, fmt="mp3").cached
    assert captions(library, store, pool).cached


def test_eviction_keeps_the_store_bounded(library, tmp_path, pool):
    first = render(library, MediaStore(tmp_path / "m", 10**9), pool)
    bound = int(first.path.stat().st_size * 1.5)  # room for one rendering, not two
    store = MediaStore(tmp_path / "m", bound)
    second = render(library, store, pool, person=Personalisation(name="Ana"))
    assert store.total_bytes() <= bound
    assert second.path.exists() and not first.path.exists()
