"""The dose rules for what the client does, one handler per kind of event; the therapist's
events are in care.dose.clinician, and `care.dose.fold.step` dispatches to both.

Each handler takes the state and one event and returns an `Outcome`: the next state, the
reasons in plain words for the therapist (R11), and whom to tell. Rule ids are those of
CLINICAL.md section 5. The shape of the policy: step up slowly (R2), step down fast (R3),
hold at once on crisis and let only the therapist lift it (R5), lower frequency rather than
level when prompts go unanswered (R9), and never above the therapist's highest level or pin
(R10). A rough session steps down even below the therapist's lowest level or pin: nothing a
therapist saves switches a step down off (R3 before R10).
"""

from dataclasses import replace
from datetime import datetime

from care.dose.levels import Outcome, a_day, move, resting_level
from care.dose.model import (
    HOLD_LEVEL,
    CheckIn,
    DoseSettings,
    DoseState,
    PromptCompleted,
    PromptMissed,
    Reason,
    SessionAbandoned,
    SessionFinished,
    SessionStarted,
    prompts_per_day,
)
from care.vocab import LOWEST_LEVEL

# R5 safety hold -------------------------------------------------------------------------


def _crisis_signs(settings: DoseSettings, ratings: dict[str, int], concern: bool) -> list[str]:
    # A safety concern comes first: the therapist reads it before any number.
    signs = ["the client said they may harm themselves"] if concern else []
    signs += [
        f"{name} was {value}, at or above the crisis threshold of {settings.crisis_threshold}"
        for name, value in ratings.items()
        if value >= settings.crisis_threshold
    ]
    return signs


def _hold(state: DoseState, at: datetime, signs: list[str]) -> Outcome:
    """R5: hold at once; no algorithm handles a crisis, so the therapist is alerted urgently."""
    why = "; ".join(signs)
    if state.on_hold:
        text = f"Still on hold: {why}. Crisis resources shown; urgent alert to the therapist."
        return Outcome(state, (Reason("R5", text),), notify=True, urgent=True, crisis=True)
    text = (
        f"On hold at once (level {state.level} to 0): {why}. No practice prompts; crisis "
        "resources shown; urgent alert to the therapist, who alone can lift the hold."
    )
    held = replace(
        state, level=HOLD_LEVEL, on_hold=True, steady_run=(), last_change_at=at, missed_in_row=0
    )
    return Outcome(held, (Reason("R5", text),), notify=True, urgent=True, crisis=True)


_HELD = Reason("R5", "No change: on hold until the therapist lifts it.")


# Finished sessions: R2, R3, R4, R5, R9, R12 ---------------------------------------------


def rough_signs(settings: DoseSettings, event: SessionFinished) -> list[str]:
    """Why a finished session was intolerable (R3, R4); an empty list means it was steady."""
    signs = []
    if event.post >= settings.window_threshold:
        signs.append(
            f"post-practice distress was {event.post}, at or above the window threshold "
            f"of {settings.window_threshold}"
        )
    rise = event.post - event.pre
    if rise >= settings.rise_threshold:
        signs.append(
            f"distress rose from {event.pre} to {event.post}, a rise of {rise} "
            f"(a rise of {settings.rise_threshold} or more is too much)"
        )
    if event.backdraft:
        signs.append(f"backdraft was reported ({', '.join(sorted(event.backdraft))})")
    return signs


