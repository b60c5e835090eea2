"""A client's care record read as dose events: every therapist action, practice session,
check-in and answered or expired prompt, in time order, each with a stable id and the notes of
any repair its stored values needed (care.dose.repair). Reading never fails on stored data."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from care.dose import repair
from care.dose.model import (
    DoseSettings,
    Event,
    HoldReleased,
    Paused,
    PromptCompleted,
    PromptMissed,
    Resumed,
    SettingsChanged,
)
from care.tables import CheckIn, Client, DoseAction, PracticeSession, Prompt, User
from care.vocab import PromptStatus, SessionStatus

# The dose settings a therapist sets on a client (R10); with the client's time zone they are
# what the policy works with.
SETTINGS_FIELDS = (
    "start_level",
    "min_level",
    "max_level",
    "pinned_level",
    "window_threshold",
    "crisis_threshold",
)


@dataclass(frozen=True)
class Item:
    """One event of the record, its id for the stored decision, and any repair notes."""

    event_id: str
    event: Event
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """The record as the policy folds it: first settings, start time and the events."""

    initial: DoseSettings
    initial_notes: tuple[str, ...]
    started_at: datetime
    items: list[Item]

    @property
    def events(self) -> list[Event]:
        """The events alone, in order."""
        return [item.event for item in self.items]


def settings_values(client: Client) -> dict[str, object]:
    """The client's dose settings as stored on their row, with their time zone."""
    values: dict[str, object] = {name: getattr(client, name) for name in SETTINGS_FIELDS}
    values["timezone"] = client.timezone
    return values


def settings_of(client: Client) -> DoseSettings:
    """The client's dose settings as the policy sees them (repaired if a value is unusable)."""
    return repair.settings(settings_values(client))[0]


def snapshot(client: Client) -> str:
    """The dose-relevant settings as JSON, for a DoseAction."""
    return json.dumps({name: getattr(client, name) for name in SETTINGS_FIELDS})


def settings_from(client: Client, raw: str) -> tuple[DoseSettings, list[str]]:
    """Settings from a stored snapshot (the client's time zone beside them), repaired."""
    values = settings_values(client)
    try:
        stored = json.loads(raw)
    except (TypeError, ValueError):
        stored = None
    if not isinstance(stored, dict):
        settings, _ = repair.settings(values)
        return settings, ["the saved dose settings could not be read; the current ones were used"]
    values.update({k: v for k, v in stored.items() if k in SETTINGS_FIELDS})
    return repair.settings(values)


def gather(session: Session, client: Client, now: datetime | None = None) -> Record:
    """The client's record as dose events, oldest first (ties: actions, reports, prompts)."""
    actions = list(
        session.exec(
            select(DoseAction)
            .where(DoseAction.client_id == client.id)
            .order_by(DoseAction.at, DoseAction.id)
        )
    )
    initial, initial_notes = repair.settings(settings_values(client))
    if actions and actions[0].kind == "settings":
        initial, initial_notes = settings_from(client, actions[0].settings)
        actions = actions[1:]
    rows: list[tuple[datetime, int, Item]] = []
    rows += _action_items(session, client, actions)
    rows += _session_items(session, client)
    rows += _checkin_items(session, client)
    rows += _prompt_items(session, client)
    rows.sort(key=lambda row: (row[0], row[1], row[2].event_id))
    return Record(initial, tuple(initial_notes), client.created_at, [item for *_, item in rows])


def _action_items(
    session: Session, client: Client, actions: list[DoseAction]
) -> Iterable[tuple[datetime, int, Item]]:
    ids = {a.actor_id for a in actions}
    names = (
        {u.id: (u.name or u.email) for u in session.exec(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    for action in actions:
        by = names.get(action.actor_id, "the therapist")
        notes: list[str] = []
        if action.kind == "settings":
            settings, notes = settings_from(client, action.settings)
            event: Event = SettingsChanged(action.at, settings, by)
        elif action.kind == "release":
            event = HoldReleased(action.at, by, action.note)
        elif action.kind == "pause":
            event = Paused(action.at, by)
        elif action.kind == "resume":
            event = Resumed(action.at, by)
        else:
            continue  # not a dose action this version knows; it changes nothing
        yield action.at, 0, Item(f"action:{action.id}", event, tuple(notes))


def _session_items(session: Session, client: Client) -> Iterable[tuple[datetime, int, Item]]:
    statement = select(PracticeSession).where(PracticeSession.client_id == client.id)
    for row in session.exec(statement):
        event, notes = repair.started(row.started_at, row.pre_distress)
        yield row.started_at, 1, Item(f"session:{row.id}:start", event, tuple(notes))
        ended = row.finished_at or row.started_at
        if row.status == SessionStatus.FINISHED:
            event, notes = repair.finished(
                ended, row.pre_distress, row.post_distress, row.backdraft, row.safety_concern
            )
            yield ended, 2, Item(f"session:{row.id}:finish", event, tuple(notes))
        elif row.status == SessionStatus.ABANDONED:
            event, notes = repair.abandoned(ended)
            yield ended, 2, Item(f"session:{row.id}:abandon", event, tuple(notes))


def _checkin_items(session: Session, client: Client) -> Iterable[tuple[datetime, int, Item]]:
    for row in session.exec(select(CheckIn).where(CheckIn.client_id == client.id)):
        event, notes = repair.check_in(row.at, row.distress, row.safety_concern)
        yield row.at, 1, Item(f"checkin:{row.id}", event, tuple(notes))


def _prompt_items(session: Session, client: Client) -> Iterable[tuple[datetime, int, Item]]:
    statement = select(Prompt).where(
        Prompt.client_id == client.id,
        Prompt.sent_at.is_not(None),
        Prompt.status.in_((PromptStatus.EXPIRED, PromptStatus.COMPLETED)),
    )
    for row in session.exec(statement):
        # A prompt that expired unanswered is a miss (R9); an answered one resets the count.
        if row.status == PromptStatus.EXPIRED:
            missed = PromptMissed(row.expires_at)
            yield row.expires_at, 3, Item(f"prompt:{row.id}:missed", missed)
        elif row.completed_at is not None:
            done = PromptCompleted(row.completed_at)
            yield row.completed_at, 3, Item(f"prompt:{row.id}:completed", done)
