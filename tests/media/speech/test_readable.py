"""Names a voice cannot say are found before they are spelled out (issue 16, item 4): other
scripts, emoji and rare Latin letters are flagged for a Latin-script voice; plain and accented
Latin names are not; a voice of the name's own script reads it."""

from hypothesis import given
from hypothesis import strategies as st

from media.speech.readable import unsaid, warning

LATIN_NAMES = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèëüñøØçÅłś -'"),
    min_size=1,
    max_size=30,
)
EMOJI = st.sampled_from(["🌻", "😊", "❤", "⭐", "🙂"])


def test_the_names_from_the_report_are_flagged_for_english():
    assert unsaid("محمد", "en-us") == ["م", "ح", "د"]
    assert unsaid("Nguyễn Thị", "en-gb") == ["ễ", "ị"]
    assert unsaid("Sam 🌻", "en") == ["🌻"]
    assert unsaid("李明", "en-us") == ["李", "明"]
    assert "Nguyễn Thị" in warning("Nguyễn Thị", "en-us")


def test_accented_latin_names_and_the_voices_own_script_are_fine():
    for name in ("Zoë", "Øyvind", "José-María", "Siobhán O\u2019Neill", "Łukasz", "Ann 2"):
        assert unsaid(name, "en-gb") == [], name
    assert unsaid("محمد", "ar") == []
    assert unsaid("Привет", "ru") == []
    assert unsaid("李明", "cmn") == []
    assert warning(None, "en") is None and warning("Sam", "en") is None


@given(LATIN_NAMES)
def test_a_latin_name_is_never_flagged_for_a_latin_voice(name):
    assert unsaid(name, "en-us") == []


@given(LATIN_NAMES, EMOJI, st.integers(0, 30))
def test_an_emoji_anywhere_in_a_name_is_always_flagged(name, emoji, at):
    at = min(at, len(name))
    flagged = unsaid(name[:at] + emoji + name[at:], "en-us")
    assert emoji[0] in flagged


@given(st.text(max_size=20), st.sampled_from(["en-us", "ar", "ru", "cmn", "fr"]))
def test_every_flagged_character_is_in_the_name(name, language):
    import unicodedata

    flagged = unsaid(name, language)
    assert len(flagged) == len(set(flagged))
    assert all(char in unicodedata.normalize("NFC", name) for char in flagged)
