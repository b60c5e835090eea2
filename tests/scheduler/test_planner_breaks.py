"""Practice breaks in the planner: nothing is planned on a break day, and calling a break off
(or moving it) brings back exactly the plan there would have been, for any break."""

import uuid
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from care.tables import Client, Prompt
from care.vocab import PromptStatus
from tests.scheduler.test_planner import BERLIN, NOW, _assign, _db, _plan


def _plan_state(app, patient):
    """The planned prompts ahead of NOW as (slot, time), and the local days of them."""
    with _db(app) as session:
        rows = session.exec(
            select(Prompt).where(
                Prompt.client_id == uuid.UUID(patient.client_id),
                Prompt.status == PromptStatus.PLANNED,
                Prompt.scheduled_at > NOW,
            )
        )
        return {(str(p.assignment_id), p.slot, p.scheduled_at) for p in rows}


def _set_break(app, patient, start, end):
    with _db(app) as session:
        row = session.get(Client, uuid.UUID(patient.client_id))
        row.break_start, row.break_end = start, end
        session.add(row)


def test_any_break_plans_nothing_inside_it_and_ending_it_restores_the_plan(
    app, client, therapist, patient
):
    _assign(client, therapist, patient, times=("08:30", "13:00", "19:00"))
    _plan(app, patient)
    baseline = _plan_state(app, patient)
    assert baseline, "the schedule plans prompts ahead"
    today = NOW.astimezone(BERLIN).date()

    @settings(max_examples=25, derandomize=True, database=None)
    @given(st.integers(-3, 3), st.integers(0, 4), st.booleans())
    def check(offset, length, moved):
        start = today + timedelta(days=offset)
        end = start + timedelta(days=length)
        _set_break(app, patient, start, end)
        _plan(app, patient)
        during = _plan_state(app, patient)
        assert all(not start <= at.astimezone(BERLIN).date() <= end for _, _, at in during)
        assert during <= baseline, "a break only takes prompts away"
        if moved:  # the break moves elsewhere before it is called off
            _set_break(app, patient, end + timedelta(days=1), end + timedelta(days=2))
            _plan(app, patient)
        _set_break(app, patient, None, None)
        _plan(app, patient)
        assert _plan_state(app, patient) == baseline

    check()
