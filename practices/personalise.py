"""Filling the {name} and {touch} placeholders of a script so that no raw brace reaches anyone."""

import re

from practices.model import Personalisation

DEFAULT_TOUCH = "a hand on your chest, or both hands around something warm"

_PLACEHOLDER = re.compile(r"\{(name|touch)\}")
_SENTENCE_START = re.compile(r"(?:^|[.!?…][\"'\u201d\u2019)]*\s+)$")
_TRAILING_COMMA = re.compile(r"\s*,\s*$")
_LEADING_COMMA = re.compile(r"\s*,?\s*")
_OTHER_BRACES = re.compile(r"\{[^{}]*\}|[{}]")
_NAME_END = re.compile(r"[\s.,;:!?\u2026]+$")

# The script speaks to the client, so a touch written in the first person ("my cat on my lap")
# is said back in the second ("your cat on your lap"). Longer forms first.
_SECOND_PERSON = {
    "i am": "you are",
    "i'm": "you're",
    "i've": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "myself": "yourself",
    "ourselves": "yourselves",
    "mine": "yours",
    "ours": "yours",
    "my": "your",
    "our": "your",
    "me": "you",
    "i": "you",
}
_FIRST_PERSON = re.compile(
    r"(?<![\w'\u2019])("
    + "|".join(
        re.escape(w).replace("'", "['\u2019]").replace("\\ ", r"\s+") for w in _SECOND_PERSON
    )
    + r")(?![\w'\u2019])",
    re.I,
)


def _second_person(match: re.Match[str]) -> str:
    said = match.group(0)
    key = re.sub(r"\s+", " ", said.lower().replace("\u2019", "'"))
    out = _SECOND_PERSON[key]
    if "\u2019" in said:
        out = out.replace("'", "\u2019")  # keep the client's own apostrophe
    # "My cat" stays "Your cat"; "I" is a capital wherever it stands, so it says nothing.
    capital = said[:1].isupper() and not key.startswith("i")
    return out[:1].upper() + out[1:] if capital else out


def touch_phrase(touch: str) -> str:
    """The client's touch alternative as the script says it to them, in the second person."""
    return _FIRST_PERSON.sub(_second_person, touch)


def address(name: str) -> str:
    """The client's name as an address: trailing punctuation is the script's job, not theirs."""
    return _NAME_END.sub("", name)


def fill(text: str, person: Personalisation | None = None) -> str:
    """Replace {name} and {touch} for this person (or drop the name and use the default touch)."""
    name = address(person.name) if person and person.name else None
    touch = touch_phrase((person.touch if person else None) or DEFAULT_TOUCH)
    out = ""
    pos = 0
    capitals: list[int] = []
    dropped = False
    for match in _PLACEHOLDER.finditer(text):
        out += text[pos : match.start()]
        pos = match.end()
        at_start = bool(_SENTENCE_START.search(out))
        if match.group(1) == "touch":
            out += touch[:1].upper() + touch[1:] if at_start else touch
        elif name:
            out += name
        elif not at_start and _TRAILING_COMMA.search(out):
            # "Settle here, {name}." reads as "Settle here." without a name.
            out = _TRAILING_COMMA.sub("", out)
            dropped = True
        else:
            # Defensive: the format only allows the vocative, but a leading or stray {name}
            # must still leave a readable sentence.
            pos = _LEADING_COMMA.match(text, pos).end()
            if at_start:
                capitals.append(len(out))
            dropped = True
    out += text[pos:]
    for index in capitals:
        out = out[:index] + out[index : index + 1].upper() + out[index + 1 :]
    if dropped:
        out = re.sub(r"[ \t]+([.,!?;:])", r"\1", out)
        out = re.sub(r"[ \t]{2,}", " ", out)
    # Only unvalidated text can reach here with other braces; never show them.
    cleaned = _OTHER_BRACES.sub("", out)
    return cleaned if cleaned == out else re.sub(r"[ \t]{2,}", " ", cleaned)
