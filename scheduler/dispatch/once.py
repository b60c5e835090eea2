"""One dispatch call: housekeeping once, then claim and settle batches until one comes back
short or `max_prompts` were claimed, delivering the prompts that owe outside channels after
each batch commits."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from care.types import utcnow
from care.vocab import PromptStatus
from practices import Library
from scheduler.channels.base import Channels
from scheduler.dispatch.batch import LEASE, settle_batch
from scheduler.dispatch.deliver import LOST, RETRY, deliver
from scheduler.dispatch.housekeeping import housekeeping

log = logging.getLogger("hearth.dispatch")
MAX_PROMPTS = 5000  # per dispatch_once call, so one call stays bounded in time
# deliver's verdicts and the DispatchResult field each one counts in
COUNTERS = {
    PromptStatus.SENT: "sent",
    RETRY: "retried",
    PromptStatus.CANCELLED: "cancelled",
    PromptStatus.EXPIRED: "expired",
    PromptStatus.FAILED: "failed",
    LOST: "lost",
}


@dataclass
class DispatchResult:
    """What one dispatch call did (`lost`: final writes refused because another worker had
    reclaimed the prompt after our lease ran out)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    cancelled: int = 0
    expired: int = 0
    failed: int = 0
    lost: int = 0


def dispatch_once(
    session_factory,
    library: Library,
    channels: Channels,
    worker: str,
    *,
    limit: int = 50,
    max_prompts: int = MAX_PROMPTS,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> DispatchResult:
    """Housekeeping once, then claim and settle batches of `limit` until a batch comes back
    short or `max_prompts` were claimed. `now` fixes the clock (tests); otherwise each batch
    and each outside delivery reads it afresh."""
    fixed = now
    result = DispatchResult()
    with session_factory() as session:
        result.expired = housekeeping(session, fixed or utcnow())
        engine = session.get_bind()
    # One connection for every batch: the batches are Core statements, and a pooled checkout
    # per batch would cost a ping each.
    with engine.connect() as conn:
        while result.claimed < max_prompts:
            size = min(limit, max_prompts - result.claimed)
            batch = settle_batch(
                conn,
                with_email=channels.email is not None,
                with_webhooks=channels.webhook is not None,
                worker=worker,
                size=size,
                now=fixed or utcnow(),
                lease=lease,
            )
            result.claimed += batch.claimed
            result.sent += batch.counts.get(PromptStatus.SENT, 0)
            result.expired += batch.counts.get(PromptStatus.EXPIRED, 0)
            result.cancelled += batch.counts.get(PromptStatus.CANCELLED, 0)
            for prompt_id in batch.outside:
                _deliver_counted(
                    session_factory, library, prompt_id, channels, worker, fixed, result
                )
            if batch.claimed < size:
                break
    return result


def _deliver_counted(
    session_factory,
    library: Library,
    prompt_id: uuid.UUID,
    channels: Channels,
    worker: str,
    fixed: datetime | None,
    result: DispatchResult,
) -> None:
    """`deliver` in a session of its own, its verdict counted in `result`."""
    with session_factory() as session:
        try:
            verdict = deliver(session, library, prompt_id, channels, worker, fixed or utcnow())
        except Exception:
            session.rollback()
            log.exception("delivery failed", extra={"prompt": str(prompt_id)})
            verdict = PromptStatus.FAILED
    counter = COUNTERS.get(verdict)
    if counter:
        setattr(result, counter, getattr(result, counter) + 1)
