"""Therapist commands on a client's dose (R5, R10): change the settings (bounds, pin,
thresholds), pause or resume, and release a safety hold. Both faces (the API and the pages)
call these, so each use case is written once.

Every settings change, from whichever form or endpoint, goes through `check`: the whole
resulting settings are validated with the policy's own check (`DoseSettings.validate`) before
anything is saved, so nothing a therapist can save can make a later replay fail.
"""

from collections.abc import Mapping

from sqlmodel import Session

from care import audit
from care.dose import record, repair
from care.dose.events import SETTINGS_FIELDS, settings_values
from care.dose.model import DoseSettings
from care.errors import Conflict, Invalid
from care.tables import Client, DoseAction, User

NULLABLE = frozenset({"pinned_level"})  # null unpins; every other setting needs a value
RELEASE_NOTE_MAX = 2000


def current_values(client: Client) -> dict[str, object]:
    """The client's dose settings as the policy uses them (a stored value that no longer fits
    is read cautiously, care.dose.repair), with their time zone: what a change starts from."""
    settings, _ = repair.settings(settings_values(client))
    return {name: getattr(settings, name) for name in (*SETTINGS_FIELDS, "timezone")}


def proposed(client: Client, changes: Mapping[str, object]) -> DoseSettings:
    """The client's whole dose settings as they would be after these changes."""
    values = current_values(client)
    values.update({k: v for k, v in changes.items() if k in values})
    return DoseSettings(**values)


def check(client: Client, changes: Mapping[str, object]) -> None:
    """Refuse changes that leave the dose settings unusable, naming each field (422). A value
    stored by an older version never blocks a change: changes start from the repaired values."""
    nulls = [k for k, v in changes.items() if v is None and k in SETTINGS_FIELDS]
    nulls = [k for k in nulls if k not in NULLABLE]
    problems = [(k, f"{k} cannot be null; leave it out to keep the current value") for k in nulls]
    if not problems:
        problems = proposed(client, changes).validate()
    if problems:
        raise Invalid("; ".join(message for _, message in problems), problems=problems)


def apply(
    session: Session, actor: User, client: Client, changes: Mapping[str, object], note: str = ""
) -> list[str]:
    """Check and save dose settings; record them for the policy (R10). Returns what changed.
    A stored value that no longer fits is saved as the policy reads it, so the row heals."""
    wanted = {k: v for k, v in changes.items() if k in SETTINGS_FIELDS}
    check(client, wanted)
    target = {k: v for k, v in current_values(client).items() if k in SETTINGS_FIELDS}
    target.update(wanted)
    changed = [k for k, v in target.items() if getattr(client, k) != v]
    for key in changed:
        setattr(client, key, target[key])
    if changed:
        session.add(client)
        record.record_settings(session, client, actor.id, note=note)
    return changed


def change(
    session: Session,
    therapist: User,
    client: Client,
    changes: Mapping[str, object],
    paused: bool | None = None,
):
    """Pin, bound or pause a client's dose; nothing changes when any value is out of line.
    Returns the decision after the change."""
    changed = apply(session, therapist, client, changes)
    if paused is not None and paused != client.dose_paused:
        kind = "pause" if paused else "resume"
        session.add(DoseAction(client_id=client.id, actor_id=therapist.id, kind=kind))
        changed.append("paused")
    audit.record(
        session,
        "dose.update",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=",".join(changed),
    )
    session.flush()
    latest, _, _ = record.decide(session, client)
    return latest


def release_hold(session: Session, therapist: User, client: Client, note: object):
    """Lift a safety hold with a note for the record (R5: only the therapist does this); the
    client restarts low. Refused when there is no hold. Returns the decision after it."""
    record.decide(session, client)
    if not client.on_hold:
        raise Conflict("this client is not on hold, so there is nothing to release")
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        raise Invalid(
            "write a short note for the record: what you agreed with the client", field="note"
        )
    if len(text) > RELEASE_NOTE_MAX:
        raise Invalid(f"keep the note under {RELEASE_NOTE_MAX:,} characters", field="note")
    session.add(DoseAction(client_id=client.id, actor_id=therapist.id, kind="release", note=text))
    audit.record(
        session,
        "hold.release",
        actor_id=therapist.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    session.flush()
    latest, _, _ = record.decide(session, client)
    return latest
