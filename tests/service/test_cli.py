"""The hearth command: migrations, user creation and the idempotent demo."""

from sqlmodel import select

from care.db import session_scope
from care.tables import Assignment, Client, User


def test_db_upgrade_is_idempotent(runner):
    first = runner.invoke(args=["db", "upgrade"])
    second = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "revision 0" in second.output


def test_demo_creates_accounts_once_and_prints_logins(app, runner, client):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "therapist@example.org" in first.output and "calm-therapist-demo" in first.output
    assert "already there" in second.output
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        assert len(session.exec(select(User)).all()) == 3
        (sam,) = session.exec(select(Client)).all()
        (assignment,) = session.exec(select(Assignment)).all()
    # The demo client has a practice at 08:30 and 19:00 Berlin time, and a dose that allows both.
    assert assignment.client_id == sam.id and sam.start_level == 3
    assert '"08:30"' in assignment.schedule and '"19:00"' in assignment.schedule
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "therapist@example.org", "password": "calm-therapist-demo"},
    )
    assert token.status_code == 201


def test_users_create_therapist_then_client(app, runner, client):
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "therapist",
            "--email",
            "T@Example.org",
            "--password",
            "therapist-pass-1",
        ]
    )
    assert made.exit_code == 0, made.output
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "client",
            "--email",
            "c@example.org",
            "--therapist",
            "t@example.org",
            "--timezone",
            "Asia/Kolkata",
            "--password",
            "client-pass-12",
        ]
    )
    assert made.exit_code == 0, made.output
    token = client.post(
        "/api/v1/auth/token", json={"email": "c@example.org", "password": "client-pass-12"}
    ).json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).json
    assert me["client"]["timezone"] == "Asia/Kolkata"


def test_users_create_refuses_bad_input_clearly(runner):
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "therapist",
            "--email",
            "x@example.org",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    orphan = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "client",
            "--email",
            "y@example.org",
            "--password",
            "long-enough-1",
        ]
    )
    assert orphan.exit_code != 0 and "--therapist" in orphan.output


def test_the_demo_client_is_prompted_at_the_demo_local_times(app, runner):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from care.tables import Prompt
    from care.types import utcnow
    from practices import default_library
    from scheduler.planner import plan_all
    from service import db

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        # The scheduler's own pass, which reads each client's cached dose.
        factory = lambda: Session(db.engine(), expire_on_commit=False)  # noqa: E731
        plan_all(factory, default_library(), utcnow(), horizon=timedelta(hours=48))
        with session_scope(db.engine()) as session:
            planned = session.exec(select(Prompt).where(Prompt.status == "planned")).all()
    berlin = ZoneInfo("Europe/Berlin")
    local = {p.scheduled_at.astimezone(berlin).strftime("%H:%M") for p in planned}
    assert local == {"08:30", "19:00"}
