"""Voice settings, the installed voices, and what happens when espeak-ng is missing."""

import pytest

from media.errors import InvalidPitch, InvalidRate, SpeechUnavailable
from media.render import render_audio
from media.speech import voices as voices_module
from media.speech.pool import SpeechPool
from media.speech.voices import (
    DEFAULT_VOICE,
    Voice,
    VoiceSettings,
    availability,
    default_voice,
    engine_version,
    usable,
    voices_table,
)
from practices import render
from tests.media.helpers import needs_speech


def test_calm_defaults():
    settings = VoiceSettings()
    assert (settings.voice, settings.rate, settings.pitch) == (DEFAULT_VOICE, 140, 40)
    # Someone who chose no voice hears the best installed one for English (natural where one
    # is installed, tests/media/speech/test_natural.py), at the calm rate and pitch.
    chosen = VoiceSettings.from_client(None, None, None)
    assert (chosen.voice, chosen.rate, chosen.pitch) == (default_voice(), 140, 40)
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


def test_variants_are_not_voices():
    assert not usable("!v/m1")
    assert usable("gmw/en")


def test_voices_table_aligns_sorted_ids():
    table = voices_table(
        [Voice("gmw/en-us", "English (America)", ("en-us",)), Voice("gmw/en", "English", ("en",))]
    )
    assert table.splitlines() == [
        "id         kind       languages         name",
        "gmw/en     synthetic  en                English",
        "gmw/en-us  synthetic  en-us             English (America)",
    ]


def test_engine_version_names_both_engines():
    needs_speech()
    assert engine_version().startswith("pyttsx3-2.99+espeak-ng-1.")


@pytest.fixture
def no_espeak(monkeypatch):
    """Pretend the espeak-ng library is not installed."""
    monkeypatch.setattr(voices_module, "_find_library", lambda: None)
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
