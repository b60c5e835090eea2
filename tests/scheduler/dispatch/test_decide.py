"""The pure decision for a claimed prompt, from plain data: no app, no database."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from care.vocab import PromptStatus
from scheduler.dispatch.decide import OUTSIDE, Claimed, settle, unwanted

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _claimed(**fields) -> Claimed:
    return Claimed(id=uuid.uuid4(), expires_at=NOW + timedelta(hours=1), **fields)


def test_settle_expired_before_anything_else():
    late = Claimed(id=uuid.uuid4(), expires_at=NOW, on_hold=True, email=True)
    assert settle(late, NOW) == (PromptStatus.EXPIRED, "")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"client": False}, "the client no longer exists"),
        ({"on_hold": True}, "the client is on hold"),
        ({"dose_paused": True}, "the therapist paused practice"),
        ({"assignment_live": False}, "the assignment was paused or ended"),
    ],
)
def test_settle_cancels_unwanted_prompts_with_the_reason(fields, reason):
    assert settle(_claimed(email=True, **fields), NOW) == (PromptStatus.CANCELLED, reason)


def test_settle_finishes_inbox_only_prompts_and_hands_on_the_rest():
    assert settle(_claimed(), NOW) == (PromptStatus.SENT, "")
    assert settle(_claimed(email=True), NOW) == (OUTSIDE, "")
    assert settle(_claimed(email=True, done=frozenset({"email:"})), NOW) == (PromptStatus.SENT, "")
    hooks = frozenset({"e1", "e2"})
    assert settle(_claimed(endpoints=hooks), NOW) == (OUTSIDE, "")
    partly = frozenset({"webhook:e1"})
    assert settle(_claimed(endpoints=hooks, done=partly), NOW) == (OUTSIDE, "")
    both = frozenset({"webhook:e1", "webhook:e2"})
    assert settle(_claimed(endpoints=hooks, done=both), NOW) == (PromptStatus.SENT, "")


def test_unwanted_gives_the_first_reason_and_none_for_a_wanted_prompt():
    assert unwanted(client=True, on_hold=False, dose_paused=False, assignment_live=True) is None
    assert unwanted(False, True, True, False) == "the client no longer exists"
    assert unwanted(True, True, True, False) == "the client is on hold"
    assert unwanted(True, False, True, False) == "the therapist paused practice"
    assert unwanted(True, False, False, False) == "the assignment was paused or ended"
