"""A care record holding values that no longer validate (saved by an older version, edited by
hand) must not switch off the dose: every read, the history and the hold release answer, the
repair is explained to the therapist once, and R3, R5 and R12 keep working."""

import json
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlmodel import select

from care.db import session_scope
from care.tables import Alert, CheckIn, Client, DoseAction, PracticeSession
from care.types import utcnow
from tests.reports import practise


@contextmanager
def _session(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        yield session


def _poison(app, patient, therapist, **stored):
    """A settings change as an older version could have saved it, straight into the record."""
    values = {
        "start_level": 3,
        "min_level": 1,
        "max_level": 5,
        "pinned_level": None,
        "window_threshold": 7,
        "crisis_threshold": 9,
    } | stored
    with _session(app) as session:
        client = session.get(Client, uuid.UUID(patient.client_id))
        for key, value in stored.items():
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(client, key, value)
        session.add(client)
        session.add(
            DoseAction(
                client_id=client.id,
                actor_id=uuid.UUID(therapist.id),
                kind="settings",
                settings=json.dumps(values),
                at=utcnow(),
            )
        )


def _get(client, therapist, patient, path=""):
    response = client.get(
        f"/api/v1/clients/{patient.client_id}/dose{path}", headers=therapist.headers
    )
    assert response.status_code == 200, response.json
    return response.json


def _record_alerts(app):
    with _session(app) as session:
        return session.exec(select(Alert).where(Alert.kind == "record")).all()


@pytest.mark.parametrize(
    "stored",
    [
        {"window_threshold": 0},
        {"window_threshold": False},
        {"window_threshold": 9, "crisis_threshold": 9},
        {"crisis_threshold": 0, "window_threshold": 0},
        {"min_level": 4, "max_level": 2},
        {"pinned_level": 7},
        {"start_level": None},
        {"max_level": "five"},
    ],
)
def test_a_bad_stored_setting_is_repaired_explained_and_alerted_once(
    app, client, therapist, patient, stored
):
    _poison(app, patient, therapist, **stored)
    dose = _get(client, therapist, patient)
    assert "R11-record" in [r["rule"] for r in dose["reasons"]], dose
    history = _get(client, therapist, patient, "/history")
    texts = " ".join(r["text"] for item in history["items"] for r in item["reasons"])
    assert "could not be used as it was" in texts
    _get(client, therapist, patient)
    _get(client, therapist, patient, "/history")
    assert len(_record_alerts(app)) == 1  # told once, however often the record is read


def test_a_rough_session_after_a_bad_threshold_still_steps_down_and_alerts(
    app, client, therapist, patient
):
    _poison(app, patient, therapist, window_threshold=0, min_level=3, start_level=3)
    assert _get(client, therapist, patient)["level"] == 3
    practise(client, patient, 2, 3, backdraft=["body"])
    dose = _get(client, therapist, patient)
    assert dose["level"] == 2  # R3, below the lowest level the therapist set
    with _session(app) as session:
        rough = session.exec(select(Alert).where(Alert.kind == "dose")).all()
    assert rough, "R12: a rough session always reaches the therapist"


def test_a_hold_on_a_record_with_bad_settings_can_be_released(app, client, therapist, patient):
    _poison(app, patient, therapist, crisis_threshold=11, window_threshold=12)
    crisis = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 10})
    assert crisis.status_code == 201 and crisis.json["crisis"] is not None
    assert _get(client, therapist, patient)["on_hold"] is True  # R5
    release = client.post(
        f"/api/v1/clients/{patient.client_id}/hold/release",
        headers=therapist.headers,
        json={"note": "We spoke; safe to go on gently."},
    )
    assert release.status_code == 200, release.json
    assert release.json["on_hold"] is False


def test_bad_stored_ratings_and_forms_count_towards_caution(app, client, therapist, patient):
    with _session(app) as session:
        client_id = uuid.UUID(patient.client_id)
        now = utcnow()
        session.add(
            PracticeSession(
                client_id=client_id,
                practice_id="watching-kindness",
                level=1,
                pre_distress=3,
                post_distress=3,
                backdraft="emotions,shivers",
                status="finished",
                started_at=now - timedelta(minutes=5),
                finished_at=now,
            )
        )
        session.add(CheckIn(client_id=client_id, distress=14, at=now + timedelta(seconds=1)))
    dose = _get(client, therapist, patient)
    # 14 is read as 10, at or above the crisis threshold: held rather than dropped (R5).
    assert dose["on_hold"] is True
    texts = " ".join(r["text"] for r in dose["reasons"])
    assert "read as 10" in texts
    history = _get(client, therapist, patient, "/history")
    finish = [i for i in history["items"] if i["event"] == "SessionFinished"]
    assert finish and "R4" in [r["rule"] for r in finish[0]["reasons"]]


