"""What becomes of a claimed prompt, decided from plain data (no database): expired,
cancelled (hold, pause, assignment: re-checked at send time), sent (the inbox is its only
channel left) or outside (an email or webhook is still owed)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from care.vocab import PromptStatus

OUTSIDE = "outside"  # not a prompt state: the batch hands the prompt on to `deliver`


@dataclass(frozen=True)
class Claimed:
    """What settling needs to know of one claimed prompt: plain data, read in the batch."""

    id: uuid.UUID
    expires_at: datetime
    client: bool = True  # the client record still exists
    on_hold: bool = False
    dose_paused: bool = False
    assignment_live: bool = True  # exists, active, not deleted
    email: bool = False  # an email would go out: channel on, client opted in, active address
    endpoints: frozenset[str] = frozenset()  # the therapist's active, non-failing endpoint ids
    done: frozenset[str] = frozenset()  # channels that had it: "inbox:", "email:", "webhook:<id>"


def unwanted(client: bool, on_hold: bool, dose_paused: bool, assignment_live: bool) -> str | None:
    """Why a claimed prompt must not go out now (re-checked at send time), or None."""
    if not client:
        return "the client no longer exists"
    if on_hold:
        return "the client is on hold"
    if dose_paused:
        return "the therapist paused practice"
    if not assignment_live:
        return "the assignment was paused or ended"
    return None


def settle(prompt: Claimed, now: datetime) -> tuple[str, str]:
    """What becomes of a claimed prompt: (EXPIRED | CANCELLED | SENT | OUTSIDE, why).

    SENT means the inbox is its only channel left, so the batch can finish it; OUTSIDE means
    an email or webhook is still owed, which `deliver` sends after the batch commits."""
    if prompt.expires_at <= now:
        return PromptStatus.EXPIRED, ""
    reason = unwanted(prompt.client, prompt.on_hold, prompt.dose_paused, prompt.assignment_live)
    if reason:
        return PromptStatus.CANCELLED, reason
    if prompt.email and "email:" not in prompt.done:
        return OUTSIDE, ""
    if any(f"webhook:{e}" not in prompt.done for e in prompt.endpoints):
        return OUTSIDE, ""
    return PromptStatus.SENT, ""
