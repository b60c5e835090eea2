"""The dose in the care record: the record read as events (care.dose.events), folded by the pure
policy (care.dose.fold), and every decision stored with its reasons (R11).

Replaying never fails on stored data: a value that no longer validates was repaired when it was
read, the repair is written into that event's stored decision in plain words, and the therapist
is alerted once (with the decision it belongs to)."""

import dataclasses
import json
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from care.dose import fold as dosing
from care.dose.events import Item, Record, gather, snapshot
from care.errors import Invalid
from care.paging import paginate
from care.safety import alerts
from care.tables import Alert, Client, DoseAction, DoseDecision, PracticeSession
from care.types import utcnow
from care.vocab import ROUTINE, URGENT, SessionStatus

log = logging.getLogger("hearth.dose")
ABANDON_AFTER = timedelta(hours=6)
REPAIR_RULE = "R11-record"


def record_settings(
    session: Session, client: Client, actor_id: uuid.UUID, note: str = ""
) -> DoseAction:
    """Record the client's dose settings as they are now (at creation and after each change)."""
    action = DoseAction(
        client_id=client.id,
        actor_id=actor_id,
        kind="settings",
        settings=snapshot(client),
        note=note,
    )
    session.add(action)
    return action


def close_abandoned(session: Session, client: Client, now: datetime | None = None) -> int:
    """Close sessions started long ago and never finished; they do not count as tolerable."""
    now = now or utcnow()
    stale = session.exec(
        select(PracticeSession).where(
            PracticeSession.client_id == client.id,
            PracticeSession.status == SessionStatus.STARTED,
            PracticeSession.started_at < now - ABANDON_AFTER,
        )
    ).all()
    for row in stale:
        row.status = SessionStatus.ABANDONED
        row.finished_at = row.started_at + ABANDON_AFTER
        session.add(row)
    return len(stale)


def replayed(session: Session, client: Client, now: datetime | None = None):
    """Every decision in order, replayed from the record without storing anything or taking
    the client's lock: for pages that only show what the dose means now."""
    record = gather(session, client, now)
    return dosing.replay(record.initial, record.events, record.started_at)


def decide(session: Session, client: Client, now: datetime | None = None):
    """Replay the client's events, store any decision not yet stored, refresh the cached dose.

    Returns (latest decision, newly stored DoseDecision rows paired with their policy decision,
    every decision in order).
    """
    # One decider per client at a time on PostgreSQL (SQLite writes one at a time anyway): a
    # dose read racing a settings change would otherwise wait on each other's rows.
    session.exec(select(Client.id).where(Client.id == client.id).with_for_update()).first()
    record = gather(session, client, now)
    stored = set(
        session.exec(select(DoseDecision.event_id).where(DoseDecision.client_id == client.id))
    )
    replayed = dosing.replay(record.initial, record.events, record.started_at)
    decisions, unheard = _noted(record, replayed, stored)
    latest = decisions[-1] if decisions else dosing.start(record.initial, record.started_at)[1]
    if client.on_hold and not latest.on_hold:
        held_at = _hold_began(session, client)
        released = any(
            isinstance(e, dosing.HoldReleased) and e.at >= held_at for e in record.events
        )
        if not released:
            # Defence in depth for R5: only a therapist's release ends a hold. If a replay ever
            # comes out without it (a record edited by hand, settings recorded late), the hold
            # stays, in the cached dose and in every decision stored from its start on.
            log.warning(
                "replay lifted a hold without a release; hold kept",
                extra={"client": str(client.id)},
            )
            decisions = [_held(d) if d.at >= held_at else d for d in decisions]
            latest = _held(latest)
    fresh = _store(session, client, record.items, decisions, stored)
    client.dose_level = latest.level
    client.dose_prompts = latest.prompts_per_day
    client.on_hold = latest.on_hold
    client.dose_paused = latest.paused
    client.dose_updated_at = utcnow()
    session.add(client)
    session.flush()
    _alert_fresh(session, client, fresh)
    _alert_unheard(session, client, unheard)
    return latest, fresh, decisions


def _repair_text(notes) -> str:
    return (
        "Part of the saved record could not be used as it was: "
        + "; ".join(notes)
        + ". The dose was worked out with these values; please check the settings."
    )


def _noted(record: Record, decisions: list[dosing.Decision], stored: set[str]):
    """Each decision with the repairs its event needed, as a reason the therapist reads; the
    first settings' repairs go with the very first decision. Returns the decisions and the
    repair texts no new decision carries (their decisions were stored before), which are
    alerted once by their text."""
    out, unheard = [], []
    initial = record.initial_notes
    for index, (item, decision) in enumerate(zip(record.items, decisions, strict=True)):
        notes = item.notes
        if initial and index == 0 and item.event_id not in stored:
            notes, initial = notes + initial, ()
        if notes and item.event_id in stored:
            unheard.append(_repair_text(notes))
        elif notes:
            reasons = (*decision.reasons, dosing.Reason(REPAIR_RULE, _repair_text(notes)))
            decision = dataclasses.replace(decision, reasons=reasons, notify_therapist=True)
        out.append(decision)
    if initial:
        unheard.append(_repair_text(initial))
    return out, unheard


