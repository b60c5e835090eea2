"""Can a voice say this name? A pure check of the written characters against the script of the
voice's language, so the therapist and the client are warned (and offered "how the name
sounds") before a name is spelled out letter by letter.

Measured on espeak-ng and Piper's English voices: Arabic, Chinese and Cyrillic letters are
read as "Arabic meem", "Chinese letter", letter names; Vietnamese letters such as "ễ" as their
code points ("letter 1EC5"); emoji as words ("sunflower"). Accented Latin letters such as
"é", "ë" and "Ø" are said well.
"""

import unicodedata

# The script a voice's language is written in, by the language's first part ("ar", "ru" ...);
# every other language is written in Latin letters.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "ar": ("ARABIC",),
    "fa": ("ARABIC",),
    "ur": ("ARABIC",),
    "he": ("HEBREW",),
    "ru": ("CYRILLIC",),
    "uk": ("CYRILLIC",),
    "bg": ("CYRILLIC",),
    "sr": ("CYRILLIC", "LATIN"),
    "mk": ("CYRILLIC",),
    "el": ("GREEK",),
    "hi": ("DEVANAGARI",),
    "mr": ("DEVANAGARI",),
    "ne": ("DEVANAGARI",),
    "bn": ("BENGALI",),
    "ta": ("TAMIL",),
    "th": ("THAI",),
    "ka": ("GEORGIAN",),
    "hy": ("ARMENIAN",),
    "ko": ("HANGUL",),
    "ja": ("CJK", "HIRAGANA", "KATAKANA"),
    "zh": ("CJK",),
    "cmn": ("CJK",),
    "yue": ("CJK",),
}
# Between the words of a name: said as a pause or not at all.
JOINERS = frozenset(" -'.\u2019\u2010")  # also the typographic apostrophe and hyphen


def _family(language: str) -> str:
    return language.lower().replace("_", "-").split("/")[-1].split("-")[0]


def _latin_said_well(char: str) -> bool:
    # Basic Latin, Latin-1 and Latin Extended-A letters (é, ñ, ø, ł ...); the rarer blocks
    # (Vietnamese, African and phonetic letters) are spelled out as codes.
    return char.isascii() or 0x00C0 <= ord(char) <= 0x017F


def unsaid(name: str, language: str) -> list[str]:
    """The characters of `name` that a voice for `language` cannot say as part of a name,
    in order of first appearance, each once."""
    scripts = SCRIPTS.get(_family(language), ("LATIN",))
    found: list[str] = []
    for char in unicodedata.normalize("NFC", name or ""):
        if char in JOINERS or char.isdigit():
            continue
        written = unicodedata.name(char, "").split(" ")[0]
        letter = unicodedata.category(char).startswith("L") and written in scripts
        if letter and (written != "LATIN" or _latin_said_well(char)):
            continue
        if char not in found:
            found.append(char)
    return found


def warning(name: str | None, language: str) -> str | None:
    """A sentence for the therapist and the client when the voice would stumble over the
    name, else None."""
    if not name:
        return None
    chars = unsaid(name, language)
    if not chars:
        return None
    shown = " ".join(chars[:6])
    return (
        f"The voice may not say “{name}” well: it cannot read {shown} and would spell "
        "them out or skip them. Write how the name sounds, in plain letters, under "
        "“How the name sounds”."
    )
