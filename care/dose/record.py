"""The dose in the care record: events gathered from the database, folded by the pure policy
(care.dosing), and every decision stored with its reasons (R11)."""

import dataclasses
import json
import logging
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlmodel import Session, select

from care.dose import fold as dosing
from care.tables import (
    Alert,
    CheckIn,
    Client,
    DoseAction,
    DoseDecision,
    PracticeSession,
    Prompt,
    User,
)
from care.types import utcnow

log = logging.getLogger("hearth.dose")
ABANDON_AFTER = timedelta(hours=6)
DOSE_FIELDS = (
    "start_level",
    "min_level",
    "max_level",
    "pinned_level",
    "window_threshold",
    "crisis_threshold",
)


def settings_of(client: Client) -> dosing.DoseSettings:
    """The client's dose settings as the policy sees them."""
    return dosing.DoseSettings(
        start_level=client.start_level,
        min_level=client.min_level,
        max_level=client.max_level,
        pinned_level=client.pinned_level,
        window_threshold=client.window_threshold,
        crisis_threshold=client.crisis_threshold,
        timezone=client.timezone,
    )


def snapshot(client: Client) -> str:
    """The dose-relevant settings as JSON, for a DoseAction."""
    return json.dumps({name: getattr(client, name) for name in DOSE_FIELDS})


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


def _settings_from(client: Client, raw: str) -> dosing.DoseSettings:
    values = json.loads(raw)
    base = asdict(settings_of(client))
    base.update({k: v for k, v in values.items() if k in DOSE_FIELDS})
    return dosing.DoseSettings(**base)


def gather(session: Session, client: Client, now: datetime | None = None):
    """(initial settings, start time, [(event_id, event)]) from the care record, in order."""
    now = now or utcnow()
    actions = list(
        session.exec(
            select(DoseAction)
            .where(DoseAction.client_id == client.id)
            .order_by(DoseAction.at, DoseAction.id)
        )
    )
    initial = settings_of(client)
    if actions and actions[0].kind == "settings":
        initial = _settings_from(client, actions[0].settings)
        actions = actions[1:]
    events: list[tuple[datetime, int, str, dosing.Event]] = []
    names = (
        {
            u.id: (u.name or u.email)
            for u in session.exec(select(User).where(User.id.in_({a.actor_id for a in actions})))
        }
        if actions
        else {}
    )
    for action in actions:
        by = names.get(action.actor_id, "the therapist")
        event = {
            "settings": lambda a=action, b=by: dosing.SettingsChanged(
                a.at, _settings_from(client, a.settings), b
            ),
            "release": lambda a=action, b=by: dosing.HoldReleased(a.at, b, a.note),
            "pause": lambda a=action, b=by: dosing.Paused(a.at, b),
            "resume": lambda a=action, b=by: dosing.Resumed(a.at, b),
        }[action.kind]()
        events.append((action.at, 0, f"action:{action.id}", event))
    for row in session.exec(select(PracticeSession).where(PracticeSession.client_id == client.id)):
        events.append(
            (
                row.started_at,
                1,
                f"session:{row.id}:start",
                dosing.SessionStarted(row.started_at, row.pre_distress),
            )
        )
        if row.status == "finished":
            events.append(
                (
                    row.finished_at,
                    2,
                    f"session:{row.id}:finish",
                    dosing.SessionFinished(
                        row.finished_at,
                        row.pre_distress,
                        row.post_distress,
                        frozenset(f for f in row.backdraft.split(",") if f),
                        row.safety_concern,
                    ),
                )
            )
        elif row.status == "abandoned":
            events.append(
                (
                    row.finished_at,
                    2,
                    f"session:{row.id}:abandon",
                    dosing.SessionAbandoned(row.finished_at),
                )
            )
    for row in session.exec(select(CheckIn).where(CheckIn.client_id == client.id)):
        events.append(
            (
                row.at,
                1,
                f"checkin:{row.id}",
                dosing.CheckIn(row.at, row.distress, row.safety_concern),
            )
        )
    for row in session.exec(
        select(Prompt).where(
            Prompt.client_id == client.id,
            Prompt.sent_at.is_not(None),
            Prompt.status.in_(("expired", "completed")),
        )
    ):
        # A prompt that expired unanswered is a miss (R9); an answered one resets the count.
        if row.status == "expired":
            events.append(
                (row.expires_at, 3, f"prompt:{row.id}:missed", dosing.PromptMissed(row.expires_at))
            )
        elif row.completed_at is not None:
            events.append(
                (
                    row.completed_at,
                    3,
                    f"prompt:{row.id}:completed",
                    dosing.PromptCompleted(row.completed_at),
                )
            )
    events.sort(key=lambda item: (item[0], item[1], item[2]))
    return initial, client.created_at, [(event_id, event) for _, _, event_id, event in events]


def close_abandoned(session: Session, client: Client, now: datetime | None = None) -> int:
    """Close sessions started long ago and never finished; they do not count as tolerable."""
    now = now or utcnow()
    stale = session.exec(
        select(PracticeSession).where(
            PracticeSession.client_id == client.id,
            PracticeSession.status == "started",
            PracticeSession.started_at < now - ABANDON_AFTER,
        )
    ).all()
    for row in stale:
        row.status = "abandoned"
        row.finished_at = row.started_at + ABANDON_AFTER
        session.add(row)
    return len(stale)


def decide(session: Session, client: Client, now: datetime | None = None):
    """Replay the client's events, store any decision not yet stored, refresh the cached dose.

    Returns (latest decision, newly stored DoseDecision rows paired with their policy decision).
    """
    initial, started_at, events = gather(session, client, now)
    decisions = dosing.replay(initial, [e for _, e in events], started_at)
    latest = decisions[-1] if decisions else dosing.start(initial, started_at)[1]
    if client.on_hold and not latest.on_hold:
        held_at = _hold_began(session, client)
        if not any(isinstance(e, dosing.HoldReleased) and e.at >= held_at for _, e in events):
            # Defence in depth for R5: only a therapist's release ends a hold. If a replay ever
            # comes out without it (a record edited by hand, settings recorded late), the hold
            # stays, in the cached dose and in every decision stored from its start on.
            log.warning(
                "replay lifted a hold without a release; hold kept",
                extra={"client": str(client.id)},
            )
            decisions = [_held(d) if d.at >= held_at else d for d in decisions]
            latest = _held(latest)
    stored = set(
        session.exec(select(DoseDecision.event_id).where(DoseDecision.client_id == client.id))
    )
    fresh = []
    # replay sorts stably by time; the gathered list is already in that order.
    for (event_id, event), decision in zip(events, decisions, strict=True):
        if event_id in stored:
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
            event=type(event).__name__,
            event_id=event_id,
            reasons=json.dumps([{"rule": r.rule, "text": r.text} for r in decision.reasons]),
            inputs=json.dumps(decision.inputs, default=str),
        )
        session.add(row)
        fresh.append((row, decision))
    client.dose_level = latest.level
    client.dose_prompts = latest.prompts_per_day
    client.on_hold = latest.on_hold
    client.dose_paused = latest.paused
    client.dose_updated_at = utcnow()
    session.add(client)
    session.flush()
    return latest, fresh, decisions


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
    from care.paging import paginate

    return paginate(
        session,
        select(DoseDecision).where(DoseDecision.client_id == client.id),
        [DoseDecision.id],
        limit=limit,
        cursor=cursor,
        parse=lambda v: [_int(v[0])],
    )


def _int(value: str) -> int:
    from care.errors import Invalid

    try:
        return int(value)
    except ValueError:
        raise Invalid("cursor is damaged; start again without a cursor", field="cursor") from None