def _alert_unheard(session: Session, client: Client, texts: list[str]) -> None:
    """A repair found in a decision stored earlier (a rule stricter since) is alerted once."""
    for text in texts:
        message = f"{client.display_name}: {text}"
        statement = select(Alert.id).where(
            Alert.client_id == client.id,
            Alert.kind.in_(("record", "crisis")),
            Alert.message.contains(text, autoescape=True),
        )
        if session.exec(statement.limit(1)).first() is None:
            alerts.raise_alert(session, client, severity=ROUTINE, kind="record", message=message)


def _store(
    session: Session, client: Client, items: list[Item], decisions, stored: set[str]
) -> list:
    """Store the decisions whose events have none yet; return them with their rows.

    Two requests may decide for the same client at once (a report and a dose read): each
    decision is inserted only if no other request stored it first, so neither fails, and
    only the one that stored it alerts for it."""
    fresh = []
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # replay sorts stably by time; the gathered items are already in that order.
    for item, decision in zip(items, decisions, strict=True):
        if item.event_id in stored:
            continue
        row = DoseDecision(
            client_id=client.id,
            at=decision.at,
            level=decision.level,
            prompts_per_day=decision.prompts_per_day,
            on_hold=decision.on_hold,
            paused=decision.paused,
            changed=decision.changed,
            notify=decision.notify_therapist,
            urgent=decision.urgent,
            event=type(item.event).__name__,
            event_id=item.event_id,
            reasons=json.dumps([{"rule": r.rule, "text": r.text} for r in decision.reasons]),
            inputs=json.dumps(decision.inputs, default=str),
        )
        values = row.model_dump(exclude={"id"})
        statement = (
            insert(DoseDecision)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["client_id", "event_id"])
            .returning(DoseDecision.id)
        )
        row.id = session.execute(statement).scalar()
        if row.id is not None:
            fresh.append((row, decision))
    return fresh


def _alert_fresh(session: Session, client: Client, fresh) -> None:
    """One alert for each newly stored decision the therapist must hear of: routine for a
    rough session (R12), missed prompts (R9) or a record that needed repair; urgent for a hold
    (R5) that no report alerted already (a crisis only the replay found: a repaired rating, a
    threshold lowered since). Raised here, where every decision is stored, so no path that
    stores a decision can leave the therapist untold."""
    for row, decision in fresh:
        if not decision.notify_therapist:
            continue
        message = f"{client.display_name}: " + " ".join(r.text for r in decision.reasons)
        if decision.urgent:
            if not _crisis_alerted_since(session, client, decision.at):
                alerts.raise_alert(
                    session,
                    client,
                    severity=URGENT,
                    kind="crisis",
                    message=message,
                    decision_id=row.id,
                )
            continue
        repaired = REPAIR_RULE in decision.rules
        alerts.raise_alert(
            session,
            client,
            severity=ROUTINE,
            kind="record" if repaired else "dose",
            message=message,
            decision_id=row.id,
        )


def _crisis_alerted_since(session: Session, client: Client, at: datetime) -> bool:
    statement = select(Alert.id).where(
        Alert.client_id == client.id, Alert.kind == "crisis", Alert.created_at >= at
    )
    return session.exec(statement.limit(1)).first() is not None


def _hold_began(session: Session, client: Client) -> datetime:
    """When the current hold began: the latest stored decision that held, or the latest urgent
    crisis alert (the hold set with the report itself), whichever is later."""
    held = session.exec(
        select(DoseDecision.at)
        .where(DoseDecision.client_id == client.id, DoseDecision.on_hold.is_(True))
        .order_by(DoseDecision.at.desc())
        .limit(1)
    ).first()
    alerted = session.exec(
        select(Alert.created_at)
        .where(Alert.client_id == client.id, Alert.kind == "crisis")
        .order_by(Alert.created_at.desc())
        .limit(1)
    ).first()
    return max((t for t in (held, alerted) if t is not None), default=client.created_at)


def _held(decision):
    held = dataclasses.replace(decision, on_hold=True, level=0, prompts_per_day=0)
    rule = dosing.Reason("R5", "Still on hold: only the therapist's release ends a hold.")
    return dataclasses.replace(held, reasons=(*decision.reasons, rule))


def step_ups_since(decisions, since: datetime) -> int:
    """How many times the level rose after `since` (a new assignment rises only with these)."""
    count, previous = 0, None
    for decision in decisions:
        if (
            previous is not None
            and decision.at >= since
            and decision.level > previous
            and previous > 0
        ):
            count += 1
        previous = decision.level
    return count


def history(session: Session, client: Client, *, limit: int, cursor: str | None):
    """Stored decisions, newest last, one page at a time."""
    return paginate(
        session,
        select(DoseDecision).where(DoseDecision.client_id == client.id),
        [DoseDecision.id],
        limit=limit,
        cursor=cursor,
        parse=lambda v: [_int(v[0])],
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Invalid("cursor is damaged; start again without a cursor", field="cursor") from None
