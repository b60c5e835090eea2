"""One batch of due prompts, claimed and settled in one transaction.

Claim: FOR UPDATE OF prompts SKIP LOCKED on PostgreSQL (several dispatchers at once; the rows
stay locked until the batch commits), a guarded conditional UPDATE per row on SQLite (where
FOR UPDATE compiles to nothing: run one dispatcher there). Then `settle`, a plain function,
decides each prompt (scheduler.dispatch.decide): expired, cancelled (re-checked at send time:
hold, pause, assignment), sent (the inbox is its only channel: the prompt row is the inbox, so
'sent' with its sent_at is the delivery), or outside (an email or webhook is still owed: it
leaves the batch as 'sending' under this worker's lease, for `scheduler.dispatch.deliver`).
One UPDATE per outcome, then commit; a crash before the commit rolls the whole batch back."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Integer, any_, bindparam, func, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select, Update
from sqlmodel import Session

from care.tables import Assignment, Client, DeliveryLog, Prompt, User, WebhookEndpoint
from care.types import UTCDateTime, utcnow
from care.vocab import PromptStatus
from scheduler.dispatch.decide import OUTSIDE, Claimed, settle

LEASE = timedelta(minutes=2)
PROMPTS = Prompt.__table__
CLIENTS = Client.__table__
ASSIGNMENTS = Assignment.__table__
USERS = User.__table__
ENDPOINTS = WebhookEndpoint.__table__
LOG = DeliveryLog.__table__
NONE: frozenset[str] = frozenset()


def _due():
    """Due now (`:now`): planned, in its window, and not waiting for a retry."""
    now = bindparam("now", type_=UTCDateTime())
    return (
        PROMPTS.c.status == PromptStatus.PLANNED,
        PROMPTS.c.scheduled_at <= now,
        PROMPTS.c.expires_at > now,
        PROMPTS.c.next_attempt_at.is_(None) | (PROMPTS.c.next_attempt_at <= now),
    )


def _among(column, postgresql: bool, name: str = "ids"):
    # PostgreSQL: one array parameter, so the statement text (and psycopg's prepared
    # statement) is the same for every batch; SQLite: an expanding IN.
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


@dataclass(frozen=True)
class _Statements:
    """The batch's statements, built once per dialect and channel set: building them for
    every batch cost about 1 ms of Python a batch (measured), a third of a batch's time."""

    due_ids: Select
    claim_one: Update
    batch: Select
    done: Select
    endpoints: Select
    finish: dict[str, Update]


@lru_cache(maxsize=8)
def _statements(postgresql: bool, with_email: bool) -> _Statements:
    p, c, a = PROMPTS.c, CLIENTS.c, ASSIGNMENTS.c
    columns = [p.id, p.expires_at, p.attempts, c.id, c.on_hold, c.dose_paused, c.therapist_id]
    columns += [a.active, a.deleted_at]
    joined = PROMPTS.outerjoin(CLIENTS, c.id == p.client_id)
    joined = joined.outerjoin(ASSIGNMENTS, a.id == p.assignment_id)
    if with_email:
        # Email only to a login its person has taken up (a password chosen): before that, the
        # address may be one the therapist gave that another account has (care/clients/logins).
        columns += [c.email_prompts, USERS.c.active & USERS.c.password_hash.is_not(None)]
        joined = joined.outerjoin(USERS, USERS.c.id == c.user_id)
    batch = core_select(*columns).select_from(joined)
    size = bindparam("size", type_=Integer())
    if postgresql:
        # Claimed and read in one statement; the rows stay locked until the batch commits.
        batch = batch.where(*_due()).order_by(p.scheduled_at).limit(size)
        batch = batch.with_for_update(of=PROMPTS, skip_locked=True)
    else:
        batch = batch.where(_among(p.id, False))
    when = bindparam("now", type_=UTCDateTime())
    claimed = {
        "status": PromptStatus.SENDING,
        "claimed_by": bindparam("worker"),
        "lease_until": bindparam("lease", type_=UTCDateTime()),
        "updated_at": when,
        "attempts": p.attempts + 1,
    }
    # SQLite claimed each row already (attempts counted); PostgreSQL only locked them.
    finished = {"claimed_by": "", "lease_until": None, "updated_at": when}
    if postgresql:
        finished["attempts"] = p.attempts + 1
    finish = {
        PromptStatus.SENT: {
            **finished,
            "status": PromptStatus.SENT,
            "sent_at": func.coalesce(p.sent_at, when),
        },
        OUTSIDE: claimed,
        "other": {**finished, "status": bindparam("outcome"), "last_error": bindparam("reason")},
    }
    finish = {
        outcome: update(PROMPTS).where(_among(p.id, postgresql)).values(**values)
        for outcome, values in finish.items()
    }
    return _Statements(
        due_ids=core_select(p.id).where(*_due()).order_by(p.scheduled_at).limit(size),
        claim_one=update(PROMPTS)
        .where(p.id == bindparam("prompt"), p.status == PromptStatus.PLANNED)
        .values(**claimed),
        batch=batch,
        done=core_select(LOG.c.prompt_id, LOG.c.channel, LOG.c.endpoint_id).where(
            _among(LOG.c.prompt_id, postgresql), LOG.c.outcome == "ok"
        ),
        endpoints=core_select(ENDPOINTS.c.id, ENDPOINTS.c.therapist_id).where(
            _among(ENDPOINTS.c.therapist_id, postgresql),
            ENDPOINTS.c.active.is_(True),
            ENDPOINTS.c.failing.is_(False),
        ),
        finish=finish,
    )


