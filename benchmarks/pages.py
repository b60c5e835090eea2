"""Web page benchmark: the client, therapist and admin pages against a bare Flask endpoint.

Run: .venv/bin/python benchmarks/pages.py [--repeat 20]

A temporary SQLite instance gets the `hearth demo` accounts; each key page is fetched through
Flask's test client (signed in with the session cookie, as a browser would be) and the median
of --repeat GETs is compared with the median of a bare endpoint on the same app in the same
run (one route that returns "ok": the floor of Flask, the session and our request hooks).
Two rounds: the demo data as `hearth demo` creates it, then the same with a month of home
practice added by `seed_activity` (which scripts/screenshots.py also uses); the client's
practice pages (rating, player) need an assignment, so they are timed in the second round.
Results go in docs/benchmarks.md by hand.
"""

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_app(directory: Path, base_url: str = "http://127.0.0.1:5000"):
    """An app on a fresh, migrated SQLite file in `directory`, with the demo accounts."""
    from care import migrate
    from care.db import session_scope
    from service import db
    from service.app import create_app
    from service.cli.demo import ensure_demo
    from service.settings import load

    env = {
        "HEARTH_INSTANCE_DIR": str(directory / "instance"),
        "DATABASE_URL": f"sqlite:///{directory / 'hearth.db'}",
        "HEARTH_SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
        "HEARTH_LOG_LEVEL": "WARNING",
        "HEARTH_BASE_URL": base_url,
    }
    app = create_app(load(env))
    with app.app_context():
        migrate.upgrade(db.engine())
        with session_scope(db.engine()) as session:
            ensure_demo(session)
    return app


def _local(zone, days_ago: int, hour: int, minute: int, now: datetime) -> datetime:
    day = (now.astimezone(zone) - timedelta(days=days_ago)).date()
    wall = datetime(day.year, day.month, day.day, hour, tzinfo=zone) + timedelta(minutes=minute)
    return wall.astimezone(UTC)


def _practise(session, library, client, assignment, at, pre, post, backdraft=()):
    """One finished session at the level the dose policy gives at that moment."""
    from care.assignments import variants
    from care.dose import events
    from care.dose import fold as dosing
    from care.tables import PracticeSession
    from care.vocab import SessionStatus

    record = events.gather(session, client, at)
    decisions = dosing.replay(record.initial, record.events, record.started_at)
    client.dose_level = decisions[-1].level if decisions else client.start_level
    practice, level, substituted = variants.variant_now(library, client, assignment, decisions)
    minutes = practice.variant(level).minutes
    session.add(
        PracticeSession(
            client_id=client.id,
            assignment_id=assignment.id,
            practice_id=practice.id,
            level=level,
            substituted=substituted,
            status=SessionStatus.FINISHED,
            started_at=at,
            finished_at=at + timedelta(minutes=minutes + 1),
            pre_distress=pre,
            post_distress=post,
            backdraft=",".join(sorted(backdraft)),
        )
    )
    session.flush()


def _prompt(session, client, assignment, at, answered: bool, practice_id: str, level: int):
    import uuid

    from care.tables import Prompt
    from care.vocab import PromptStatus

    session.add(
        Prompt(
            client_id=client.id,
            assignment_id=assignment.id,
            slot=at.isoformat(),
            scheduled_at=at,
            expires_at=at + timedelta(hours=3),
            practice_id=practice_id,
            level=level,
            status=PromptStatus.COMPLETED if answered else PromptStatus.EXPIRED,
            idempotency_key=uuid.uuid4().hex,
            sent_at=at,
            completed_at=at + timedelta(minutes=10) if answered else None,
        )
    )


def _backdate_alerts(session, client) -> None:
    """Date each routine alert at the decision behind it (the seed decides all at once)."""
    from sqlmodel import select

    from care.tables import Alert, DoseDecision

    for alert in session.exec(
        select(Alert).where(Alert.client_id == client.id, Alert.decision_id.is_not(None))
    ):
        alert.created_at = session.get(DoseDecision, alert.decision_id).at
        session.add(alert)


