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
# Client-facing words (scripts, titles, summaries) share no run of 6 words with the seeds;
# therapist notes, which cite and discuss them, no run of 8.
CLIENT_RUN = 6
NOTES_RUN = 8
CATALOGUE = {
    "grounding",
    "belonging",
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
def _seed_runs(run: int) -> frozenset[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for seed in sorted(SEEDS.glob("*.txt")):
        words = _words(seed.read_text(errors="replace"))
        runs.update(tuple(words[i : i + run]) for i in range(len(words) - run + 1))
    return frozenset(runs)


def _shared_runs(text: str, run: int) -> list[str]:
    words = _words(text)
    return [
        " ".join(words[i : i + run])
        for i in range(len(words) - run + 1)
        if tuple(words[i : i + run]) in _seed_runs(run)
    ]


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
    for label, text, run in [
        ("script", script, CLIENT_RUN),
        ("title", practice.title, CLIENT_RUN),
        ("summary", practice.summary, CLIENT_RUN),
        ("therapist_notes", practice.therapist_notes, NOTES_RUN),
    ]:
        copied += [f"{label} ({run} words): {words}" for words in _shared_runs(text, run)]
    assert not copied, f"runs of words shared with the seed documents: {copied}"


WARMTH_IMAGE = re.compile(
    r"cold (hands|fingers)|by a fire|as they warm|old (pain|hurt) (stirs|rises)", re.I
)


def test_no_script_carries_the_warmth_warning(variant_case: tuple[Practice, int]) -> None:
    # Said once before the first practice and after a rough session, by the product; never
    # inside a script (CLINICAL.md section 2, rule 3).
    practice, level = variant_case
    script = " ".join(s.say for s in practice.variant(level).segments if s.say)
    assert not WARMTH_IMAGE.search(script)


@pytest.mark.parametrize(
    "phrase",
    [
        "will ease in its own time",
        "this will pass",
        "it will pass",
        "someone who loves you",
        "may i give myself",
        "moment of suffering",
        "suffering is a part of life",
        "i'll take care of you",
    ],
)
def test_no_script_promises_relief_or_borrows_the_familiar_phrases(phrase: str) -> None:
    for practice in load_library():
        for variant in practice.variants:
            script = " ".join(s.say for s in variant.segments if s.say).lower()
            assert not re.search(rf"\b{re.escape(phrase)}\b", script), (practice.id, variant.level)


def test_originality_check_catches_a_copy() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}; originality cannot be checked")
    first_seed = sorted(SEEDS.glob("*.txt"))[0]
    words = _words(first_seed.read_text(errors="replace"))
    assert tuple(words[100 : 100 + CLIENT_RUN]) in _seed_runs(CLIENT_RUN)
    sentence = " ".join(words[200 : 200 + CLIENT_RUN])
    assert _shared_runs(f"Our own words first, then {sentence}.", CLIENT_RUN) == [sentence]