def test_two_decisions_at_once_store_each_event_once_and_alert_once(app, therapist, patient):
    """A dose read racing a report for the same client: neither fails, nothing is doubled."""
    import threading

    from care.dose import record as dose
    from care.tables import DoseDecision

    with _session(app) as session:
        client_id = uuid.UUID(patient.client_id)
        now = utcnow()
        session.add(
            PracticeSession(
                client_id=client_id,
                practice_id="watching-kindness",
                level=1,
                pre_distress=3,
                post_distress=8,
                status="finished",
                started_at=now - timedelta(minutes=5),
                finished_at=now,
            )
        )
    barrier, errors = threading.Barrier(2), []

    def decide():
        try:
            with _session(app) as session:
                client = session.get(Client, client_id)
                barrier.wait(timeout=10)
                dose.decide(session, client)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with _session(app) as session:
        ids = session.exec(select(DoseDecision.event_id)).all()
        rough_alerts = session.exec(select(Alert).where(Alert.kind == "dose")).all()
    assert len(ids) == len(set(ids))
    assert len(rough_alerts) == 1  # R12, once


def _urgent(app):
    with _session(app) as session:
        return session.exec(select(Alert).where(Alert.severity == "urgent")).all()


def test_a_crisis_finish_on_a_session_with_a_bad_stored_rating_is_heard(
    app, client, therapist, patient
):
    start = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"practice_id": "watching-kindness", "pre_distress": 3},
    )
    assert start.status_code == 201
    with _session(app) as session:
        row = session.get(PracticeSession, uuid.UUID(start.json["id"]))
        row.pre_distress = 14
        session.add(row)
    finish = client.post(
        f"/api/v1/me/sessions/{start.json['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 10},
    )
    assert finish.status_code == 200, finish.json
    assert finish.json["crisis"] is not None
    assert _get(client, therapist, patient)["on_hold"] is True
    assert len(_urgent(app)) == 1


def test_a_hold_only_the_replay_finds_alerts_the_therapist_urgently_once(
    app, client, therapist, patient
):
    with _session(app) as session:
        session.add(CheckIn(client_id=uuid.UUID(patient.client_id), distress=14, at=utcnow()))
    assert _get(client, therapist, patient)["on_hold"] is True
    _get(client, therapist, patient, "/history")
    _get(client, therapist, patient)
    urgent = _urgent(app)
    assert len(urgent) == 1 and urgent[0].kind == "crisis"
    assert "read as 10" in urgent[0].message


def test_a_threshold_lowered_during_a_practice_makes_its_start_rating_a_crisis(
    app, client, therapist, patient
):
    start = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"practice_id": "watching-kindness", "pre_distress": 6},
    )
    assert start.status_code == 201
    lowered = client.put(
        f"/api/v1/clients/{patient.client_id}/dose",
        headers=therapist.headers,
        json={"crisis_threshold": 5, "window_threshold": 4},
    )
    assert lowered.status_code == 200, lowered.json
    finish = client.post(
        f"/api/v1/me/sessions/{start.json['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 3},
    )
    assert finish.status_code == 200 and finish.json["crisis"] is not None
    assert _get(client, therapist, patient)["on_hold"] is True
    assert len(_urgent(app)) == 1


def test_a_bad_stored_setting_never_blocks_a_safety_save_and_heals(app, client, therapist, patient):
    _poison(app, patient, therapist, window_threshold=0)
    flagged = client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"suicidality": True},
    )
    assert flagged.status_code == 200, flagged.json  # R1 can always be set
    assert flagged.json["window_threshold"] == 1  # saved as the policy reads it
    paused = client.put(
        f"/api/v1/clients/{patient.client_id}/dose",
        headers=therapist.headers,
        json={"paused": True},
    )
    assert paused.status_code == 200 and paused.json["paused"] is True