def seed_activity(app, now: datetime | None = None) -> bool:
    """A month of home practice for the demo client Sam, and a second client, Noor, who has
    just reported a crisis rating (an urgent alert and a hold). Idempotent: returns False when
    the activity is already there."""
    from sqlmodel import select

    from care.accounts import users as accounts
    from care.assignments import commands as assignments
    from care.clients import commands as clients
    from care.db import session_scope
    from care.dose import events
    from care.reports import commands as reports
    from care.schemas import ClientCreate
    from care.schemas.practice import AssignmentCreate, CheckInCreate, ScheduleIn
    from care.tables import Assignment, CheckIn, DoseAction, PracticeSession
    from scheduler.planner import plan_client
    from service import db
    from service.library import library

    now = now or datetime.now(UTC)
    rng = random.Random(20)
    with app.app_context(), session_scope(db.engine()) as session:
        lib = library()
        therapist = accounts.find_by_email(session, "therapist@example.org")
        sam = clients.for_user(session, accounts.find_by_email(session, "client@example.org"))
        if session.exec(select(PracticeSession).where(PracticeSession.client_id == sam.id)).first():
            return False
        zone = sam.timezone
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(zone)
        sam.created_at = now - timedelta(days=32)
        sam.max_level = 4
        # The first dose settings belong to the (backdated) creation, with the new bound.
        for action in session.exec(select(DoseAction).where(DoseAction.client_id == sam.id)):
            action.at, action.settings = sam.created_at, events.snapshot(sam)
            session.add(action)
        # `hearth demo` made this assignment; the month of practice below begins with it.
        first = session.exec(
            select(Assignment).where(
                Assignment.client_id == sam.id, Assignment.practice_id == "self-compassion-break"
            )
        ).first() or assignments.create(
            session,
            lib,
            therapist,
            sam,
            AssignmentCreate(
                practice_id="self-compassion-break",
                start_level=1,
                max_level=4,
                note="The short break we tried together on Tuesday.",
                schedule=ScheduleIn(times=["08:30", "19:00"]),
            ),
        )
        first.created_at = now - timedelta(days=31)
        second = assignments.create(
            session,
            lib,
            therapist,
            sam,
            AssignmentCreate(
                practice_id="recalling-care-given",
                start_level=1,
                max_level=2,
                schedule=ScheduleIn(times=["13:00"], weekdays=["SA", "SU"]),
            ),
        )
        second.created_at = now - timedelta(days=24)
        session.flush()
        for days_ago in range(30, 0, -1):
            morning = _local(tz, days_ago, 8, 30 + rng.randint(0, 40), now)
            practised = rng.random() < 0.7
            if days_ago == 17:  # one rough session: a step down, and the therapist is told
                _practise(session, lib, sam, first, morning, 5, 7, {"emotions"})
            elif practised:
                pre = rng.randint(3, 6)
                _practise(session, lib, sam, first, morning, pre, max(1, pre - rng.randint(1, 2)))
            if days_ago <= 14:
                _prompt(session, sam, first, morning, practised, "watching-kindness", 1)
            if days_ago % 3 == 0:
                at = _local(tz, days_ago, 21, 5, now)
                session.add(CheckIn(client_id=sam.id, at=at, distress=rng.randint(2, 6)))
        session.flush()
        reports.decide_and_alert(session, sam)
        _backdate_alerts(session, sam)
        plan_client(session, lib, sam, now)

        noor, _ = clients.create_client(
            session,
            therapist,
            ClientCreate(display_name="Noor Haddad", timezone="America/Toronto"),
        )
        noor.created_at = now - timedelta(days=12)
        grief = assignments.create(
            session,
            lib,
            therapist,
            noor,
            AssignmentCreate(practice_id="soothing-touch", schedule=ScheduleIn(times=["09:00"])),
        )
        grief.created_at = now - timedelta(days=11)
        toronto = ZoneInfo(noor.timezone)
        for days_ago, pre, post in ((10, 4, 3), (8, 5, 4), (6, 4, 4), (3, 6, 5)):
            _practise(session, lib, noor, grief, _local(toronto, days_ago, 9, 15, now), pre, post)
        session.flush()
        reports.decide_and_alert(session, noor)
        _backdate_alerts(session, noor)
        session.commit()
        reports.check_in(session, noor, CheckInCreate(distress=9, note=""))
    return True


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def signed_in(app, email: str, password: str):
    """A test client with a web session for this user."""
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def median_ms(client, path: str, repeat: int) -> float:
    """Median wall time of `repeat` GETs (after three warm-ups), in milliseconds."""
    for _ in range(3):
        assert client.get(path).status_code in (200, 201), path
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def started_practice(app, client) -> str | None:
    """The player of a practice the signed-in client has just started (rating 4), if any."""
    from care.accounts import users as accounts
    from care.assignments import commands as assignments
    from care.clients import commands as clients
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        sam = clients.for_user(session, accounts.find_by_email(session, "client@example.org"))
        mine = assignments.for_client(session, sam.id, include_paused=False)
        if not mine:
            return None
        assignment_id = str(mine[0].id)
    form = client.get(f"/practice/{assignment_id}").get_data(as_text=True)
    response = client.post(
        "/practice/start",
        data={"csrf_token": _csrf(form), "assignment_id": assignment_id, "pre_distress": 4},
    )
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def pages(app, client) -> list[tuple[str, str, str]]:
    """(label, role, path) of the key pages; `client` is the demo client's web session."""
    from care.accounts import users as accounts
    from care.clients import commands as clients
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        sam = clients.for_user(session, accounts.find_by_email(session, "client@example.org"))
        sam_id = sam.id
    player = started_practice(app, client)
    practice = []
    if player:
        home = client.get("/").get_data(as_text=True)
        rate = re.search(r'href="(/practice/[0-9a-f-]{36})"', home)
        practice = [("client: rating before", "client", rate[1])] if rate else []
        practice.append(("client: player", "client", player))
    return [
        ("therapist dashboard", "therapist", "/"),
        ("client page (30 days)", "therapist", f"/clients/{sam_id}"),
        ("client page (90 days)", "therapist", f"/clients/{sam_id}?days=90"),
        ("assignment form", "therapist", f"/clients/{sam_id}/assignments/new"),
        ("catalogue", "therapist", "/catalogue"),
        ("practice preview", "therapist", "/catalogue/giving-and-receiving?level=5"),
        ("own practice", "therapist", "/own-practice"),
        ("crisis resources", "therapist", "/crisis-resources"),
        ("admin: therapists", "admin", "/"),
        ("client: home", "client", "/"),
        *practice,
        ("client: history", "client", "/history"),
        ("client: settings", "client", "/settings"),
        ("client: help", "client", "/help"),
    ]


