"""The dose-titration policy: a pure fold from a client's events to dose decisions.

CLINICAL.md sections 4-6. The dose (a level 0-5 and prompts a day) follows the client's
distress ratings inside the therapist's bounds: start low and step up slowly (R2), step down
at once after a rough session (R3, R4), hold on any crisis sign until the therapist lifts it
(R5), lower frequency, never the level, when prompts go unanswered (R9), obey the therapist's
pin, bounds and pause (R10), explain every decision (R11), and tell the therapist about every
rough session (R12). R1, R6, R7 and R8 decide what may be assigned, not how much of it: they
are enforced when a therapist assigns a practice, not here.

Usage: `replay(settings, events)` gives one `Decision` per event; `current(...)` the latest;
`initial_state` and `step` do the same one event at a time. No I/O, no clock, no database:
the same events always give the same decisions. The rules themselves live in
`care.dose.rules` (the client's events) and `care.dose.clinician` (the therapist's); the data in
`care.dose.model`.

Choices where CLINICAL.md is silent (keep in step with the tests):
- "Days" are the client's calendar days in `DoseSettings.timezone` (DST-safe), both for the
  distinct days of R2 and for "3 days since the last change" and "two within 7 days" (R3,
  inclusive: days 0 and 7 are within 7 days).
- The change clock starts at `started_at` or, without it, at the first event.
- A rough session steps down even below a pin or the therapist's lowest level (nothing a
  therapist saves switches R3 off); steady sessions then climb back at the R2 pace, never above
  the pin or the highest level. A settings change does not raise the level within
  `two_strikes_days` of a rough session. A hold overrides a pin.
- The level never goes up while paused; rough sessions still step it down while paused.
- A lifted hold restarts at the therapist's minimum level (or the pin), with the R2 run and
  clock from the moment of release; the frequency cut is kept but fitted to the new level.
- Each completed steady session gives back one step of an R9 frequency cut; at one prompt a
  day nothing is cut further, but the therapist is still told.
- Level 0 is only the hold, so `min_level` is at least 1, and a higher level never has fewer
  prompts a day (a step down must never raise the dose).
- `crisis` is true on the decision whose event carried the crisis sign; `on_hold` stays true
  until release. A check-in below the crisis threshold changes nothing and alerts nobody.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from care.dose import clinician, rules
from care.dose.levels import resting_level
from care.dose.model import (
    BACKDRAFT_FORMS,
    HOLD_LEVEL,
    CheckIn,
    Decision,
    DoseSettings,
    DoseState,
    Event,
    HoldReleased,
    Paused,
    PromptCompleted,
    PromptMissed,
    Reason,
    Resumed,
    SessionAbandoned,
    SessionFinished,
    SessionStarted,
    SettingsChanged,
    prompts_per_day,
)

__all__ = [
    "BACKDRAFT_FORMS",
    "HOLD_LEVEL",
    "CheckIn",
    "Decision",
    "DoseSettings",
    "DoseState",
    "Event",
    "HoldReleased",
    "Paused",
    "PromptCompleted",
    "PromptMissed",
    "Reason",
    "Resumed",
    "SessionAbandoned",
    "SessionFinished",
    "SessionStarted",
    "SettingsChanged",
    "current",
    "initial_state",
    "prompts_per_day",
    "replay",
    "start",
    "step",
]


def _checked(settings: DoseSettings) -> DoseSettings:
    problems = settings.validate()
    if problems:
        # The care layer validates first and answers 422; reaching here is a programming error.
        raise ValueError(f"invalid dose settings: {problems}")
    return settings


def initial_state(settings: DoseSettings, started_at: datetime | None = None) -> DoseState:
    """The state before any event: the start level inside the bounds, or the pin (R2, R10)."""
    settings = _checked(settings)
    return DoseState(
        settings=settings,
        level=resting_level(settings, settings.start_level),
        last_change_at=started_at,
    )


def start(settings: DoseSettings, at: datetime) -> tuple[DoseState, Decision]:
    """The opening state and its decision, for storing when an assignment begins (R2, R11)."""
    at = at.astimezone(UTC)
    state = initial_state(settings, at)
    text = f"Started at level {state.level}, the therapist's start level, lukewarm by design."
    if settings.pinned_level is not None:
        text = f"Started at level {state.level}, pinned by the therapist."
    decision = _decision(state, state, at, (Reason("start", text),), {"event": "start"})
    return state, replace(decision, changed=True)


def step(state: DoseState, event: Event) -> tuple[DoseState, Decision]:
    """Apply one event; every event yields a decision, changed or not (R11)."""
    handler = HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"not a dose event: {event!r}")
    before = state
    if state.last_change_at is None:
        # Without a known start, the assignment's first event starts the R2 change clock.
        state = replace(state, last_change_at=event.at)
    outcome = handler(state, event)
    after = outcome.state
    decision = _decision(
        before,
        after,
        event.at,
        outcome.reasons,
        event.inputs(),
        notify=outcome.notify or outcome.urgent,
        urgent=outcome.urgent,
        crisis=outcome.crisis,
    )
    return after, decision


def replay(
    settings: DoseSettings, events: Iterable[Event], started_at: datetime | None = None
) -> list[Decision]:
    """Fold events in time order (ties keep their given order) into one decision each."""
    state = initial_state(settings, started_at)
    decisions = []
    for event in sorted(events, key=lambda e: e.at):
        state, decision = step(state, event)
        decisions.append(decision)
    return decisions


def current(
    settings: DoseSettings, events: Iterable[Event], started_at: datetime | None = None
) -> Decision:
    """The dose now: the decision after the latest event, or the start if there is none."""
    decisions = replay(settings, events, started_at)
    if decisions:
        return decisions[-1]
    if started_at is None:
        raise ValueError("no events yet: pass started_at to get the opening decision")
    return start(settings, started_at)[1]


def _decision(
    before: DoseState,
    after: DoseState,
    at: datetime,
    reasons: tuple[Reason, ...],
    inputs: dict[str, object],
    *,
    notify: bool = False,
    urgent: bool = False,
    crisis: bool = False,
) -> Decision:
    changed = (before.level, before.on_hold, before.paused, before.prompts) != (
        after.level,
        after.on_hold,
        after.paused,
        after.prompts,
    )
    return Decision(
        at=at,
        level=after.level,
        prompts_per_day=after.prompts,
        on_hold=after.on_hold,
        paused=after.paused,
        reasons=reasons,
        notify_therapist=notify,
        urgent=urgent,
        crisis=crisis,
        changed=changed,
        inputs=inputs,
        frequency_reduction=after.frequency_reduction,
    )


# One handler per kind of event: the client's in care.dose.rules, the therapist's in
# care.dose.clinician.
HANDLERS = {
    SessionFinished: rules.on_session_finished,
    SessionStarted: rules.on_session_started,
    SessionAbandoned: rules.on_session_abandoned,
    CheckIn: rules.on_check_in,
    PromptMissed: rules.on_prompt_missed,
    PromptCompleted: rules.on_prompt_completed,
    SettingsChanged: clinician.on_settings_changed,
    HoldReleased: clinician.on_hold_released,
    Paused: clinician.on_paused,
    Resumed: clinician.on_resumed,
}
