"""Properties of the dose policy over random clients: random valid settings, random event
streams over about a month. Whatever the client does, the safety shape of CLINICAL.md
section 5 holds: inside the therapist's bounds (R10), never up after a rough session and only
slowly (R2, R3), crisis always holds (R5), only the therapist lifts it (R5), and the same
events always give the same decisions (R11).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from care.dose.fold import (
    BACKDRAFT_FORMS,
    CheckIn,
    DoseSettings,
    HoldReleased,
    Paused,
    PromptCompleted,
    PromptMissed,
    Resumed,
    SessionAbandoned,
    SessionFinished,
    SessionStarted,
    SettingsChanged,
    initial_state,
    replay,
    step,
)

START = datetime(2025, 3, 20, 8, 0, tzinfo=UTC)  # the month holds a summer-time change
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati"]


@st.composite
def dose_settings(draw) -> DoseSettings:
    """Any settings a therapist could save (they pass validate())."""
    low = draw(st.integers(1, 5))
    high = draw(st.integers(low, 5))
    crisis = draw(st.sampled_from([9, 10]) | st.integers(2, 10))  # mostly near the defaults
    sessions = draw(st.integers(1, 4))
    result = DoseSettings(
        start_level=draw(st.integers(low, high)),
        min_level=low,
        max_level=high,
        pinned_level=draw(st.integers(low, high)) if draw(st.integers(0, 5)) == 0 else None,
        window_threshold=draw(st.just(max(1, crisis - 2)) | st.integers(1, crisis - 1)),
        crisis_threshold=crisis,
        rise_threshold=draw(st.just(2) | st.integers(1, 10)),
        prompts_by_level=(0, *sorted(draw(st.lists(st.integers(1, 4), min_size=5, max_size=5)))),
        step_up_sessions=sessions,
        step_up_distinct_days=draw(st.integers(1, sessions)),
        step_up_min_days_since_change=draw(st.integers(0, 4)),
        two_strikes_days=draw(st.integers(1, 10)),
        missed_in_row_limit=draw(st.integers(1, 4)),
        timezone=draw(st.sampled_from(ZONES)),
    )
    assert result.validate() == []
    return result


ratings = st.integers(0, 10)
mild = st.integers(0, 6) | ratings  # check-ins and pre-ratings are mostly below crisis
gaps = st.sampled_from([0, 45, 300, 720, 1440, 1440, 1500]) | st.integers(0, 30 * 60)  # minutes
concern = st.integers(0, 9).map(lambda n: n == 0)  # a safety concern now and then
forms = st.frozensets(st.sampled_from(sorted(BACKDRAFT_FORMS)), max_size=2)


def _maker(kind, *parts):
    """A strategy for an event waiting for its time: `at -> event`."""
    return st.tuples(*parts).map(lambda values: lambda at: kind(at, *values))


# Steady sessions are drawn most often, so that step-ups really happen.
calm = st.integers(0, 6).flatmap(lambda pre: st.tuples(st.just(pre), st.integers(0, pre + 1)))
EVENTS = st.one_of(
    *[calm.map(lambda r: lambda at: SessionFinished(at, *r))] * 6,
    _maker(SessionFinished, ratings, ratings, forms, concern),
    _maker(SessionStarted, mild),
    _maker(SessionAbandoned),
    _maker(CheckIn, mild, concern),
    _maker(PromptMissed),
    _maker(PromptMissed),
    _maker(PromptCompleted),
    _maker(SettingsChanged, dose_settings(), st.just("Dr Rao")),
    _maker(HoldReleased, st.just("Dr Rao"), st.just("")),
    _maker(HoldReleased, st.just("Dr Rao"), st.just("")),
    _maker(Paused, st.just("Dr Rao")),
    _maker(Resumed, st.just("Dr Rao")),
)


@st.composite
def streams(draw):
    """Settings and a time-ordered event stream over about a month (ties allowed)."""
    chosen = draw(dose_settings())
    steps = draw(st.lists(st.tuples(gaps, EVENTS), min_size=10, max_size=60))
    events, at = [], START
    for gap, make in steps:  # gap: minutes since the previous event
        at += timedelta(minutes=gap)
        events.append(make(at))
    return chosen, events


def _crisis(event, s: DoseSettings) -> bool:
    if isinstance(event, SessionFinished):
        return event.safety_concern or max(event.pre, event.post) >= s.crisis_threshold
    if isinstance(event, SessionStarted):
        return event.pre >= s.crisis_threshold
    if isinstance(event, CheckIn):
        return event.safety_concern or event.distress >= s.crisis_threshold
    return False


def _rough(event, s: DoseSettings) -> bool:
    return isinstance(event, SessionFinished) and (
        event.post >= s.window_threshold
        or event.post - event.pre >= s.rise_threshold
        or bool(event.backdraft)
    )


@dataclass
class Walk:
    """The test's own bookkeeping of the run R2 asks for (kept apart from the policy's)."""

    last_change: datetime
    run: list
    last_rough: datetime | None = None


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(streams())
def test_the_safety_shape_holds_for_any_client(stream) -> None:
    """R2, R3, R5, R9, R10 over any sequence of events."""
    chosen, events = stream
    state = initial_state(chosen, START)
    walk = Walk(last_change=START, run=[])
    for event in events:
        before = state
        s = before.settings
        state, d = step(state, event)
        now = state.settings  # a SettingsChanged applies at once

        # R10: never above the highest level or the pin; 0 only while on hold. Below the
        # lowest level or the pin only after a rough session stepped it down (R3 before R10).
        if d.on_hold:
            assert d.level == 0
        else:
            ceiling = now.max_level if now.pinned_level is None else now.pinned_level
            assert 1 <= d.level <= ceiling
            resting = now.min_level if now.pinned_level is None else now.pinned_level
            if d.level < resting:
                assert walk.last_rough is not None or _rough(event, s)
        # Prompts: none on hold or paused, else 1..the level's most.
        if d.on_hold or d.paused:
            assert d.prompts_per_day == 0
        else:
            assert 1 <= d.prompts_per_day <= now.prompts_by_level[d.level]
        # R5: a crisis always ends in hold, shown at once and urgently.
        if _crisis(event, s):
            assert d.on_hold and d.crisis and d.urgent and d.notify_therapist
        # R5: a hold starts only on a crisis and ends only when the therapist lifts it.
        if d.on_hold and not before.on_hold:
            assert _crisis(event, s)
        if before.on_hold and not d.on_hold:
            assert isinstance(event, HoldReleased)
        # R3, R12: never up after a rough session, and the therapist always hears of it.
        if _rough(event, s):
            assert d.level <= before.level and d.prompts_per_day <= before.prompts
            assert d.notify_therapist
            if not (before.on_hold or _crisis(event, s)):
                # One step down at once, whatever the pin or the lowest level (nothing the
                # therapist saves switches R3 off); a second within the days: level 1.
                last = walk.last_rough
                if last and s.days_between(last, event.at) <= s.two_strikes_days:
                    assert d.level == 1
                else:
                    assert d.level == max(1, before.level - 1)
            walk.last_rough = event.at
        # R5, R10: lifting a hold that is not there changes nothing; paused never goes up.
        if isinstance(event, HoldReleased) and not before.on_hold:
            assert not d.changed
        if before.paused and isinstance(event, SessionFinished):
            assert d.level <= before.level
        # R9: misses never raise anything and never touch the level.
        if isinstance(event, PromptMissed):
            assert d.level == before.level and d.prompts_per_day <= before.prompts
        assert d.notify_therapist or not d.urgent
        assert d.changed == (
            (d.level, d.on_hold, d.paused, d.prompts_per_day)
            != (before.level, before.on_hold, before.paused, before.prompts)
        )

        # R2: up only after a steady run, one level, and never sooner than the days allow.
        went_up = d.level > before.level
        if went_up and not isinstance(event, (HoldReleased, SettingsChanged)):
            assert isinstance(event, SessionFinished) and not _rough(event, s)
            assert d.level == before.level + 1
            assert s.days_between(walk.last_change, event.at) >= s.step_up_min_days_since_change
            run = [*walk.run, event.at]
            assert len(run) >= s.step_up_sessions
            assert len({s.local_date(t) for t in run}) >= s.step_up_distinct_days
        if d.level != before.level:
            walk.last_change, walk.run = event.at, []
        elif isinstance(event, SessionAbandoned) or _rough(event, s):
            walk.run = []
        elif isinstance(event, SessionFinished):
            walk.run.append(event.at)


@PROPERTY
@given(streams())
def test_the_same_events_give_the_same_decisions(stream) -> None:
    """R11: replay is deterministic, and stepping one event at a time equals replay."""
    chosen, events = stream
    first = replay(chosen, events, START)
    assert first == replay(chosen, list(events), START)
    state, stepped = initial_state(chosen, START), []
    for event in events:
        state, decision = step(state, event)
        stepped.append(decision)
    assert stepped == first
    assert all(d.reasons and d.inputs for d in first)
