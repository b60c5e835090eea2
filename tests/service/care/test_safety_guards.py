"""Safety holds and gates that must survive every other path through the API (R1, R5, R8):
a settings change never lifts a hold, a crisis rating is heard whatever else is wrong with the
request, and a gate closes on assignments already running."""

import uuid
from contextlib import contextmanager

import pytest
from sqlmodel import select

from care.db import session_scope
from care.tables import Alert, CheckIn, Client, DoseAction, PracticeSession
from tests.records import sent_prompt


@contextmanager
def _session(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        yield session


def _assign(client, therapist, patient, practice="self-compassion-break"):
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": practice},
    )
    assert response.status_code == 201, response.json
    return response.json


def _hold_by_checkin(client, patient, distress=9):
    response = client.post(
        "/api/v1/me/checkins", headers=patient.headers, json={"distress": distress}
    )
    assert response.status_code == 201 and response.json["crisis"] is not None


def _dose(client, patient):
    return client.get("/api/v1/me/dose", headers=patient.headers).json


def _urgent_alerts(app):
    with _session(app) as session:
        return len(session.exec(select(Alert).where(Alert.severity == "urgent")).all())


def test_client_creation_records_the_first_settings(app, therapist, patient):
    with _session(app) as session:
        actions = session.exec(select(DoseAction)).all()
    assert [a.kind for a in actions] == ["settings"]


def test_raising_the_crisis_threshold_does_not_lift_a_hold(client, therapist, patient):
    _hold_by_checkin(client, patient, distress=9)
    changed = client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"crisis_threshold": 10, "max_level": 4},
    )
    assert changed.status_code == 200, changed.json
    assert _dose(client, patient)["on_hold"] is True
    dose = client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers)
    assert dose.json["on_hold"] is True


def test_a_hold_stays_even_when_the_record_lost_its_first_settings(app, client, therapist, patient):
    # A record from before the first settings were stored: the replay starts from today's
    # settings, where the old rating is no crisis; the hold must stay until a release.
    _hold_by_checkin(client, patient, distress=9)
    with _session(app) as session:
        for action in session.exec(select(DoseAction)):
            session.delete(action)
    changed = client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"crisis_threshold": 10},
    )
    assert changed.status_code == 200
    check = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 2})
    assert check.status_code == 201
    assert _dose(client, patient)["on_hold"] is True
    released = client.post(
        f"/api/v1/clients/{patient.client_id}/hold/release",
        headers=therapist.headers,
        json={"note": "We spoke; safe to go on."},
    )
    assert released.status_code == 200 and released.json["on_hold"] is False


def test_a_crisis_rating_while_on_hold_is_saved_and_alerts_again(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient)
    _hold_by_checkin(client, patient)
    before = _urgent_alerts(app)
    response = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 10},
    )
    assert response.status_code == 201, response.json
    assert response.json["crisis"]["items"]
    assert _urgent_alerts(app) == before + 1
    with _session(app) as session:
        rows = session.exec(select(PracticeSession)).all()
    assert [r.pre_distress for r in rows] == [10]


def test_a_crisis_rating_for_a_paused_practice_is_heard(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient)
    paused = client.patch(
        f"/api/v1/assignments/{assignment['id']}",
        headers=therapist.headers,
        json={"active": False},
    )
    assert paused.status_code == 200, paused.json
    response = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 9},
    )
    assert response.status_code == 201 and response.json["crisis"] is not None
    assert _dose(client, patient)["on_hold"] is True
    assert _urgent_alerts(app) == 1


def test_a_crisis_rating_for_an_unknown_practice_is_heard(client, therapist, patient):
    response = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"practice_id": "no-such-practice", "pre_distress": 9},
    )
    assert response.status_code == 201 and response.json["crisis"] is not None
    assert _dose(client, patient)["on_hold"] is True


def test_withdrawing_readiness_pauses_fierce_assignments(app, client, therapist, patient):
    url = f"/api/v1/clients/{patient.client_id}"
    assert (
        client.patch(url, headers=therapist.headers, json={"yang_ready": True}).status_code == 200
    )
    fierce = _assign(client, therapist, patient, practice="fierce-break-protect")
    gentle = _assign(client, therapist, patient)
    assert (
        client.patch(url, headers=therapist.headers, json={"yang_ready": False}).status_code == 200
    )
    listed = {
        a["id"]: a["active"]
        for a in client.get(f"{url}/assignments", headers=therapist.headers).json["items"]
    }
    assert listed == {fierce["id"]: False, gentle["id"]: True}
    refused = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": fierce["id"], "pre_distress": 3},
    )
    assert refused.status_code == 409


def test_a_gate_closed_behind_the_assignment_refuses_the_session(app, client, therapist, patient):
    # Even if an assignment stayed active (set by hand, or before this check existed), a
    # session start checks the gate again.
    url = f"/api/v1/clients/{patient.client_id}"
    client.patch(url, headers=therapist.headers, json={"yang_ready": True})
    fierce = _assign(client, therapist, patient, practice="fierce-break-protect")
    with _session(app) as session:
        record = session.get(Client, uuid.UUID(patient.client_id))
        record.yang_ready = False
        session.add(record)
    refused = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": fierce["id"], "pre_distress": 3},
    )
    assert refused.status_code == 409
    assert "paused" in refused.json["detail"]


def test_a_hold_takes_sent_prompts_out_of_the_inbox(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient)
    sent_prompt(app, patient.client_id, assignment["id"])

    def inbox():
        response = client.get("/api/v1/me/prompts", headers=patient.headers)
        assert response.status_code == 200
        return response.json["items"]

    assert len(inbox()) == 1
    _hold_by_checkin(client, patient)
    assert inbox() == []


@pytest.mark.parametrize("which", ["finished", "unknown"])
def test_a_crisis_rating_for_a_closed_session_is_heard(app, client, therapist, patient, which):
    assignment = _assign(client, therapist, patient)
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    ).json
    session_id = started["id"] if which == "finished" else str(uuid.uuid4())
    if which == "finished":
        url = f"/api/v1/me/sessions/{session_id}/finish"
        assert (
            client.post(url, headers=patient.headers, json={"post_distress": 3}).status_code == 200
        )
    response = client.post(
        f"/api/v1/me/sessions/{session_id}/finish",
        headers=patient.headers,
        json={"post_distress": 9, "note": "it got much worse"},
    )
    assert response.status_code == 200, response.json
    assert response.json["crisis"]["items"]
    assert _dose(client, patient)["on_hold"] is True
    assert _urgent_alerts(app) == 1
    with _session(app) as session:
        (heard,) = session.exec(select(CheckIn)).all()
    assert (heard.distress, heard.note) == (9, "it got much worse")


def test_a_calm_rating_for_a_closed_session_is_still_refused(client, therapist, patient):
    response = client.post(
        f"/api/v1/me/sessions/{uuid.uuid4()}/finish",
        headers=patient.headers,
        json={"post_distress": 3},
    )
    assert response.status_code == 404
