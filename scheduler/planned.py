"""What the planner writes: a planned prompt as a row, bringing one up to date, cancelling
those that no longer fit (with why) and reviving those only a practice break cancelled; and
the counts of one pass."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from care.tables import Assignment, Client, Prompt
from care.vocab import PromptStatus
from practices import Practice

ON_BREAK = "a practice break"


@dataclass
class PlanResult:
    """What one planning pass did."""

    created: int = 0
    updated: int = 0
    cancelled: int = 0
    clients: int = 0

    def add(self, other: "PlanResult") -> None:
        """Add another result's counts to this one."""
        self.created += other.created
        self.updated += other.updated
        self.cancelled += other.cancelled
        self.clients += other.clients


def revivable(prompt: Prompt, now: datetime) -> bool:
    """A prompt that only a practice break cancelled, never sent, still ahead."""
    return (
        prompt.status == PromptStatus.CANCELLED
        and prompt.last_error == ON_BREAK
        and prompt.sent_at is None
        and prompt.scheduled_at > now
    )


def taken_per_day(existing: list[Prompt], zone: ZoneInfo, now: datetime) -> dict[date, int]:
    """Prompts already on their way, per local day: they count against that day's cap."""
    taken: dict[date, int] = {}
    for prompt in existing:
        on_its_way = prompt.status not in (PromptStatus.PLANNED, PromptStatus.CANCELLED)
        if on_its_way and prompt.scheduled_at < now:
            day = prompt.scheduled_at.astimezone(zone).date()
            taken[day] = taken.get(day, 0) + 1
    return taken


def cancel(
    session: Session,
    by_slot: dict[tuple, Prompt],
    keep: set[tuple],
    after: datetime | None,
    reason: str,
    now: datetime,
    result: PlanResult,
) -> None:
    """Cancel the planned prompts not in `keep` (scheduled from `after` on, if given)."""
    for key, prompt in by_slot.items():
        if prompt.status != PromptStatus.PLANNED or key in keep:
            continue
        if after is not None and prompt.scheduled_at < after:
            continue
        prompt.status = PromptStatus.CANCELLED
        prompt.last_error = reason
        prompt.updated_at = now
        session.add(prompt)
        result.cancelled += 1


@dataclass(frozen=True)
class Fresh:
    """What the plan says a prompt should be now."""

    at: datetime
    practice: Practice
    level: int
    substituted: bool
    expiry: timedelta

    def row(self, client: Client, assignment: Assignment, slot: str) -> dict:
        """A new prompt as a plain row for the bulk insert."""
        return {
            "id": uuid.uuid4(),
            "client_id": client.id,
            "assignment_id": assignment.id,
            "slot": slot,
            "scheduled_at": self.at,
            "expires_at": self.at + self.expiry,
            "practice_id": self.practice.id,
            "level": self.level,
            "substituted": self.substituted,
            "idempotency_key": secrets.token_hex(16),
        }

    def update(self, prompt: Prompt, now: datetime) -> bool:
        """Bring a planned prompt up to date; whether anything changed."""
        fresh = (self.at, self.at + self.expiry, self.practice.id, self.level, self.substituted)
        current = (
            prompt.scheduled_at,
            prompt.expires_at,
            prompt.practice_id,
            prompt.level,
            prompt.substituted,
        )
        if fresh == current:
            return False
        (
            prompt.scheduled_at,
            prompt.expires_at,
            prompt.practice_id,
            prompt.level,
            prompt.substituted,
        ) = fresh
        prompt.updated_at = now
        return True