def on_session_finished(state: DoseState, event: SessionFinished) -> Outcome:
    """Judge a finished session: crisis holds, rough steps down, steady may step up."""
    settings = state.settings
    rough = rough_signs(settings, event)
    previous_rough_at = state.last_rough_at
    # R9: any completed session, rough or not, ends a run of missed prompts.
    state = replace(
        state, missed_in_row=0, last_rough_at=event.at if rough else state.last_rough_at
    )
    extra: tuple[Reason, ...] = ()
    if event.backdraft:
        # R4 (000:291): expected in this work, never the client's fault; the therapist sees it.
        forms = ", ".join(sorted(event.backdraft))
        text = f"Backdraft reported ({forms}): expected, not a failure; the therapist sees it."
        extra += (Reason("R4", text),)
    if rough:
        # R12 (004:580-581): hidden trauma surfaces in practice, so a rough session is never silent.
        text = f"Sent to the therapist: a rough session (before {event.pre}, after {event.post})."
        extra += (Reason("R12", text),)
    ratings = {"pre-practice distress": event.pre, "post-practice distress": event.post}
    signs = _crisis_signs(settings, ratings, event.safety_concern)
    if signs:
        out = _hold(state, event.at, signs)
    elif state.on_hold:
        out = Outcome(state, (_HELD,), notify=bool(rough))
    elif rough:
        out = _step_down(state, event.at, rough, previous_rough_at)
    else:
        out = _steady(state, event.at)
    return replace(out, reasons=out.reasons + extra)


def _step_down(
    state: DoseState, at: datetime, signs: list[str], previous_rough_at: datetime | None
) -> Outcome:
    """R3 (004:805-818; 000:293): one rough session steps down at once; two in a week drop to
    the lowest level. Nothing the therapist saves switches this off: a step down goes below a
    pin or the therapist's lowest level too (then steady sessions climb back, R2), and only
    level 1 itself cannot go lower (level 0 is only the hold)."""
    settings, level = state.settings, state.level
    why = "; ".join(signs)
    strikes = settings.two_strikes_days
    second = (
        previous_rough_at is not None
        and 0 <= settings.days_between(previous_rough_at, at) <= strikes
    )
    target = LOWEST_LEVEL if second else max(LOWEST_LEVEL, level - 1)
    if second and target < level:
        text = (
            f"Dropped from {level} to {target}: a second rough session within {strikes} "
            f"days; {why}."
        )
    elif second:
        text = (
            f"Stayed at level {level}, the lowest there is: a second rough session within "
            f"{strikes} days; {why}."
        )
    elif target < level:
        text = f"Stepped down from {level} to {target} at once: {why}."
    else:
        text = f"Stayed at level {level}, the lowest there is: {why}."
    resting = resting_level(settings, target)
    if target < level and target < resting:
        setting = (
            f"the pinned level {settings.pinned_level}"
            if settings.pinned_level is not None
            else f"the lowest level {settings.min_level} you set"
        )
        text += (
            f" This is below {setting}: a rough session always steps down; steady sessions "
            "bring the level back up step by step."
        )
    # Never raise after a rough session: the steady run starts again from nothing.
    moved = replace(move(state, target, at), steady_run=())
    return Outcome(moved, (Reason("R3", text),), notify=True)


def _steady(state: DoseState, at: datetime) -> Outcome:
    """R2 (004:585-623): warm up slowly; one level up only after a steady run on several days."""
    settings = state.settings
    reasons: tuple[Reason, ...] = ()
    if state.frequency_reduction > 0:
        # R9, gentle return: each steady completed session gives back one step of frequency.
        state = replace(state, frequency_reduction=state.frequency_reduction - 1)
        now = prompts_per_day(state.level, settings, state.frequency_reduction)
        text = f"Prompts raised back one step, to {a_day(now)}, after a steady session."
        reasons += (Reason("R9", text),)
    run = (*state.steady_run, at)
    state = replace(state, steady_run=run)
    need = settings.step_up_sessions
    days = len({settings.local_date(t) for t in run})
    need_days = settings.step_up_distinct_days
    since = settings.days_between(state.last_change_at or at, at)
    need_since = settings.step_up_min_days_since_change
    level = state.level
    if settings.pinned_level is not None and level >= settings.pinned_level:
        why = Reason("R10-pin", f"No change: the therapist pinned the level at {level}.")
    elif level >= settings.max_level:
        why = Reason("R2", f"No change: level {level} is the highest the therapist allows.")
    elif state.paused:
        why = Reason("R10", "No change: the level does not go up while practice is paused.")
    elif len(run) < need:
        why = Reason("R2", f"No change: {len(run)} of {need} steady sessions so far at this level.")
    elif days < need_days:
        text = f"{len(run)} steady sessions, but on {days} of {need_days} different days so far"
        why = Reason("R2", f"No change: {text}.")
    elif since < need_since:
        text = f"{len(run)} steady sessions, but {since} of {need_since} days since the last change"
        why = Reason("R2", f"No change: {text}.")
    else:
        text = (
            f"Stepped up from {level} to {level + 1}: {len(run)} steady sessions in a row "
            f"on {days} different days, {since} days since the last change."
        )
        return Outcome(move(state, level + 1, at), (*reasons, Reason("R2", text)))
    return Outcome(state, (*reasons, why))


