"""Client-facing language rules (shared/CLINICAL.md section 2) in one place, as plain data.

Anything a client reads or hears (scripts, prompts, pages, emails) can be checked with
`language_problems`. Therapist-facing text may use the clinical terms.
"""

import re

NAMING_TERMS: tuple[str, ...] = (
    "self-compassion",
    "self-compassionate",
    "self-compassionately",
)
SHAMING_TERMS: tuple[str, ...] = (
    "failed",
    "failure",
    "failures",
    "failing",
    "missed",
    "should have",
    "should've",
    "streak",
    "streaks",
    "lazy",
    "you have to",
    "you must",
    "don't forget",
    "behind schedule",
    "try harder",
    "no excuse",
    "no excuses",
)
RELIEF_PROMISES: tuple[str, ...] = (
    "will feel better",
    "make the pain go away",
    "take the pain away",
    "get rid of",
    "guaranteed",
    "guarantee",
    "will disappear",
    "will go away",
    "cure",
)

_WHY = {
    "naming": (
        "names the goal; client words never say it, because striving for it can "
        "discourage (CLINICAL.md section 2, rule 1)"
    ),
    "shaming": (
        "can sound like blame or pressure; client words never shame, nag or set rigid "
        "expectations (CLINICAL.md section 2, rule 4)"
    ),
    "relief": (
        "promises relief; we practise because it is hard, not to make feelings go away "
        "(CLINICAL.md section 2, rule 2)"
    ),
}

# Writers and keyboards vary: hyphens of every width, spaces, curly apostrophes.
_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014\u2015"
_APOSTROPHE = "['\u2019]"


def _pattern(term: str, joiner: str) -> str:
    words = re.split(r"[\s\-]+", term)
    body = joiner.join(re.escape(word).replace("'", _APOSTROPHE) for word in words)
    return rf"(?<![\w'\u2019]){body}(?![\w'\u2019])"


_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    # Naming terms also match with no separator ("selfcompassion").
    *(("naming", t, re.compile(_pattern(t, f"[\\s{_HYPHENS}]*"), re.I)) for t in NAMING_TERMS),
    *(("shaming", t, re.compile(_pattern(t, f"[\\s{_HYPHENS}]+"), re.I)) for t in SHAMING_TERMS),
    *(("relief", t, re.compile(_pattern(t, f"[\\s{_HYPHENS}]+"), re.I)) for t in RELIEF_PROMISES),
]


def language_problems(text: str, audience: str = "client") -> list[str]:
    """Each language rule `text` breaks, in plain words; therapists may read the clinical terms."""
    hits = []
    for group, _term, pattern in _RULES:
        if group == "naming" and audience == "therapist":
            continue
        hits += [(m.start(), f"{m.group(0)!r} {_WHY[group]}") for m in pattern.finditer(text)]
    return [message for _start, message in sorted(hits)]