def claim(
    session: Session,
    worker: str,
    *,
    limit: int = 50,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> list[uuid.UUID]:
    """Claim up to `limit` due prompts as 'sending' for this worker; returns their ids
    (committed). dispatch_once claims in batches itself; this is for one-off claims."""
    now = now or utcnow()
    postgresql = session.get_bind().dialect.name == "postgresql"
    sql = _statements(postgresql, False)
    params = {"now": now, "size": limit, "worker": worker, "lease": now + lease}
    if postgresql:
        due = sql.due_ids.with_for_update(skip_locked=True)
        ids = list(session.execute(due, params).scalars())
        if ids:
            session.execute(sql.finish[OUTSIDE], {**params, "ids": ids})
    else:
        ids = _claim_each(session, sql, params)
    session.commit()
    return ids


def _claim_each(executor, sql: _Statements, params: dict) -> list[uuid.UUID]:
    # SQLite: the guarded update succeeds for exactly one claimant.
    claimed = []
    for prompt_id in list(executor.execute(sql.due_ids, params).scalars()):
        if executor.execute(sql.claim_one, {**params, "prompt": prompt_id}).rowcount == 1:
            claimed.append(prompt_id)
    return claimed


@dataclass
class Batch:
    """What one batch did: how many were claimed, settled how, and which owe outside
    channels (still 'sending' under this worker's lease, for `deliver`)."""

    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    outside: list[uuid.UUID] = field(default_factory=list)


def settle_batch(
    conn: Connection,
    *,
    with_email: bool,
    with_webhooks: bool,
    worker: str,
    size: int,
    now: datetime,
    lease: timedelta,
) -> Batch:
    """Claim and settle one batch in one transaction."""
    postgresql = conn.dialect.name == "postgresql"
    sql = _statements(postgresql, with_email)
    params = {"now": now, "size": size, "worker": worker, "lease": now + lease}
    if postgresql:
        rows = conn.execute(sql.batch, params).all()
    else:
        ids = _claim_each(conn, sql, params)
        rows = conn.execute(sql.batch, {"ids": ids}).all() if ids else []
    if not rows:
        conn.commit()
        return Batch()
    # Only a prompt tried before can have channels done already (a retry, or a reclaim);
    # on SQLite the claim has counted this attempt already.
    tried = [row[0] for row in rows if row[2] > (0 if postgresql else 1)]
    done: dict[uuid.UUID, frozenset[str]] = {}
    if tried:
        for prompt_id, channel, endpoint_id in conn.execute(sql.done, {"ids": tried}):
            done[prompt_id] = done.get(prompt_id, NONE) | {f"{channel}:{endpoint_id or ''}"}
    endpoints: dict[uuid.UUID, frozenset[str]] = {}
    if with_webhooks:
        therapists = list({row[6] for row in rows if row[6] is not None})
        for endpoint_id, therapist_id in conn.execute(sql.endpoints, {"ids": therapists}):
            endpoints[therapist_id] = endpoints.get(therapist_id, NONE) | {str(endpoint_id)}
    groups: dict[tuple[str, str], list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        prompt = Claimed(
            id=row[0],
            expires_at=row[1],
            client=row[3] is not None,
            on_hold=bool(row[4]),
            dose_paused=bool(row[5]),
            assignment_live=bool(row[7]) and row[8] is None,
            email=with_email and bool(row[9]) and bool(row[10]),
            endpoints=endpoints.get(row[6], NONE),
            done=done.get(row[0], NONE),
        )
        outcome, reason = settle(prompt, now)
        groups[outcome, reason].append(prompt.id)
    batch = Batch(claimed=len(rows))
    for (outcome, reason), group in groups.items():
        batch.counts[outcome] = batch.counts.get(outcome, 0) + len(group)
        if outcome == OUTSIDE:
            batch.outside.extend(group)
            if not postgresql:
                continue  # SQLite: already 'sending' with our lease
        values = {**params, "ids": group, "outcome": outcome, "reason": reason}
        conn.execute(sql.finish.get(outcome, sql.finish["other"]), values)
    conn.commit()
    return batch
