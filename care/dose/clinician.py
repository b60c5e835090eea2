"""The dose rules for what the therapist does (R5 release, R10 settings, pause and resume); the
rules for what the client does are in care.dose.rules."""

from dataclasses import replace

from care.dose.levels import Outcome, a_day, floor_level, move, resting_level
from care.dose.model import (
    HOLD_LEVEL,
    DoseState,
    HoldReleased,
    Paused,
    Reason,
    Resumed,
    SettingsChanged,
)
from care.vocab import LOWEST_LEVEL

# Therapist events: R5 release, R10 ------------------------------------------------------


def on_settings_changed(state: DoseState, event: SettingsChanged) -> Outcome:
    """R10 (004:349-355): new bounds, pin or thresholds apply at once; a hold stays."""
    new = event.settings
    problems = new.validate()
    if problems:
        raise ValueError(f"invalid dose settings: {problems}")
    state = replace(state, settings=new)
    if state.on_hold:
        text = f"Settings updated by {event.by}; the hold stays until the therapist lifts it."
        return Outcome(state, (Reason("R10", text),))
    level, target = state.level, resting_level(new, state.level)
    if target > level and _rough_lately(state, event):
        # R3 before R10: a saved setting does not undo a recent step down; steady sessions
        # bring the level up at the R2 pace (the therapist can still pin lower at any time).
        text = (
            f"Settings updated by {event.by}; level {level} stays below them for now: a rough "
            f"session in the last {new.two_strikes_days} days stepped it down, and steady "
            "sessions bring it back up step by step."
        )
        return Outcome(state, (Reason("R3", text),))
    if target == level:
        text = (
            f"Settings updated by {event.by}; level {level} already fits them "
            f"({a_day(state.prompts)})."
        )
        return Outcome(state, (Reason("R10", text),))
    rule, moved = "R10", f"{'Raised' if target > level else 'Lowered'} from {level} to {target}"
    if new.pinned_level is not None:
        rule, text = "R10-pin", f"{moved} at once: {event.by} pinned the level at {target}."
    elif target > level:
        text = f"{moved} at once: {event.by} set the lowest level to {new.min_level}."
    else:
        text = f"{moved} at once: {event.by} set the highest level to {new.max_level}."
    return Outcome(move(state, target, event.at), (Reason(rule, text),))


def on_hold_released(state: DoseState, event: HoldReleased) -> Outcome:
    """R5: only the therapist lifts a hold; practice restarts at the bottom (or the pin)."""
    if not state.on_hold:
        return Outcome(state, (Reason("R5", "No change: there is no hold to lift."),))
    settings = state.settings
    # Restart lukewarm (004:585-604): the lowest level, with the R2 run and clock from now.
    level = resting_level(settings, floor_level(settings))
    text = (
        f"Hold lifted by {event.by}: practice restarts at level {level}; steady sessions "
        "are counted afresh from today."
    )
    if _rough_lately(state, event) and level > LOWEST_LEVEL:
        # R3 before R10: a release does not undo a recent step down either.
        level = LOWEST_LEVEL
        text = (
            f"Hold lifted by {event.by}: practice restarts at level {level}, below the "
            f"therapist's settings for now, because of a rough session in the last "
            f"{settings.two_strikes_days} days; steady sessions bring it back up step by step."
        )
    resumed = replace(state, on_hold=False, level=HOLD_LEVEL, missed_in_row=0)
    resumed = move(resumed, level, event.at)
    return Outcome(resumed, (Reason("R5", text),))


def on_paused(state: DoseState, event: Paused) -> Outcome:
    """R10: a pause stops prompts but keeps the level; it is not a hold."""
    if state.paused:
        return Outcome(state, (Reason("R10", "No change: practice is already paused."),))
    text = f"Paused by {event.by}: no practice prompts until resumed; the level stays."
    return Outcome(replace(state, paused=True, missed_in_row=0), (Reason("R10", text),))


def on_resumed(state: DoseState, event: Resumed) -> Outcome:
    """R10: prompts start again at the kept level."""
    if not state.paused:
        return Outcome(state, (Reason("R10", "No change: practice was not paused."),))
    state = replace(state, paused=False)
    text = f"Resumed by {event.by}: prompts start again ({a_day(state.prompts)})."
    if state.on_hold:
        text = f"Resumed by {event.by}; still on hold until the therapist lifts it."
    return Outcome(state, (Reason("R10", text),))


def _rough_lately(state: DoseState, event) -> bool:
    """A rough session within the two-strikes window before this therapist event (R3)."""
    last, settings = state.last_rough_at, state.settings
    return last is not None and settings.days_between(last, event.at) <= settings.two_strikes_days
