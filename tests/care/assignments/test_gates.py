"""The pure cores of assignments, without an app or a database: who may get a practice (R1,
R8), what may come first or stand in as an entry practice (R6), which bounds fit, and which
variant a client practises at a given dose."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from care.assignments import gates, variants
from care.dose.fold import Decision
from practices import default_library

LIBRARY = default_library()
UTC_NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def person(**flags):
    """A client as the gates see it: flags, readiness and an entry practice."""
    values = dict(dissociation=False, self_harm=False, suicidality=False, low_mentalizing=False)
    values.update({k: v for k, v in flags.items() if k in values})
    return SimpleNamespace(
        flags=lambda: values,
        yang_ready=flags.get("yang_ready", False),
        entry_practice_id=flags.get("entry", "watching-kindness"),
        dose_level=flags.get("level", 1),
    )


def assignment(practice_id, start=1, low=1, high=5):
    """An assignment as the variant choice sees it."""
    return SimpleNamespace(
        practice_id=practice_id,
        start_level=start,
        min_level=low,
        max_level=high,
        created_at=UTC_NOW,
    )


def finished_decision():
    """A stored decision after a finished practice (the client has practised)."""
    return Decision(
        at=UTC_NOW,
        level=1,
        prompts_per_day=1,
        on_hold=False,
        paused=False,
        reasons=(),
        notify_therapist=False,
        urgent=False,
        crisis=False,
        changed=False,
        inputs={"event": "session_finished"},
    )


@pytest.mark.parametrize(
    ("practice_id", "flags", "words"),
    [
        ("compassionate-friend", {"dissociation": True}, "R1"),
        ("kind-letter", {"suicidality": True}, "suicidality"),
        ("fierce-break-protect", {}, "R8"),
        ("equanimity-for-therapists", {}, "for therapists"),
    ],
)
def test_gates_refuse_with_the_rule(practice_id, flags, words):
    problem = gates.gate_problem(LIBRARY.get(practice_id), person(**flags))
    assert problem and words in problem


def test_open_gates_say_nothing():
    assert gates.gate_problem(LIBRARY.get("fierce-break-protect"), person(yang_ready=True)) is None
    assert gates.gate_problem(LIBRARY.get("self-compassion-break"), person()) is None


def test_other_to_self_never_comes_first():
    for practice in LIBRARY.all():
        problem = gates.first_practice_problem(practice, practised=False)
        assert (problem is not None) == (practice.direction == "other_to_self"), practice.id
        assert gates.first_practice_problem(practice, practised=True) is None


def test_entry_practices_need_level_1_and_an_easy_direction():
    assert gates.entry_problem(LIBRARY.get("watching-kindness")) is None
    assert "R6" in gates.entry_problem(LIBRARY.get("safe-person-priming"))
    assert "R6" in gates.entry_problem(LIBRARY.get("compassionate-friend"))
    assert "level 1 is lukewarm" in gates.entry_problem(LIBRARY.get("self-compassion-break"))
    assert "level 1 is lukewarm" in gates.entry_problem(LIBRARY.get("kind-body-scan"))


def test_the_ladder_knows_every_direction_in_the_library():
    ranks = {p.id: gates.direction_rank(p) for p in LIBRARY.all()}
    assert ranks["watching-kindness"] < ranks["recalling-care-given"] < ranks["soothing-touch"]
    assert ranks["soothing-touch"] < ranks["compassionate-friend"]
    assert set(p.direction for p in LIBRARY.all()) <= set(gates.DIRECTION_LADDER)


def test_an_unusable_entry_practice_falls_back_to_the_easiest_direction():
    assert variants.entry_practice(LIBRARY, person(entry="safe-person-priming")).id == (
        "watching-kindness"
    )
    assert variants.entry_practice(LIBRARY, person(entry="no-such-practice")).id == (
        "watching-kindness"
    )


def test_below_the_lowest_variant_the_entry_practice_stands_in():
    practice = LIBRARY.get("kind-body-scan")
    lowest = practice.levels[0]
    assert lowest > 1, "the test needs a practice without a level 1 variant"
    plan = assignment(practice.id, start=lowest, low=lowest)
    chosen, level, substituted = variants.variant_now(LIBRARY, person(level=1), plan, [])
    assert (chosen.id, level, substituted) == ("watching-kindness", 1, True)
    at_dose = variants.variant_now(LIBRARY, person(level=lowest), plan, [])
    assert (at_dose[0].id, at_dose[1], at_dose[2]) == (practice.id, lowest, False)


def test_other_to_self_imagery_waits_until_the_client_has_practised():
    plan = assignment("compassionate-friend", start=2, low=2, high=4)
    before = variants.variant_now(LIBRARY, person(level=3), plan, [])
    assert before[0].id == "watching-kindness" and before[2] is True
    after = variants.variant_now(LIBRARY, person(level=3), plan, [finished_decision()])
    assert after[0].id == "compassionate-friend" and after[2] is False


@pytest.mark.parametrize(
    ("start", "low", "high", "field"),
    [(3, 4, 2, "min_level"), (1, 2, 4, "start_level"), (1, 1, 1, "max_level")],
)
def test_bounds_must_fit_the_practice(start, low, high, field):
    problems = gates.check_levels(start, low, high, LIBRARY.get("compassionate-friend"))
    assert field in [name for name, _ in problems]


def test_the_assignment_level_follows_the_dose_but_never_outruns_it():
    plan = assignment("self-compassion-break", start=2, low=1, high=4)
    assert variants.practice_level(5, plan, step_ups_since=0) == 2
    assert variants.practice_level(5, plan, step_ups_since=5) == 4
    assert variants.practice_level(1, plan, step_ups_since=3) == 1
