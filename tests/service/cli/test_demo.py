"""`hearth demo`: the demo accounts once, their logins printed, and a client the scheduler
prompts at the demo's local times."""

from sqlmodel import select

from care.db import session_scope
from care.tables import Assignment, Client, User


def test_demo_creates_accounts_once_and_prints_logins(app, runner, client):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "therapist@example.org" in first.output and "quiet-lantern-demo" in first.output
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
        json={"email": "therapist@example.org", "password": "quiet-lantern-demo"},
    )
    assert token.status_code == 201


def test_the_demo_client_is_prompted_at_the_demo_local_times(app, runner):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from care.tables import Prompt
    from care.types import utcnow
    from care.vocab import PromptStatus
    from practices import default_library
    from scheduler.planner import plan_all
    from service import db

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        # The scheduler's own pass, which reads each client's cached dose.
        factory = lambda: Session(db.engine(), expire_on_commit=False)  # noqa: E731
        plan_all(factory, default_library(), utcnow(), horizon=timedelta(hours=48))
        with session_scope(db.engine()) as session:
            planned = session.exec(
                select(Prompt).where(Prompt.status == PromptStatus.PLANNED)
            ).all()
    berlin = ZoneInfo("Europe/Berlin")
    local = {p.scheduled_at.astimezone(berlin).strftime("%H:%M") for p in planned}
    assert local == {"08:30", "19:00"}
