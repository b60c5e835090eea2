"""Planning and delivering through the inbox on both databases: the local times, the cap from
the dose, holds, re-plans, expiry, and the client's inbox over the API."""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from care.tables import Client, Prompt
from care.vocab import PromptStatus
from practices import default_library
from scheduler.channels.base import Channels
from scheduler.dispatch.once import dispatch_once
from scheduler.planner import plan_client

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday morning in Berlin, before the 08:30 slot.
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


@contextmanager
def _db(app):
    from service import db

    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


def _assign(client, therapist, patient, times=("08:30", "19:00"), **schedule):
    body = {"practice_id": "self-compassion-break", "schedule": {"times": list(times), **schedule}}
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )
    assert response.status_code == 201, response.json
    return response.json


def _plan(app, patient, now=NOW):
    with _db(app) as session:
        record = session.get(Client, uuid.UUID(patient.client_id))
        result = plan_client(session, default_library(), record, now)
    return result


def _planned(app, patient, now=NOW):
    """Planned prompts in the planning window after `now` (creating an assignment through the
    API also plans around the real clock; those lie elsewhere)."""
    with _db(app) as session:
        return list(
            session.exec(
                select(Prompt)
                .where(
                    Prompt.client_id == uuid.UUID(patient.client_id),
                    Prompt.status == PromptStatus.PLANNED,
                    Prompt.scheduled_at >= now,
                    Prompt.scheduled_at < now + timedelta(hours=36),
                )
                .order_by(Prompt.scheduled_at)
            )
        )


def _local(prompt):
    return prompt.scheduled_at.astimezone(BERLIN).strftime("%a %H:%M")


def test_prompts_land_at_local_times_within_the_dose_cap(app, client, therapist, patient):
    _assign(client, therapist, patient)
    _plan(app, patient)
    planned = _planned(app, patient)
    # Level 1 allows one prompt a day: the first slot of each day in the 36-hour window.
    assert [_local(p) for p in planned] == ["Mon 08:30", "Tue 08:30"]
    client.put(
        f"/api/v1/clients/{patient.client_id}/dose",
        headers=therapist.headers,
        json={"pinned_level": 3},
    )
    _plan(app, patient)
    assert [_local(p) for p in _planned(app, patient)] == ["Mon 08:30", "Mon 19:00", "Tue 08:30"]


def test_planning_twice_changes_nothing(app, client, therapist, patient):
    _assign(client, therapist, patient)
    first = _plan(app, patient)
    second = _plan(app, patient)
    assert first.created >= 1 and second.created == 0 and second.cancelled == 0


def test_a_hold_cancels_planned_prompts_and_plans_none(app, client, therapist, patient):
    _assign(client, therapist, patient)
    _plan(app, patient)
    assert _planned(app, patient)
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    with _db(app) as session:
        left = session.exec(select(Prompt).where(Prompt.status == PromptStatus.PLANNED)).all()
    assert left == []
    result = _plan(app, patient)
    assert result.created == 0 and _planned(app, patient) == []


def test_a_timezone_change_replans(app, client, therapist, patient):
    _assign(client, therapist, patient)
    _plan(app, patient)
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"timezone": "America/New_York"},
    )
    _plan(app, patient)
    new_york = ZoneInfo("America/New_York")
    planned = _planned(app, patient)
    assert planned and all(
        p.scheduled_at.astimezone(new_york).strftime("%H:%M") == "08:30" for p in planned
    )


def test_quiet_hours_are_respected_and_bad_schedules_refused(app, client, therapist, patient):
    body = {"practice_id": "self-compassion-break", "schedule": {"times": ["23:00"]}}
    refused = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "schedule.times"
    bad_rule = {
        "practice_id": "self-compassion-break",
        "schedule": {"rrule": "FREQ=MINUTELY;INTERVAL=5"},
    }
    refused = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=bad_rule
    )
    assert refused.status_code == 422 and "rrule" in refused.json["errors"][0]["field"]


def test_preview_shows_local_times(client, therapist, patient):
    preview = client.post(
        f"/api/v1/clients/{patient.client_id}/schedule/preview",
        headers=therapist.headers,
        json={"schedule": {"times": ["07:45"]}, "days": 3},
    )
    assert preview.status_code == 200
    assert preview.json["timezone"] == "Europe/Berlin"
    assert preview.json["items"] and all(
        i["local_time"].endswith("07:45") for i in preview.json["items"]
    )


