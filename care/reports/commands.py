"""Clients' reports: check-ins and practice sessions, saved before any decision is made.

Order matters here, so this module commits: the report (and, on a crisis, the hold and the
urgent alert) is committed first; the dose decision follows in its own transaction. If the
decision fails, the report is still safe and the next decision replays it (care.dose.decide
stores every decision not yet stored)."""

import logging
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

from sqlmodel import Session

from care.assignments import commands as assignments
from care.assignments import gates, variants
from care.delivery import prompts
from care.dose import events, repair
from care.dose import record as dose
from care.dose.rules import rough_signs
from care.errors import Conflict, Invalid, NotFound
from care.reports import replies, signals
from care.safety import alerts
from care.tables import Assignment, CheckIn, Client, PracticeSession
from care.types import utcnow
from care.vocab import ROUTINE, URGENT, SessionStatus
from practices import Library, Practice

log = logging.getLogger("hearth.reports")
ON_HOLD = (
    "practices are paused for now and your therapist has been told; you can still send a "
    "check-in, and the crisis resources are always available"
)


@dataclass(frozen=True)
class Started:
    """A started practice: what the dose chose, the prelude before it (if the therapist asked
    for one and it is imagery), and the warmth note before a client's very first practice."""

    row: PracticeSession
    practice: Practice | None
    level: int
    substituted: bool
    note: str
    decision: object
    crisis: bool
    prelude: Practice | None = None
    warmth_note: str | None = None


@dataclass(frozen=True)
class Finished:
    """A finished practice: the row (None when a crisis was heard for a session that could
    not take it), the reply, the decision, and whether crisis resources belong in the answer."""

    row: PracticeSession | None
    reply: replies.Reply
    decision: object
    crisis: bool


def is_crisis(client: Client, *ratings: int | None, concern: bool = False) -> bool:
    """A rating at or above the crisis threshold, or a safety concern (R5)."""
    threshold = events.settings_of(client).crisis_threshold  # the policy's own number
    return concern or any(r is not None and r >= threshold for r in ratings)


def _reported(distress: int, where: str, concern: bool) -> str:
    """What the client reported, the safety concern first: it is what the therapist must read
    before any number (a low rating beside "I might harm myself" is no comfort)."""
    if concern:
        return (
            f"that they might harm themselves or do not feel safe (with distress {distress}/10 "
            f"{where})"
        )
    return f"distress {distress}/10 {where}"


def _hold_now(session: Session, client: Client, what: str) -> None:
    # Safety does not wait for the policy: hold and alert in the same transaction as the report.
    client.on_hold = True
    client.dose_level = 0
    client.dose_prompts = 0
    session.add(client)
    prompts.cancel_planned(session, client.id, reason="safety hold")
    prompts.withdraw_open(session, client.id, reason="safety hold")
    alerts.raise_alert(
        session,
        client,
        severity=URGENT,
        kind="crisis",
        message=f"{client.display_name} reported {what}. Practice prompts are on "
        "hold until you release them; crisis resources were shown at once.",
    )


def decide_and_alert(session: Session, client: Client):
    """The decision after a saved report (care.dose.record alerts the therapist for each one
    they must hear of); a failure never loses the report and still tells the therapist."""
    try:
        latest, _, decisions = dose.decide(session, client)
        session.commit()
        return latest, decisions
    except Exception:
        session.rollback()
        log.exception("dose decision failed; the report is saved", extra={"client": str(client.id)})
        _alert_undecided(session, client)
        return None, []


def _alert_undecided(session: Session, client: Client) -> None:
    # Fail towards the therapist knowing: the report is saved, but the dose could not follow it.
    try:
        alerts.raise_alert(
            session,
            client,
            severity=ROUTINE,
            kind="dose",
            message=f"{client.display_name} sent a report, but the dose could not be worked "
            "out from it. Please look at their record; the report itself is saved.",
        )
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not alert about a failed decision", extra={"client": str(client.id)})


def check_in(session: Session, client: Client, data):
    """Save a check-in, then decide. Returns (row, reply, decision, crisis)."""
    row = CheckIn(
        client_id=client.id,
        distress=data.distress,
        note=data.note,
        safety_concern=data.safety_concern,
    )
    session.add(row)
    crisis = is_crisis(client, data.distress, concern=data.safety_concern)
    if crisis:
        _hold_now(session, client, _reported(data.distress, "in a check-in", data.safety_concern))
    session.commit()
    decision, _ = decide_and_alert(session, client)
    return row, replies.after_checkin(crisis), decision, crisis