def run(app, repeat: int, title: str) -> float:
    """Print one table: each page's median and its ratio to the bare endpoint; returns the
    slowest page's median."""
    from service.cli.demo import DEMO_PASSWORDS

    sessions = {role: signed_in(app, *DEMO_PASSWORDS[role]) for role in DEMO_PASSWORDS}
    bare = median_ms(sessions["therapist"], "/__bench/bare", repeat)
    print(f"\n{title}\n")
    print("| page | median | x bare |")
    print("|---|---|---|")
    print(f"| bare Flask endpoint (signed in) | {bare:.2f} ms | 1.0x |")
    slowest = 0.0
    for label, role, path in pages(app, sessions["client"]):
        ms = median_ms(sessions[role], path, repeat)
        slowest = max(slowest, ms)
        print(f"| {label} | {ms:.2f} ms | {ms / bare:.1f}x |")
    return slowest


def machine() -> str:
    """One line about where this ran."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite"


def main() -> None:
    """Build the instance, time the pages on the plain demo data, then with activity."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as scratch:
        app = make_app(Path(scratch))
        app.add_url_rule("/__bench/bare", "bench_bare", lambda: "ok")
        print(f"machine: {machine()}")
        slowest = run(app, args.repeat, f"`hearth demo` data, median of {args.repeat} GETs")
        seed_activity(app)
        slowest = max(
            slowest,
            run(
                app,
                args.repeat,
                f"demo data with a month of activity, median of {args.repeat} GETs",
            ),
        )
        app.extensions["hearth.engine"].dispose()
    verdict = "every page under 100 ms" if slowest < 100 else "NOT every page under 100 ms"
    print(f"\nslowest page: {slowest:.1f} ms: {verdict}")


if __name__ == "__main__":
    main()