def test_inbox_dispatch_open_and_complete(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient)
    _plan(app, patient)
    first = _planned(app, patient)[0]
    due = first.scheduled_at + timedelta(minutes=1)
    from service import db

    with app.app_context():

        def factory():
            return Session(db.engine(), expire_on_commit=False)

        result = dispatch_once(
            factory, default_library(), Channels(base_url="http://h"), "test-worker", now=due
        )
    assert result.claimed == 1 and result.sent == 1
    # The inbox lists prompts that arrived and have not expired (relative to the real clock),
    # so move the prompt's times to now for the API part.
    with _db(app) as session:
        prompt = session.get(Prompt, first.id)
        prompt.scheduled_at, prompt.expires_at = (
            datetime.now(UTC),
            datetime.now(UTC) + timedelta(hours=2),
        )
        session.add(prompt)
    inbox = client.get("/api/v1/me/prompts", headers=patient.headers).json["items"]
    assert [p["id"] for p in inbox] == [str(first.id)]
    opened = client.post(f"/api/v1/me/prompts/{first.id}/opened", headers=patient.headers)
    assert opened.status_code == 200 and opened.json["status"] == PromptStatus.OPENED
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    ).json
    client.post(
        f"/api/v1/me/sessions/{started['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 2},
    )
    listed = client.get(
        f"/api/v1/clients/{patient.client_id}/prompts", headers=therapist.headers
    ).json["items"]
    assert {p["id"]: p["status"] for p in listed}[str(first.id)] == PromptStatus.COMPLETED


def test_unsent_prompts_expire_and_are_never_sent_late(app, client, therapist, patient):
    _assign(client, therapist, patient, expiry_minutes=30)
    _plan(app, patient)
    first = _planned(app, patient)[0]
    from service import db

    with app.app_context():
        result = dispatch_once(
            lambda: Session(db.engine(), expire_on_commit=False),
            default_library(),
            Channels(base_url="http://h"),
            "w",
            now=first.scheduled_at + timedelta(minutes=45),
        )
    assert result.sent == 0 and result.expired >= 1
    with _db(app) as session:
        assert session.get(Prompt, first.id).status == PromptStatus.EXPIRED


def test_another_clients_prompt_is_404(app, client, therapist, patient):
    from tests.conftest import make_person

    other = make_person(app, "client", "other@example.org", therapist=therapist)
    _assign(client, therapist, patient)
    _plan(app, patient)
    first = _planned(app, patient)[0]
    response = client.post(f"/api/v1/me/prompts/{first.id}/opened", headers=other.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("hours", [26])
def test_calendar_feed_lists_upcoming_practices_and_can_be_revoked(
    app, client, therapist, patient, hours
):
    _assign(client, therapist, patient)
    _plan(app, patient, now=datetime.now(UTC))
    url = client.post("/api/v1/me/calendar", headers=patient.headers).json["url"]
    path = url.replace("http://hearth.test", "")
    feed = client.get(path)
    text = feed.get_data(as_text=True)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in text
    assert "SUMMARY:Noticing kindness around you" in text  # level 1: the entry practice
    assert client.delete("/api/v1/me/calendar", headers=patient.headers).status_code == 204
    assert client.get(path).status_code == 404


def test_plan_all_plans_every_client_in_chunks(app, client, therapist, patient):
    from tests.conftest import make_person

    other = make_person(
        app, "client", "kim@example.org", therapist=therapist, timezone="Asia/Tokyo"
    )
    _assign(client, therapist, patient)
    _assign(client, therapist, other, times=("07:00",))
    from scheduler.planner import plan_all
    from service import db

    with app.app_context():
        result = plan_all(
            lambda: Session(db.engine(), expire_on_commit=False), default_library(), NOW, chunk=1
        )
    assert result.clients == 2 and result.created >= 3
    tokyo = ZoneInfo("Asia/Tokyo")
    assert all(
        p.scheduled_at.astimezone(tokyo).strftime("%H:%M") == "07:00" for p in _planned(app, other)
    )


def _backdate(app, patient, when):
    """Move the client's creation and dose settings before the test's fixed clock, in order
    (the test plays out in June; the records were made on the real clock)."""
    from care.tables import DoseAction

    with _db(app) as session:
        record = session.get(Client, uuid.UUID(patient.client_id))
        record.created_at = when
        session.add(record)
        actions = session.exec(
            select(DoseAction)
            .where(DoseAction.client_id == record.id)
            .order_by(DoseAction.at, DoseAction.id)
        ).all()
        for n, action in enumerate(actions):
            action.at = when + timedelta(minutes=n)
            session.add(action)


def test_three_unanswered_prompts_lower_the_frequency_not_the_level(
    app, client, therapist, patient
):
    client.put(
        f"/api/v1/clients/{patient.client_id}/dose",
        headers=therapist.headers,
        json={"pinned_level": 3},
    )
    _assign(client, therapist, patient, expiry_minutes=60)
    _backdate(app, patient, NOW - timedelta(days=7))
    from service import db

    def factory():
        return Session(db.engine(), expire_on_commit=False)

    channels = Channels(base_url="http://h")
    moment = NOW
    with app.app_context():
        for _ in range(3):
            _plan(app, patient, moment)
            nxt = _planned(app, patient, moment)[0]
            dispatch_once(
                factory,
                default_library(),
                channels,
                "w",
                now=nxt.scheduled_at + timedelta(minutes=1),
            )
            moment = nxt.scheduled_at + timedelta(minutes=61)
            dispatch_once(factory, default_library(), channels, "w", now=moment)
    dose = client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers).json
    assert dose["level"] == 3 and dose["prompts_per_day"] == 1
    assert any(r["rule"] == "R9" for r in dose["reasons"])
    alerts = client.get("/api/v1/alerts", headers=therapist.headers).json["items"]
    assert any(a["severity"] == "routine" for a in alerts)