def hear_crisis(session: Session, client: Client, raw: object):
    """A report that cannot be saved as sent but carries crisis signs is heard as a check-in
    (R5): saved, held, alerted. Returns (row, reply, decision) or None when there are no signs."""
    signal = signals.crisis_signal(raw, events.settings_of(client).crisis_threshold)
    if signal is None:
        return None
    heard = SimpleNamespace(
        distress=signal.distress,
        note=f"Sent with a report that could not be read in full: {signal.why}.",
        safety_concern=signal.safety_concern,
    )
    row, reply, decision, _ = check_in(session, client, heard)
    return row, reply, decision


def _target(session: Session, library: Library, client: Client, data) -> Assignment | None:
    if data.assignment_id is not None:
        assignment = session.get(Assignment, data.assignment_id)
        if assignment is None or assignment.client_id != client.id or assignment.deleted_at:
            raise NotFound("no assignment with this id among yours")
        if not assignment.active:
            raise Conflict("this practice is paused by your therapist for now")
        return assignment
    for assignment in assignments.for_client(session, client.id, include_paused=False):
        if assignment.practice_id == data.practice_id:
            return assignment
    if data.practice_id in library and gates.entry_problem(library.get(data.practice_id)) is None:
        # Entry practices (the grounding landing of a rough-session reply among them) are
        # always open to the client, assigned or not.
        return None
    raise NotFound("this practice is not among the ones your therapist has shared with you")


def _target_if_any(session: Session, library: Library, client: Client, data):
    try:
        return _target(session, library, client, data)
    except (NotFound, Conflict):
        return None


def preview(session: Session, library: Library, client: Client, planned: list[Assignment]):
    """What starting each of these assignments now would play, as {assignment id: (practice,
    level, substituted)}, and the warmth note when it would be the client's first practice.
    Reads only: a page view never writes. A record that cannot be replayed previews the
    gentlest choice (the first entry practice, the note shown); the next report alerts."""
    try:
        decisions = dose.replayed(session, client)
    except Exception:
        log.exception("dose replay failed for a preview", extra={"client": str(client.id)})
        decisions = []
    now = {a.id: variants.variant_now(library, client, a, decisions) for a in planned}
    return now, replies.first_practice_note(variants.has_practised(decisions))


def _prelude(library: Library, assignment: Assignment | None, practice: Practice, substituted):
    # The safe-person prelude goes before imagery when the therapist asked for it (000:279, 289),
    # never before an entry practice standing in.
    if assignment is None or not assignment.prelude or substituted or not practice.imagery:
        return None
    return next((p for p in library.all() if p.prelude), None)


def prelude_for(session: Session, library: Library, row: PracticeSession) -> Practice | None:
    """The prelude to play before this started session's practice, if any."""
    assignment = session.get(Assignment, row.assignment_id) if row.assignment_id else None
    if row.practice_id not in library:
        return None
    return _prelude(library, assignment, library.get(row.practice_id), row.substituted)


