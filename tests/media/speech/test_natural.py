"""Natural voices (Piper) beside espeak-ng (issue 16): found on disk with their language,
marked natural, preferred for English where installed, spoken by spawned workers with the same
checks, and keyed in the cache by engine and model hash. Every practice at every level renders
with the natural voice, its captions matching the audio to the sample."""

import json
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.errors import SpeechUnavailable, UnknownVoice
from media.render import cache_parts, render_audio, render_captions
from media.speech import catalogue
from media.speech.neural import LENGTH_RANGE, length_scale, resample
from media.speech.pool import SharedPool, SpeechPool, list_voices
from media.speech.voices import DEFAULT_VOICE, VoiceSettings, default_voice, voices_table
from tests.media.helpers import read_wav
from tests.media.test_render import cue_times

JOE = "natural/en_us-joe-medium"


def needs_natural():
    problem = catalogue.engine_available() or (None if catalogue.lookup(JOE) else "no voice")
    if problem:
        pytest.skip(f"natural voices are not installed here: {problem}")


@pytest.fixture(scope="module")
def natural_pool():
    needs_natural()
    with SpeechPool(workers=2, timeout=60, engine="natural") as pool:
        yield pool


@pytest.fixture
def operator_dir(tmp_path):
    """A voice folder as an operator fills it, restored to none afterwards."""
    yield tmp_path / "voices"
    catalogue.configure(())


def test_the_installed_natural_voice_is_listed_and_preferred_for_english():
    needs_natural()
    voices = {v.id: v for v in list_voices()}
    assert voices[JOE].natural and voices[JOE].languages == ("en-us",)
    assert not voices[DEFAULT_VOICE].natural  # espeak-ng's voices are still there
    assert default_voice() == JOE
    assert VoiceSettings.from_client().voice == JOE
    table = voices_table(list(voices.values()))
    assert f"{JOE}  natural" in table and "synthetic" in table


def test_an_operator_adds_a_voice_by_dropping_its_two_files(operator_dir):
    needs_natural()
    joe = catalogue.lookup(JOE)
    operator_dir.mkdir()
    (operator_dir / "en_GB-calm-high.onnx").symlink_to(joe.model)
    config = json.loads(joe.config.read_text("utf-8"))
    config["dataset"] = "calm"
    config["language"] = {"code": "en_GB", "name_english": "English"}
    (operator_dir / "en_GB-calm-high.onnx.json").write_text(json.dumps(config), "utf-8")
    (operator_dir / "broken-voice.onnx").write_bytes(b"not a model")  # no config: skipped
    catalogue.configure((operator_dir,))
    added = catalogue.lookup("natural/en_gb-calm-high")
    assert added is not None and added.language == "en-gb" and "Calm" in added.name
    assert catalogue.lookup("natural/broken-voice") is None
    assert catalogue.best("en") == "natural/en_gb-calm-high"  # high quality first


def test_the_cache_key_holds_the_engine_and_the_model_hash(library):
    needs_natural()
    practice = library.get("watching-kindness")
    digest = library.digest(practice.id)

    def key(voice, pitch=40):
        settings = VoiceSettings(voice=voice, pitch=pitch)
        return json.dumps(cache_parts(practice, 1, None, settings, digest), sort_keys=True)

    assert key(JOE) != key(DEFAULT_VOICE)
    assert key(JOE, pitch=40) == key(JOE, pitch=60)  # a natural voice has no pitch
    assert key(DEFAULT_VOICE, pitch=40) != key(DEFAULT_VOICE, pitch=60)
    with pytest.raises(UnknownVoice):
        key("natural/not-installed")


def test_a_changed_model_or_config_changes_the_cache_key(library, tmp_path):
    voice_dir = tmp_path / "v"
    voice_dir.mkdir()
    model, config_file = voice_dir / "xx-test-low.onnx", voice_dir / "xx-test-low.onnx.json"
    model.write_bytes(b"model one")
    config = {"audio": {"sample_rate": 16000}, "language": {"code": "xx"}}
    config_file.write_text(json.dumps(config), "utf-8")
    practice = library.get("watching-kindness")
    settings = VoiceSettings(voice="natural/xx-test-low")

    def key():
        catalogue.configure((voice_dir,))  # read the folder again, as a restart does
        parts = cache_parts(practice, 1, None, settings, library.digest(practice.id))
        return json.dumps(parts, sort_keys=True)

    try:
        first = key()
        model.write_bytes(b"model two, longer")
        second = key()
        config["inference"] = {"noise_scale": 0.5}
        config_file.write_text(json.dumps(config), "utf-8")
        third = key()
        assert len({first, second, third}) == 3
    finally:
        catalogue.configure(())


