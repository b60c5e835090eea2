"""Filling the {name} and {touch} placeholders of a script so that no raw brace reaches anyone."""

import re

from practices.model import Personalisation

DEFAULT_TOUCH = "a hand on your chest, or both hands around something warm"

_PLACEHOLDER = re.compile(r"\{(name|touch)\}")
_SENTENCE_START = re.compile(r"(?:^|[.!?…][\"'\u201d\u2019)]*\s+)$")
_TRAILING_COMMA = re.compile(r"\s*,\s*$")
_LEADING_COMMA = re.compile(r"\s*,?\s*")
_OTHER_BRACES = re.compile(r"\{[^{}]*\}|[{}]")


def fill(text: str, person: Personalisation | None = None) -> str:
    """Replace {name} and {touch} for this person (or drop the name and use the default touch)."""
    name = person.name if person else None
    touch = (person.touch if person else None) or DEFAULT_TOUCH
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
