"""The dose policy's plain data: settings validation, event checks, the start and the fold API."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from care.dose.fold import (
    CheckIn,
    DoseSettings,
    HoldReleased,
    PromptMissed,
    SessionFinished,
    SettingsChanged,
    current,
    initial_state,
    prompts_per_day,
    replay,
    start,
    step,
)

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
DEFAULTS = DoseSettings()


def test_defaults_are_the_clinical_brief() -> None:
    """CLINICAL.md sections 4 and 5: the default levels, thresholds and prompt counts."""
    assert DEFAULTS.validate() == []
    assert (DEFAULTS.start_level, DEFAULTS.min_level, DEFAULTS.max_level) == (1, 1, 5)
    assert (DEFAULTS.window_threshold, DEFAULTS.crisis_threshold) == (7, 9)
    assert DEFAULTS.rise_threshold == 2
    assert DEFAULTS.prompts_by_level == (0, 1, 1, 2, 2, 3)
    assert (DEFAULTS.step_up_sessions, DEFAULTS.step_up_distinct_days) == (3, 3)
    assert DEFAULTS.step_up_min_days_since_change == 3
    assert (DEFAULTS.two_strikes_days, DEFAULTS.missed_in_row_limit) == (7, 3)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"min_level": 3, "max_level": 2, "start_level": 2}, "min_level", "above the highest"),
        ({"start_level": 4, "max_level": 3}, "start_level", "and the highest level (3)"),
        ({"min_level": 0}, "min_level", "level 0 is only the safety hold"),
        ({"max_level": 6}, "max_level", "from 1 to 5"),
        ({"pinned_level": 6}, "pinned_level", "from 1 to 5"),
        ({"pinned_level": 4, "max_level": 3}, "pinned_level", "and the highest level (3)"),
        ({"pinned_level": 0}, "pinned_level", "and the highest level (5)"),
        ({"window_threshold": 9}, "window_threshold", "must be below the crisis threshold (9)"),
        ({"crisis_threshold": 11}, "crisis_threshold", "0-10 distress scale"),
        ({"rise_threshold": 0}, "rise_threshold", "0-10 distress scale"),
        ({"window_threshold": -1}, "window_threshold", "0-10 distress scale"),
        ({"prompts_by_level": (0, 1, 1)}, "prompts_by_level", "six whole numbers"),
        ({"prompts_by_level": (1, 1, 1, 2, 2, 3)}, "prompts_by_level", "0 for the hold"),
        ({"prompts_by_level": (0, 0, 1, 2, 2, 3)}, "prompts_by_level", "1 to 12"),
        ({"prompts_by_level": (0, 2, 1, 2, 2, 3)}, "prompts_by_level", "never fewer at a higher"),
        ({"step_up_sessions": 0}, "step_up_sessions", "from 1 to 365"),
        ({"step_up_distinct_days": 4}, "step_up_distinct_days", "more different days"),
        ({"step_up_min_days_since_change": -1}, "step_up_min_days_since_change", "0 to 365"),
        ({"two_strikes_days": 0}, "two_strikes_days", "from 1 to 365"),
        ({"missed_in_row_limit": 0}, "missed_in_row_limit", "from 1 to 365"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"timezone": ""}, "timezone", "IANA time zone"),
        ({"start_level": True}, "start_level", "from 1 to 5"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_validate_names_each_problem(changes: dict, field: str, words: str) -> None:
    """R10: a therapist's impossible settings are refused field by field, in plain words."""
    problems = replace(DEFAULTS, **changes).validate()
    assert any(name == field and words in message for name, message in problems), problems


def test_validate_lists_every_problem_at_once() -> None:
    """All problems come back together, so a form can mark every field."""
    bad = replace(DEFAULTS, min_level=0, window_threshold=10, timezone="Nowhere/Here")
    assert {name for name, _ in bad.validate()} == {"min_level", "window_threshold", "timezone"}


def test_invalid_settings_never_run() -> None:
    """The care layer validates first; the policy refuses contradictory settings outright."""
    bad = replace(DEFAULTS, min_level=4, max_level=2)
    with pytest.raises(ValueError, match="invalid dose settings"):
        initial_state(bad)
    state = initial_state(DEFAULTS)
    with pytest.raises(ValueError, match="invalid dose settings"):
        step(state, SettingsChanged(T0, bad, by="Dr Rao"))