@given(st.integers(80, 220), st.integers(80, 220))
def test_slower_rates_give_longer_sounds_within_bounds(a, b):
    low, high = LENGTH_RANGE
    assert low <= length_scale(a) <= high
    if a < b:
        assert length_scale(a) >= length_scale(b)


@given(
    st.lists(st.integers(-32768, 32767), min_size=1, max_size=400),
    st.sampled_from([16000, 22050, 24000]),
)
def test_resampling_keeps_the_duration(samples, rate):
    import numpy

    pcm = numpy.array(samples, dtype="<i2").tobytes()
    out = resample(pcm, rate)
    assert abs(len(out) / 2 / 22050 - len(samples) / rate) <= 1 / rate + 1 / 22050
    if rate == 22050:
        assert out == pcm


def test_the_natural_worker_speaks_at_about_the_asked_pace(natural_pool):
    """The practice timings assume the asked words a minute: a natural voice keeps near it
    (espeak-ng, too, runs a little off its nominal rate)."""
    text = (
        "Let your breath find its own pace. Notice how it moves in you, slowly, and how "
        "your shoulders soften a little as you breathe out. There is no need to change it."
    )
    words = len(text.split())
    for rate in (110, 140, 170):
        pcm = natural_pool.synthesize(text, VoiceSettings(voice=JOE, rate=rate))
        measured = words / (len(pcm) / 2 / 22050) * 60
        assert 0.75 * rate <= measured <= 1.3 * rate, (rate, round(measured))


def test_text_with_no_words_is_a_short_pause_not_a_failure(natural_pool):
    restarts = natural_pool.restarts
    pcm = natural_pool.synthesize("...", VoiceSettings(voice=JOE))
    assert 0 < len(pcm) / 2 / 22050 < 1 and not any(pcm)
    assert natural_pool.restarts == restarts


def test_a_natural_engine_that_cannot_start_leaves_espeak_as_the_default(monkeypatch):
    needs_natural()
    assert default_voice() == JOE
    monkeypatch.setattr(catalogue, "_broken", None)
    catalogue.mark_broken("onnxruntime could not load")
    assert default_voice() == DEFAULT_VOICE
    with pytest.raises(SpeechUnavailable):
        SharedPool(1).synthesize("Hello.", VoiceSettings(voice=JOE))


def test_every_practice_at_every_level_renders_with_the_natural_voice(
    library, natural_pool, tmp_path
):
    """Every level of every practice, its WAV as long as its timeline and its captions cue for
    cue on the timeline the audio was assembled from."""
    from media.store import MediaStore

    store = MediaStore(tmp_path / "media", 4 * 1024**3)
    settings = VoiceSettings(voice=JOE)
    rendered = 0
    for practice in library:
        if practice.text_only:
            continue
        for variant in practice.variants:
            args = (practice, variant.level, None, settings)
            digest = library.digest(practice.id)
            audio = render_audio(*args, "wav", store=store, digest=digest, pool=natural_pool)
            pcm = read_wav(audio.path)
            assert abs(len(pcm) / 2 / 22050 - audio.total_seconds) < 0.01
            vtt = render_captions(*args, store=store, digest=digest, pool=natural_pool)
            spoken = [i for i in audio.audio_items if i.kind in ("speech", "cue")]
            cues = cue_times(vtt.path.read_text("utf-8"))
            assert len(cues) == len(spoken), (practice.id, variant.level)
            for (start, end, _), item in zip(cues, spoken, strict=True):
                assert (
                    abs(start - item.start) < 0.002
                    and abs(end - item.start - item.duration) < 0.002
                )
            store.path(audio.key, "wav").unlink()  # keep the disk small; the timeline stays
            rendered += 1
    assert rendered >= 30


def test_the_shared_handle_sends_each_voice_to_its_engine(library, tmp_path):
    needs_natural()
    from media.store import MediaStore

    store = MediaStore(tmp_path / "media", 500 * 1024**2)
    practice = library.get("watching-kindness")
    handle = SharedPool(1)
    results = [
        render_audio(
            practice,
            1,
            None,
            VoiceSettings(voice=voice),
            "wav",
            store=store,
            digest=library.digest(practice.id),
            pool=handle,
        )
        for voice in (JOE, DEFAULT_VOICE)
    ]
    assert results[0].key != results[1].key
    with wave.open(str(results[0].path)) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050
    with pytest.raises(UnknownVoice):
        handle.check_voice("natural/not-installed")
