"""Level 1 is lukewarm (CLINICAL.md section 4) and the direction ladder (R6), as pure functions:
at level 1 a client plays an entry practice, climbing other-to-other, then self-to-other, then
self-to-self one steady session at a time; a rough session starts the climb again; the first
practice a client ever plays is never other-to-self imagery."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care.assignments import gates, variants
from care.dose.model import Reason
from tests.care.assignments.test_gates import LIBRARY, assignment, finished_decision, person

STEADY = finished_decision()
ROUGH = replace(STEADY, reasons=(Reason("R3", "Stepped down"), Reason("R12", "Sent")))
CRISIS = replace(STEADY, reasons=(Reason("R5", "On hold"),))
CHECK_IN = replace(STEADY, inputs={"event": "check_in"})
CLIENT_PRACTICES = [
    p for p in LIBRARY.all() if p.audience == "client" and not p.prelude and not p.entry
]


def test_section4_only_entry_practices_offer_a_level_1_variant():
    for practice in LIBRARY.all():
        if practice.audience == "client" and 1 in practice.levels:
            assert practice.entry or practice.prelude, practice.id
    assert {p.id for p in LIBRARY.all() if p.entry} >= {
        "watching-kindness",
        "recalling-care-given",
        "soothing-touch",
    }


@pytest.mark.parametrize("practice", CLIENT_PRACTICES, ids=lambda p: p.id)
def test_section4_level_1_plays_an_entry_practice_never_the_assigned_opening(practice):
    plan = assignment(practice.id, start=1, low=1, high=5)
    for history in ([], [STEADY], [STEADY, STEADY, STEADY], [STEADY, ROUGH]):
        chosen, level, substituted = variants.variant_now(LIBRARY, person(level=1), plan, history)
        assert chosen.entry and chosen.id != practice.id and substituted, (practice.id, history)
        assert level == 1


def test_section4_an_assigned_entry_practice_plays_itself_at_level_1():
    plan = assignment("soothing-touch", start=1, low=1, high=2)
    chosen, level, substituted = variants.variant_now(LIBRARY, person(level=1), plan, [])
    assert (chosen.id, level, substituted) == ("soothing-touch", 1, False)


def test_section4_above_level_1_the_assigned_practice_plays():
    plan = assignment("self-compassion-break", start=2, low=1, high=4)
    chosen, level, substituted = variants.variant_now(LIBRARY, person(level=2), plan, [STEADY])
    assert (chosen.id, level, substituted) == ("self-compassion-break", 2, False)


def test_r6_the_entry_ladder_climbs_one_direction_per_steady_session():
    plan = assignment("self-compassion-break")
    directions = []
    for steady in range(4):
        chosen, _, _ = variants.variant_now(LIBRARY, person(level=1), plan, [STEADY] * steady)
        directions.append(chosen.direction)
    assert directions == ["other_to_other", "self_to_other", "self_to_self", "self_to_self"]


@pytest.mark.parametrize("setback", [ROUGH, CRISIS], ids=["rough", "crisis"])
def test_r6_a_rough_session_starts_the_climb_again(setback):
    plan = assignment("self-compassion-break")
    history = [STEADY, STEADY, setback]
    chosen, _, _ = variants.variant_now(LIBRARY, person(level=1), plan, history)
    assert chosen.direction == "other_to_other"
    chosen, _, _ = variants.variant_now(LIBRARY, person(level=1), plan, [*history, STEADY])
    assert chosen.direction == "self_to_other"


def test_r6_check_ins_do_not_move_the_ladder():
    plan = assignment("self-compassion-break")
    chosen, _, _ = variants.variant_now(LIBRARY, person(level=1), plan, [CHECK_IN] * 5)
    assert chosen.direction == "other_to_other"


def test_r6_the_ladder_starts_where_the_therapist_put_the_client():
    # A client for whom watching others is hard can start at soothing touch; the ladder never
    # goes back below the therapist's choice.
    ladder = variants.entry_ladder(LIBRARY, person(entry="recalling-care-given"))
    assert [p.direction for p in ladder] == ["self_to_other", "self_to_self"]
    ladder = variants.entry_ladder(LIBRARY, person(entry="soothing-touch"))
    assert [p.id for p in ladder] == ["soothing-touch"]


_HISTORY = st.lists(st.sampled_from([STEADY, ROUGH, CRISIS, CHECK_IN]), max_size=12)


@given(history=_HISTORY, level=st.integers(1, 5), index=st.integers(0, 100))
def test_r6_lukewarm_sessions_are_always_entry_practices_and_never_other_to_self(
    history, level, index
):
    practice = CLIENT_PRACTICES[index % len(CLIENT_PRACTICES)]
    plan = assignment(practice.id, start=1, low=1, high=5)
    chosen, chosen_level, substituted = variants.variant_now(
        LIBRARY, person(level=level), plan, history
    )
    if chosen_level == 1:
        assert chosen.entry
    if substituted:
        assert chosen.entry and gates.entry_problem(chosen) is None
    if not variants.has_practised(history):
        assert chosen.direction != "other_to_self"


def test_r6_the_first_practice_is_never_other_to_self_at_any_level():
    for practice in CLIENT_PRACTICES:
        for level in range(1, 6):
            plan = assignment(practice.id, start=1, low=1, high=5)
            chosen, _, _ = variants.variant_now(LIBRARY, person(level=level), plan, [])
            assert chosen.direction != "other_to_self", (practice.id, level)


def test_a_prelude_is_not_assigned_on_its_own():
    problem = gates.gate_problem(LIBRARY.get("safe-person-priming"), person())
    assert problem and "prelude" in problem and "imagery" in problem