@pytest.mark.parametrize(
    "make",
    [
        lambda: SessionFinished(datetime(2025, 1, 6, 9), 3, 3),
        lambda: SessionFinished(T0, 11, 3),
        lambda: SessionFinished(T0, 3, -1),
        lambda: SessionFinished(T0, 3, 3, frozenset({"shame"})),
        lambda: CheckIn(T0, 12),
        lambda: CheckIn(T0, True),
    ],
    ids=["naive time", "pre 11", "post -1", "unknown backdraft form", "check-in 12", "bool"],
)
def test_events_refuse_impossible_values(make) -> None:
    """Ratings are whole numbers 0-10, times are aware, backdraft forms are the four of R4."""
    with pytest.raises(ValueError):
        make()


def test_events_are_kept_in_utc() -> None:
    """Times from any zone are stored and decided in UTC."""
    local = datetime(2025, 7, 1, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    event = SessionFinished(local, 3, 3, ["body"])
    assert event.at.tzinfo is UTC and event.at == local
    assert event.backdraft == frozenset({"body"})
    assert event.inputs() == {
        "event": "session_finished",
        "pre": 3,
        "post": 3,
        "backdraft": ["body"],
        "safety_concern": False,
    }


@pytest.mark.parametrize(
    ("level", "reduction", "expected"),
    [
        (0, 0, 0),
        (0, 2, 0),
        (1, 0, 1),
        (1, 3, 1),
        (3, 0, 2),
        (3, 1, 1),
        (5, 0, 3),
        (5, 1, 2),
        (5, 2, 1),
        (5, 9, 1),
    ],
)
def test_prompts_per_day(level: int, reduction: int, expected: int) -> None:
    """Section 4 table less the R9 cut; never below one a day while practising, none on hold."""
    assert prompts_per_day(level, DEFAULTS, reduction) == expected


def test_start_decision_explains_the_start() -> None:
    """R2, R11: the opening decision is storable and says where the client starts and why."""
    state, decision = start(DEFAULTS, T0)
    assert (state.level, decision.level, decision.prompts_per_day) == (1, 1, 1)
    assert decision.rules == ("start",) and decision.changed
    pinned = start(replace(DEFAULTS, pinned_level=4), T0)[1]
    assert pinned.level == 4 and "pinned" in pinned.reasons[0].text


def test_current_is_the_latest_decision() -> None:
    """`current` is the dose after the latest event, or the start before any event."""
    events = [SessionFinished(T0 + timedelta(days=1), 3, 8), PromptMissed(T0)]
    assert current(DEFAULTS, events) == replay(DEFAULTS, events)[-1]
    assert current(DEFAULTS, [], started_at=T0).rules == ("start",)
    with pytest.raises(ValueError, match="started_at"):
        current(DEFAULTS, [])


def test_replay_sorts_by_time_and_keeps_ties_in_order() -> None:
    """Events are folded in time order; same-time events keep the order they were given."""
    crisis = CheckIn(T0, 9)
    release = HoldReleased(T0, by="Dr Rao", note="")
    later = PromptMissed(T0 + timedelta(hours=1))
    decisions = replay(DEFAULTS, [later, crisis, release])
    assert [d.inputs["event"] for d in decisions] == ["check_in", "hold_released", "prompt_missed"]
    assert decisions[1].on_hold is False
    assert replay(DEFAULTS, [later, release, crisis])[-1].on_hold is True


def test_release_answers_no_hold_for_the_care_layer() -> None:
    """The care layer answers 409 to a release without a hold; the state says whether one is on."""
    state = initial_state(DEFAULTS)
    assert state.on_hold is False
    state, decision = step(state, HoldReleased(T0, by="Dr Rao", note=""))
    assert not decision.changed and decision.rules == ("R5",)
    state, _ = step(state, CheckIn(T0, 3, safety_concern=True))
    assert state.on_hold is True and state.level == 0


def test_unknown_events_are_refused() -> None:
    """Only the dose events can be folded."""
    with pytest.raises(TypeError):
        step(initial_state(DEFAULTS), object())  # deliberately not an event
