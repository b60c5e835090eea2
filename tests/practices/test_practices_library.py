"""The real library: it loads, it is complete, and its words follow the clinical rules.

Tests taking `variant_case` run over every variant of the real library and of the samples.
"""

import functools
import re
from pathlib import Path

import pytest

from practices import LibraryError, Practice, load_library, render
from practices.language import language_problems
from practices.timing import TOLERANCE, estimate_seconds

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
RUN = 8
CATALOGUE = {
    "self-compassion-break",
    "grief-break",
    "giving-and-receiving",
    "fierce-break-protect",
    "fierce-break-provide",
    "fierce-break-motivate",
    "watching-kindness",
    "recalling-care-given",
    "soothing-touch",
    "kind-body-scan",
    "safe-person-priming",
    "compassionate-friend",
    "kind-letter",
    "equanimity-for-therapists",
}
_WORD = re.compile(r"[a-z']+")


def _words(text: str) -> list[str]:
    """Lower-case words with hyphenation folded, as shared/tools/seed_overlap.py does."""
    text = re.sub(r"-\s*\n\s*", "", text.lower())
    return _WORD.findall(text.replace("\u2019", "'"))


@functools.cache
def _seed_runs() -> frozenset[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for seed in sorted(SEEDS.glob("*.txt")):
        words = _words(seed.read_text(errors="replace"))
        runs.update(tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1))
    return frozenset(runs)


def test_real_library_loads() -> None:
    try:
        load_library()
    except LibraryError as exc:
        pytest.fail(str(exc))


def test_catalogue_is_complete() -> None:
    library = load_library()
    missing = sorted(CATALOGUE - set(library.ids()))
    assert not missing, f"practices of CLINICAL.md section 3 not yet in the library: {missing}"
    variants = sum(len(p.variants) for p in library)
    assert variants >= 35, f"the library holds {variants} variants; at least 35 are needed"


def test_words_follow_the_language_rules(variant_case: tuple[Practice, int]) -> None:
    practice, level = variant_case
    text = render(practice, level, "text") + "\n" + practice.summary
    assert language_problems(text, practice.audience) == []


def test_timing_is_within_tolerance(variant_case: tuple[Practice, int]) -> None:
    practice, level = variant_case
    variant = practice.variant(level)
    estimate = estimate_seconds(variant)
    assert abs(estimate - variant.target_seconds) <= TOLERANCE * variant.target_seconds


def test_words_are_our_own(variant_case: tuple[Practice, int]) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}; originality cannot be checked")
    practice, level = variant_case
    script = " ".join(s.say for s in practice.variant(level).segments if s.say)
    copied = []
    for label, text in [
        ("script", script),
        ("title", practice.title),
        ("summary", practice.summary),
        ("therapist_notes", practice.therapist_notes),
    ]:
        words = _words(text)
        copied += [
            f"{label}: {' '.join(words[i : i + RUN])}"
            for i in range(len(words) - RUN + 1)
            if tuple(words[i : i + RUN]) in _seed_runs()
        ]
    assert not copied, f"runs of {RUN}+ words shared with the seed documents: {copied}"


def test_originality_check_catches_a_copy() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}; originality cannot be checked")
    first_seed = sorted(SEEDS.glob("*.txt"))[0]
    words = _words(first_seed.read_text(errors="replace"))
    assert tuple(words[100 : 100 + RUN]) in _seed_runs()
