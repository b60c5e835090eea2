"""One client's record in the therapist's words: dose decisions with the reasons, sessions,
the chart's table alternative, assignments with their schedules, and the settings form values.
Pure shaping of rows the queries read; nothing here touches the database."""

import json
from zoneinfo import ZoneInfo

from care.tables import Client, DoseDecision, PracticeSession
from care.vocab import BACKDRAFT_WORDS, CLINICAL_FLAGS, SessionStatus
from scheduler.schedule.fields import WEEKDAYS
from service.web.therapist.common import DAY_NAMES, local

FLAG_WORDS = {
    "dissociation": "Dissociation",
    "self_harm": "Self-harm",
    "suicidality": "Suicidality",
    "low_mentalizing": "Low mentalizing",
}

# Decisions whose words need nothing from the stored facts but who acted.
_PLAIN_EVENTS = {
    "session_abandoned": "Practice left unfinished",
    "prompt_missed": "A prompt was not answered in time",
    "prompt_completed": "A prompt was answered",
}
_BY_EVENTS = {
    "settings_changed": "Settings changed by {by}",
    "paused": "Prompts paused by {by}",
    "resumed": "Prompts resumed by {by}",
}


def backdraft_words(forms) -> list[str]:
    """Backdraft forms in the therapist's words (an unknown stored form as it is)."""
    return [BACKDRAFT_WORDS.get(f, f) for f in forms if f]


def _decision_what(facts: dict) -> str:
    kind = facts.get("event", "")
    concern = " and a safety concern" if facts.get("safety_concern") else ""
    by = facts.get("by", "the therapist")
    if kind == "session_finished":
        forms = backdraft_words(facts.get("backdraft", []))
        extra = f"; backdraft: {', '.join(forms)}" if forms else ""
        what = f"Practice finished: {facts.get('pre')} before, {facts.get('post')} after"
        return what + extra + concern
    if kind == "session_started":
        return f"Practice started: {facts.get('pre')} before"
    if kind == "check_in":
        return f"Check-in: {facts.get('distress')}{concern}"
    if kind == "hold_released":
        note = facts.get("note") or ""
        return f"Hold released by {by}" + (f": “{note}”" if note else "")
    if kind in _BY_EVENTS:
        return _BY_EVENTS[kind].format(by=by)
    return _PLAIN_EVENTS.get(kind, kind.replace("_", " ").capitalize())


def decision_row(row: DoseDecision, zone: ZoneInfo) -> dict:
    """One stored dose decision: when, what happened, the dose after it and why."""
    return {
        "when": local(row.at, zone),
        "what": _decision_what(json.loads(row.inputs or "{}")),
        "level": "hold" if row.on_hold else str(row.level),
        "prompts": row.prompts_per_day,
        "changed": row.changed,
        "urgent": row.urgent,
        "reasons": json.loads(row.reasons or "[]"),
    }


_SESSION_STATUS = {SessionStatus.FINISHED: "finished", SessionStatus.ABANDONED: "not finished"}


def session_row(row: PracticeSession, zone: ZoneInfo, titles: dict) -> dict:
    """One practice session: the practice, its level, the ratings and what came up."""
    change = None
    if row.post_distress is not None:
        change = row.post_distress - row.pre_distress
    return {
        "when": local(row.started_at, zone),
        "practice": titles.get(row.practice_id, row.practice_id),
        "substituted": row.substituted,
        "level": row.level,
        "status": _SESSION_STATUS.get(row.status, "in progress"),
        "pre": row.pre_distress,
        "post": row.post_distress,
        "change": "" if change is None else f"{change:+d}",
        "backdraft": backdraft_words(row.backdraft.split(",")),
        "concern": row.safety_concern,
        "note": row.note,
    }


def chart_table(sessions, checkins, zone: ZoneInfo) -> list[dict]:
    """The chart's ratings as table rows, newest first (the chart's text alternative)."""
    table = sorted(
        [("practice", s.started_at, s) for s in sessions]
        + [("check-in", c.at, c) for c in checkins],
        key=lambda item: item[1],
        reverse=True,
    )
    rows = []
    for kind, at, row in table:
        practice = kind == "practice"
        after = row.post_distress if practice and row.post_distress is not None else ""
        rows.append(
            {
                "when": local(at, zone),
                "kind": kind,
                "before": row.pre_distress if practice else "",
                "after": after,
                "checkin": row.distress if not practice else "",
            }
        )
    return rows


def schedule_words(schedule: dict) -> str:
    """A stored schedule in a few words."""
    if schedule.get("rrule"):
        return f"Custom rule: {schedule['rrule']}"
    times = schedule.get("times") or []
    if not times:
        return "No times set yet"
    days = schedule.get("weekdays") or list(WEEKDAYS)
    when = "every day" if len(days) == 7 else ", ".join(DAY_NAMES.get(d, d) for d in days)
    return f"{', '.join(times)} on {when}"


def settings_values(client: Client) -> dict:
    """The client's clinical settings as form values."""
    values = {flag: client.flags()[flag] for flag in CLINICAL_FLAGS}
    for key in ("yang_ready", "start_level", "min_level", "max_level"):
        values[key] = getattr(client, key)
    values["window_threshold"] = client.window_threshold
    values["crisis_threshold"] = client.crisis_threshold
    return values