# Other client events: R2, R5, R9 ---------------------------------------------------------


def on_session_started(state: DoseState, event: SessionStarted) -> Outcome:
    """A crisis rating before practice holds at once (R5); otherwise nothing moves."""
    signs = _crisis_signs(state.settings, {"pre-practice distress": event.pre}, False)
    if signs:
        return _hold(state, event.at, signs)
    if state.on_hold:
        return Outcome(state, (_HELD,))
    text = f"No change: a session started with distress {event.pre}."
    return Outcome(state, (Reason("R11", text),))


def on_session_abandoned(state: DoseState, event: SessionAbandoned) -> Outcome:
    """An unfinished session breaks the steady run (R2); it is not counted as a failure."""
    if state.on_hold:
        return Outcome(state, (_HELD,))
    text = "No change: an unfinished session starts the count of steady sessions again."
    return Outcome(replace(state, steady_run=()), (Reason("R2", text),))


def on_check_in(state: DoseState, event: CheckIn) -> Outcome:
    """A check-in only matters for safety: a crisis rating or concern holds at once (R5)."""
    signs = _crisis_signs(
        state.settings, {"check-in distress": event.distress}, event.safety_concern
    )
    if signs:
        return _hold(state, event.at, signs)
    if state.on_hold:
        return Outcome(state, (_HELD,))
    text = (
        f"No change: check-in distress {event.distress} is below the crisis threshold "
        f"of {state.settings.crisis_threshold}."
    )
    return Outcome(state, (Reason("R11", text),))


def on_prompt_missed(state: DoseState, event: PromptMissed) -> Outcome:
    """R9 (000:219): after misses in a row, fewer prompts and a word to the therapist, no more."""
    if state.on_hold or state.paused:
        return Outcome(
            state, (Reason("R9", "No change: no prompts are due while on hold or paused."),)
        )
    settings, level = state.settings, state.level
    missed, limit = state.missed_in_row + 1, settings.missed_in_row_limit
    if missed < limit:
        text = (
            f"No change: {missed} missed {'prompt' if missed == 1 else 'prompts'} in a row "
            f"(frequency is lowered after {limit}); no extra reminder is sent."
        )
        return Outcome(replace(state, missed_in_row=missed), (Reason("R9", text),))
    # The count starts again, so another run of misses lowers frequency one more step.
    state = replace(state, missed_in_row=0)
    before = prompts_per_day(level, settings, state.frequency_reduction)
    if before <= 1:
        text = (
            f"{limit} missed prompts in a row; already at one prompt a day, so nothing is "
            f"lowered; the level stays at {level}. The therapist is told; no extra reminder."
        )
        return Outcome(state, (Reason("R9", text),), notify=True)
    state = replace(state, frequency_reduction=state.frequency_reduction + 1)
    after = prompts_per_day(level, settings, state.frequency_reduction)
    text = (
        f"Prompts lowered from {before} to {after} a day after {limit} missed prompts in a "
        f"row; the level stays at {level}. Not practising is not failure: no extra reminder."
    )
    return Outcome(state, (Reason("R9", text),), notify=True)


def on_prompt_completed(state: DoseState, event: PromptCompleted) -> Outcome:
    """A practised prompt ends a run of misses (R9); the dose itself does not move."""
    text = "No change: a prompt was answered with practice, so missed prompts count from zero."
    return Outcome(replace(state, missed_in_row=0), (Reason("R9", text),))
