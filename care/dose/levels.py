"""What every dose rule shares: the outcome of one rule, where the level may rest under the
therapist's settings, and a level change that restarts the R2 clock."""

from dataclasses import dataclass, replace
from datetime import datetime

from care.dose.model import DoseSettings, DoseState, Reason


@dataclass(frozen=True)
class Outcome:
    """What one rule handler decided: the next state, why, and whom to tell."""

    state: DoseState
    reasons: tuple[Reason, ...]
    notify: bool = False
    urgent: bool = False
    crisis: bool = False


def floor_level(settings: DoseSettings) -> int:
    """The lowest practice level: the therapist's minimum, and never 0 (0 is only the hold)."""
    return max(1, settings.min_level)


def resting_level(settings: DoseSettings, level: int) -> int:
    """Where the level must sit under these settings: the pin, else inside [min, max] (R10)."""
    if settings.pinned_level is not None:
        return settings.pinned_level
    return min(max(level, floor_level(settings)), settings.max_level)


def move(state: DoseState, level: int, at: datetime) -> DoseState:
    """Set a practice level; a real change restarts the R2 run and the change clock."""
    if level == state.level:
        return state
    # A reduction bigger than the new level allows would hide restorations (R9), so fit it.
    most_cut = max(0, state.settings.prompts_by_level[level] - 1)
    return replace(
        state,
        level=level,
        steady_run=(),
        last_change_at=at,
        frequency_reduction=min(state.frequency_reduction, most_cut),
    )


def a_day(count: int) -> str:
    """'1 prompt a day' or 'N prompts a day', for the reasons."""
    return f"{count} prompt a day" if count == 1 else f"{count} prompts a day"
