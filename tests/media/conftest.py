"""Fixtures for the media tests: one real speech pool for the session and empty stores.

The tests use the real espeak-ng engine and the real ffmpeg. Where espeak-ng is missing the
engine tests skip with the reason; pure assembly and store tests run everywhere.
"""

import pytest

from media.speech.pool import SpeechPool
from media.store import MediaStore
from practices import default_library
from tests.media.helpers import CountingPool, needs_speech


@pytest.fixture(scope="session")
def pool():
    """One real SpeechPool (two spawned workers) shared by every engine test."""
    needs_speech()
    with SpeechPool(workers=2, timeout=30) as shared:
        yield shared


@pytest.fixture(scope="session")
def library():
    """The real practice library."""
    return default_library()


@pytest.fixture
def store(tmp_path):
    """An empty media store with a generous size bound."""
    return MediaStore(tmp_path / "media", 500 * 1024 * 1024)


@pytest.fixture
def counting(pool):
    """A CountingPool over the session pool."""
    return CountingPool(pool)
