"""The media floor's settings object: defaults and the bounds it refuses."""

from pathlib import Path

import pytest

from media.settings import MediaSettings


def test_defaults_match_the_documented_configuration():
    settings = MediaSettings(Path("instance/media"))
    assert settings.max_bytes == 2048 * 1024 * 1024  # HEARTH_MEDIA_MAX_MB=2048
    assert settings.speech_workers == 1  # HEARTH_TTS_WORKERS=1


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"max_bytes": 0}, "max_bytes"), ({"speech_workers": 0}, "at least one worker")],
)
def test_impossible_values_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        MediaSettings(Path("m"), **changes)