def start_session(session: Session, library: Library, client: Client, data):
    """Record the rating before and choose what to practise now from the current dose."""
    dose.close_abandoned(session, client)
    entry = variants.entry_practice(library, client)
    if is_crisis(client, data.pre_distress):
        # A crisis rating is heard whatever else is wrong with the request (on hold already,
        # a paused or unknown practice): it is saved, holds, alerts and shows the resources.
        assignment = _target_if_any(session, library, client, data)
        row = PracticeSession(
            client_id=client.id,
            practice_id=entry.id,
            level=0,
            pre_distress=data.pre_distress,
            status=SessionStatus.ABANDONED,
            finished_at=utcnow(),
            assignment_id=assignment.id if assignment else None,
        )
        session.add(row)
        _hold_now(session, client, f"distress {data.pre_distress}/10 before a practice")
        session.commit()
        decision, _ = decide_and_alert(session, client)
        return Started(row, None, 0, False, "", decision, True)
    if client.on_hold:
        raise Conflict(ON_HOLD)
    assignment = _target(session, library, client, data)
    if assignment is not None:
        practice = library.get(assignment.practice_id)
        if gates.gate_problem(practice, client):
            # Flags or readiness changed since it was assigned (R1, R8): not now.
            raise Conflict("this practice is paused by your therapist for now")
    # Bring the dose up to date before choosing. The start itself is decided with the next
    # report (decide stores every event not yet decided), which saves a full replay here.
    decision, decisions = decide_and_alert(session, client)
    if client.on_hold:
        # A crisis report from another device may have landed a moment ago.
        raise Conflict(ON_HOLD)
    level = client.dose_level
    prelude = None
    if assignment is None:
        practice, substituted, note = library.get(data.practice_id), False, ""
        chosen = max([n for n in practice.levels if n <= max(level, 1)] or [practice.levels[0]])
    else:
        practice, chosen, substituted = variants.variant_now(library, client, assignment, decisions)
        note = assignment.note
        prelude = _prelude(library, assignment, practice, substituted)
    row = PracticeSession(
        client_id=client.id,
        practice_id=practice.id,
        level=chosen,
        substituted=substituted,
        pre_distress=data.pre_distress,
        assignment_id=assignment.id if assignment else None,
    )
    session.add(row)
    session.commit()
    warmth = replies.first_practice_note(variants.has_practised(decisions))
    return Started(row, practice, chosen, substituted, note, decision, False, prelude, warmth)


def _unfinishable(row: PracticeSession | None, client: Client) -> Exception | None:
    """Why this session cannot be finished by this client, or None."""
    if row is None or row.client_id != client.id:
        return NotFound("no practice session with this id among yours")
    if row.status == SessionStatus.FINISHED:
        return Conflict("this practice session was already finished; start a new one")
    if row.status == SessionStatus.ABANDONED:
        return Conflict(
            "this practice session was closed because it stayed open too long; "
            "start a new one whenever you like"
        )
    return None


def finish_session(session: Session, client: Client, session_id: uuid.UUID, data):
    """Record the rating after and backdraft; then decide, and reply: kindly, with the safe
    landing after a rough session, and with the hold's words if a hold was set meanwhile."""
    row = session.get(PracticeSession, session_id)
    problem = _unfinishable(row, client)
    if problem is not None:
        if data.post_distress is not None and is_crisis(
            client, data.post_distress, concern=data.safety_concern
        ):
            # The session cannot take the rating any more, but a crisis is heard all the same
            # (R5): saved as a check-in, held, alerted, and answered with the resources.
            heard = SimpleNamespace(
                distress=data.post_distress, note=data.note, safety_concern=data.safety_concern
            )
            _, reply, decision, _ = check_in(session, client, heard)
            return Finished(None, reply, decision, True)
        raise problem
    if data.post_distress is None:
        raise Invalid("post_distress is required", field="post_distress")
    row.status = SessionStatus.FINISHED
    row.finished_at = utcnow()
    row.post_distress = data.post_distress
    row.backdraft = ",".join(sorted(set(data.backdraft)))
    row.note = data.note
    row.safety_concern = data.safety_concern
    session.add(row)
    # The same reading of the session as the policy's (a stored rating is repaired, and the
    # rating before counts too: a threshold lowered since the start makes it a crisis now).
    finished, _ = repair.finished(
        row.finished_at, row.pre_distress, data.post_distress, row.backdraft, data.safety_concern
    )
    crisis = is_crisis(client, finished.pre, finished.post, concern=data.safety_concern)
    if crisis:
        _hold_now(
            session,
            client,
            _reported(data.post_distress, "after a practice", data.safety_concern),
        )
    rough = bool(rough_signs(events.settings_of(client), finished))
    prompts.mark_completed(
        session, client.id, row.practice_id, row.finished_at, assignment_id=row.assignment_id
    )
    level_before = client.dose_level
    session.commit()
    decision, _ = decide_and_alert(session, client)
    reply = replies.after_session(
        rough,
        crisis,
        sorted(set(data.backdraft)),
        on_hold=client.on_hold,
        level_before=level_before,
        level_after=decision.level if decision is not None else None,
    )
    # A hold set on another device meanwhile is answered as a hold: resources in this answer.
    return Finished(row, reply, decision, crisis or client.on_hold)
