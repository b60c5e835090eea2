"""Voice settings, the installed voices, and what happens when espeak-ng is missing."""

import pytest

import media.voice
from media.errors import InvalidPitch, InvalidRate, SpeechUnavailable
from media.render import render_audio
from media.tts import SpeechPool
from media.voice import (
    DEFAULT_VOICE,
    VoiceSettings,
    availability,
    engine_version,
    list_voices,
    voices_table,
)
from practices import render
from tests.media.helpers import needs_speech


def test_calm_defaults():
    settings = VoiceSettings()
    assert (settings.voice, settings.rate, settings.pitch) == (DEFAULT_VOICE, 140, 40)
    assert VoiceSettings.from_client(None, None, None) == settings
    assert VoiceSettings.from_client("GMW/en-US", 120, 30).voice == "gmw/en-us"


@pytest.mark.parametrize("rate", [50, 79, 261, 140.5, True, "140"])
def test_rate_outside_80_to_260_is_refused(rate):
    with pytest.raises(InvalidRate, match="rate must be between 80 and 260 words per minute"):
        VoiceSettings(rate=rate)


@pytest.mark.parametrize("pitch", [-1, 100, 40.0, None])
def test_pitch_outside_0_to_99_is_refused(pitch):
    with pytest.raises(InvalidPitch, match="0 to 99"):
        VoiceSettings(pitch=pitch)


def test_rate_and_pitch_limits_are_accepted():
    assert VoiceSettings(rate=80, pitch=0).rate == 80
    assert VoiceSettings(rate=260, pitch=99).pitch == 99


def test_installed_voices_include_the_default_and_no_silent_ones():
    needs_speech()
    voices = list_voices()
    ids = [v.id for v in voices]
    assert DEFAULT_VOICE in ids and "gmw/en-us" in ids
    assert not [i for i in ids if i.startswith(("mb/", "!v/"))]
    english = next(v for v in voices if v.id == DEFAULT_VOICE)
    assert english.name and english.languages
    table = voices_table(voices)
    assert table.splitlines()[0].split() == ["id", "languages", "name"]
    assert DEFAULT_VOICE in table


def test_engine_version_names_both_engines():
    needs_speech()
    assert engine_version().startswith("pyttsx3-2.99+espeak-ng-1.")


@pytest.fixture
def no_espeak(monkeypatch):
    """Pretend the espeak-ng library is not installed."""
    monkeypatch.setattr(media.voice, "_find_library", lambda: None)
    availability.cache_clear()
    yield
    monkeypatch.undo()
    availability.cache_clear()


def test_missing_library_gives_one_clear_sentence(no_espeak, library, store):
    problem = availability()
    assert problem == (
        "speech synthesis is not available on this server: the espeak-ng library "
        "(Debian package libespeak-ng1) is not installed; text versions still work"
    )
    with pytest.raises(SpeechUnavailable, match="libespeak-ng1"):
        SpeechPool()
    practice = library.get("watching-kindness")
    digest = library.digest(practice.id)
    with pytest.raises(SpeechUnavailable) as caught:
        render_audio(practice, 1, None, VoiceSettings(), "wav", store=store, digest=digest)
    assert str(caught.value) == problem
    assert "Welcome" in render(practice, 1, "text")  # text keeps working
