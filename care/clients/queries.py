"""What a therapist's pages read about their clients: the dashboard (clients, open alerts,
14-day adherence, recent ratings) and one client's record over a window of days.

Plain data: rows of the record gathered in dataclasses, which the pages shape into words. Every
read is scoped to the therapist's own clients; the caller has already checked the tenancy for
one client (`commands.get_for_therapist`)."""

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, select

from care import audit
from care.clients.lifecycle import on_break
from care.tables import Alert, CheckIn, Client, DoseDecision, PracticeSession, Prompt, User
from care.vocab import ALERT_OPEN, PromptStatus, SessionStatus

ADHERENCE_DAYS = 14
RECENT_RATINGS = 3  # the dashboard's "last ratings" per client
UPCOMING = 5  # planned prompts shown on the client page
HISTORY_SHORT = 25  # dose decisions that changed something or told the therapist
HISTORY_ALL = 500  # every decision, on request


def zone_of(client: Client) -> ZoneInfo:
    """The client's zone (UTC if the stored name is unusable)."""
    try:
        return ZoneInfo(client.timezone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Adherence:
    """Over the last 14 days: sessions finished, prompts sent, local days with a practice."""

    finished: int = 0
    sent: int = 0
    days: int = 0
    break_days: int = 0  # days of a practice break: not days that practice was missed


def break_days(client: Client, now: datetime, days: int = ADHERENCE_DAYS) -> int:
    """How many of the last `days` local days (today included) fell in the client's break."""
    if client.break_start is None:
        return 0
    today = now.astimezone(zone_of(client)).date()
    return sum(on_break(client, today - timedelta(days=n)) for n in range(days))


@dataclass(frozen=True)
class Rating:
    """One recent rating: when, and what it was (around a practice or at a check-in)."""

    at: datetime
    pre: int | None = None
    post: int | None = None
    check_in: int | None = None


@dataclass
class Dashboard:
    """The therapist's clients (by name), their open alerts, adherence and latest ratings."""

    clients: list[Client]
    open_alerts: list[Alert]
    adherence: dict[uuid.UUID, Adherence]
    ratings: dict[uuid.UUID, list[Rating]]
    alert_counts: dict[uuid.UUID, int] = field(default_factory=dict)
    discharged: int = 0  # how many of the therapist's clients are discharged (the filter link)
    alert_clients: list[Client] = field(default_factory=list)  # every client an alert is about


def clients_of(session: Session, therapist: User, *, discharged: bool = False) -> list[Client]:
    """The therapist's clients in practice (or the discharged ones) by name (their names only:
    no access is noted)."""
    statement = select(Client).where(Client.therapist_id == therapist.id)
    statement = statement.where(
        Client.discharged_at.is_not(None) if discharged else Client.discharged_at.is_(None)
    )
    return list(session.exec(statement.order_by(Client.display_name, Client.id)))


def discharged_count(session: Session, therapist: User) -> int:
    """How many of the therapist's clients are discharged (for the dashboard's filter)."""
    statement = select(func.count()).where(
        Client.therapist_id == therapist.id, Client.discharged_at.is_not(None)
    )
    return session.exec(statement).one()


def adherence(session: Session, client_list: list[Client], now: datetime) -> dict:
    """Sessions finished, prompts sent and days practised over the last 14 days, per client."""
    since = now - timedelta(days=ADHERENCE_DAYS)
    ids = [c.id for c in client_list]
    zones = {c.id: zone_of(c) for c in client_list}
    finished = {cid: 0 for cid in ids}
    days: dict[uuid.UUID, set] = {cid: set() for cid in ids}
    sent = {cid: 0 for cid in ids}
    if ids:
        for client_id, finished_at in session.exec(
            select(PracticeSession.client_id, PracticeSession.finished_at).where(
                PracticeSession.client_id.in_(ids),
                PracticeSession.status == SessionStatus.FINISHED,
                PracticeSession.finished_at >= since,
            )
        ):
            finished[client_id] += 1
            days[client_id].add(finished_at.astimezone(zones[client_id]).date())
        for client_id, count in session.exec(
            select(Prompt.client_id, func.count())
            .where(Prompt.client_id.in_(ids), Prompt.sent_at >= since)
            .group_by(Prompt.client_id)
        ):
            sent[client_id] = count
    breaks = {c.id: break_days(c, now) for c in client_list}
    return {cid: Adherence(finished[cid], sent[cid], len(days[cid]), breaks[cid]) for cid in ids}


def recent_ratings(session: Session, client_list: list[Client], now: datetime) -> dict:
    """The latest three ratings of the last 14 days per client, newest first."""
    since = now - timedelta(days=ADHERENCE_DAYS)
    ids = [c.id for c in client_list]
    found: dict[uuid.UUID, list[Rating]] = defaultdict(list)
    if not ids:
        return {}
    for row in session.exec(
        select(PracticeSession).where(
            PracticeSession.client_id.in_(ids), PracticeSession.started_at >= since
        )
    ):
        found[row.client_id].append(Rating(row.started_at, row.pre_distress, row.post_distress))
    for row in session.exec(select(CheckIn).where(CheckIn.client_id.in_(ids), CheckIn.at >= since)):
        found[row.client_id].append(Rating(row.at, check_in=row.distress))
    return {
        cid: sorted(items, key=lambda r: r.at, reverse=True)[:RECENT_RATINGS]
        for cid, items in found.items()
    }


def dashboard(
    session: Session, therapist: User, now: datetime, *, discharged: bool = False
) -> Dashboard:
    """Everything the therapist's dashboard shows, as data: the clients in practice, or the
    discharged ones; every open alert either way."""
    client_list = clients_of(session, therapist, discharged=discharged)
    for client in client_list:
        audit.note_access(client.id)  # the dashboard shows each client's ratings and dose
    open_alerts = list(
        session.exec(
            select(Alert).where(Alert.therapist_id == therapist.id, Alert.status == ALERT_OPEN)
        )
    )
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for alert in open_alerts:
        counts[alert.client_id] += 1
    # Every open alert names its client, whichever view (in practice, discharged) is shown.
    shown = {c.id for c in client_list}
    missing = {a.client_id for a in open_alerts} - shown
    about = list(session.exec(select(Client).where(Client.id.in_(missing)))) if missing else []
    return Dashboard(
        clients=client_list,
        open_alerts=open_alerts,
        adherence=adherence(session, client_list, now),
        ratings=recent_ratings(session, client_list, now),
        alert_counts=dict(counts),
        discharged=discharged_count(session, therapist),
        alert_clients=[*client_list, *about],
    )


@dataclass
class ClientRecord:
    """One client's record over a window: sessions and check-ins (oldest first), stored dose
    decisions (newest first), the latest decision's reasons, when the hold began, the next
    planned prompts, open alerts (newest first) and adherence."""

    start: datetime
    sessions: list[PracticeSession]
    checkins: list[CheckIn]
    decisions: list[DoseDecision]
    latest_reasons: list
    hold_since: datetime | None
    upcoming: list[Prompt]
    open_alerts: list[Alert]
    adherence: Adherence


def _in_window(session: Session, client: Client, start: datetime) -> tuple[list, list]:
    sessions = session.exec(
        select(PracticeSession)
        .where(PracticeSession.client_id == client.id, PracticeSession.started_at >= start)
        .order_by(PracticeSession.started_at)
    )
    checkins = session.exec(
        select(CheckIn)
        .where(CheckIn.client_id == client.id, CheckIn.at >= start)
        .order_by(CheckIn.at)
    )
    return list(sessions), list(checkins)


def _decisions(session: Session, client: Client, every: bool) -> tuple[list, list]:
    """(stored decisions newest first, the latest decision's reasons). By default only those
    that changed something or told the therapist; every decision (most say "no change" and
    why) when asked."""
    newest_first = (DoseDecision.at.desc(), DoseDecision.id.desc())
    statement = select(DoseDecision).where(DoseDecision.client_id == client.id)
    newest = session.exec(statement.order_by(*newest_first)).first()
    if not every:
        statement = statement.where(
            or_(DoseDecision.changed, DoseDecision.notify, DoseDecision.urgent)
        )
    limit = HISTORY_ALL if every else HISTORY_SHORT
    stored = list(session.exec(statement.order_by(*newest_first).limit(limit)))
    return stored, json.loads(newest.reasons) if newest else []


def _hold_since(session: Session, client: Client) -> datetime | None:
    if not client.on_hold:
        return None
    row = session.exec(
        select(DoseDecision)
        .where(DoseDecision.client_id == client.id, DoseDecision.urgent.is_(True))
        .order_by(DoseDecision.at.desc())
    ).first()
    return row.at if row else None


def client_record(
    session: Session, client: Client, now: datetime, days: int, every_decision: bool = False
) -> ClientRecord:
    """What the therapist's page of one client shows over the last `days`, as data."""
    start = now - timedelta(days=days)
    sessions, checkins = _in_window(session, client, start)
    decisions, latest_reasons = _decisions(session, client, every_decision)
    upcoming = session.exec(
        select(Prompt)
        .where(
            Prompt.client_id == client.id,
            Prompt.status == PromptStatus.PLANNED,
            Prompt.scheduled_at >= now,
        )
        .order_by(Prompt.scheduled_at)
        .limit(UPCOMING)
    ).all()
    open_alerts = session.exec(
        select(Alert)
        .where(Alert.client_id == client.id, Alert.status == ALERT_OPEN)
        .order_by(Alert.created_at.desc())
    ).all()
    return ClientRecord(
        start=start,
        sessions=sessions,
        checkins=checkins,
        decisions=decisions,
        latest_reasons=latest_reasons,
        hold_since=_hold_since(session, client),
        upcoming=list(upcoming),
        open_alerts=list(open_alerts),
        adherence=adherence(session, [client], now)[client.id],
    )
