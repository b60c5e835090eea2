"""A client's crisis is heard whatever else is wrong with what they send (R5): a report the API
cannot save as sent (a rating out of range, text for a number, a typo in another field) that
carries a safety concern or a crisis rating is saved as a check-in, holds, alerts the therapist
urgently and answers with the crisis resources. Without crisis signs the refusal stands."""

import pytest
from sqlmodel import select

from care.db import session_scope
from care.tables import Alert, CheckIn

CRISIS_BODIES = [
    {"distress": 11},
    {"distress": "10"},
    {"distress": 9.5},
    {"distress": None, "safety_concern": True},
    {"distress": 3, "safety_concern": True, "mood": "low"},
    {"distress": 9, "note": "x" * 5000},
    {"safety_concern": "yes"},
]


def _alerts_and_checkins(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        urgent = session.exec(select(Alert).where(Alert.severity == "urgent")).all()
        return len(urgent), session.exec(select(CheckIn)).all()


def _held(client, therapist, patient) -> bool:
    dose = client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers)
    return dose.json["on_hold"]


@pytest.mark.parametrize("body", CRISIS_BODIES)
def test_a_malformed_check_in_with_crisis_signs_is_heard(app, client, therapist, patient, body):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json=body)
    assert response.status_code == 201, response.json
    assert response.json["crisis"]["items"], "crisis resources in the same response"
    assert _held(client, therapist, patient)
    urgent, checkins = _alerts_and_checkins(app)
    assert urgent == 1 and len(checkins) == 1
    assert "could not be read in full" in checkins[0].note  # the therapist sees what happened


@pytest.mark.parametrize(
    "body",
    [
        {"practice_id": "watching-kindness", "pre_distress": 12},
        {"practice_id": "no-such-thing!", "pre_distress": 10},
        {"pre_distress": "9"},
    ],
)
def test_a_malformed_start_with_a_crisis_rating_is_heard(app, client, therapist, patient, body):
    response = client.post("/api/v1/me/sessions", headers=patient.headers, json=body)
    assert response.status_code == 201, response.json
    assert response.json["crisis"]["items"]
    assert _held(client, therapist, patient)
    assert _alerts_and_checkins(app)[0] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"post_distress": 10, "backdraft": ["behaviours"]},
        {"post_distress": 14},
        {"post_distress": None, "safety_concern": True},
        {"post_distress": 4, "safety_concern": True, "backdraft": "body"},
    ],
)
def test_a_malformed_finish_with_crisis_signs_is_heard(app, client, therapist, patient, body):
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"practice_id": "watching-kindness", "pre_distress": 3},
    )
    assert started.status_code == 201
    response = client.post(
        f"/api/v1/me/sessions/{started.json['id']}/finish", headers=patient.headers, json=body
    )
    assert response.status_code == 200, response.json
    assert response.json["crisis"]["items"]
    assert _held(client, therapist, patient)
    assert _alerts_and_checkins(app)[0] == 1


@pytest.mark.parametrize(
    "body",
    [{"distress": 8.5, "safety_concern": False}, {"distress": "calm"}, {}],
)
def test_without_crisis_signs_the_refusal_stands(app, client, therapist, patient, body):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json=body)
    assert response.status_code == 422, response.json
    assert not _held(client, therapist, patient)
    assert _alerts_and_checkins(app) == (0, [])


def test_a_therapist_cannot_use_the_rescue(client, therapist):
    response = client.post("/api/v1/me/checkins", headers=therapist.headers, json={"distress": 11})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"distress": "3", "safety_concern": "y"},
        {"distress": "3", "safety_concern": "T"},
        {"distress": "x", "safety_concern": 1.0},
        [{"distress": 10}],
    ],
)
def test_every_way_the_schema_would_read_a_concern_is_heard(app, client, therapist, patient, body):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json=body)
    assert response.status_code == 201, response.json
    assert _held(client, therapist, patient)


def test_infinity_is_the_worst_rating_there_is(app, client, therapist, patient):
    response = client.post(
        "/api/v1/me/checkins",
        headers={**patient.headers, "Content-Type": "application/json"},
        data='{"distress": Infinity}',
    )
    assert response.status_code == 201, response.json
    assert _held(client, therapist, patient)


def test_a_form_post_with_a_crisis_rating_is_heard(app, client, therapist, patient):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, data={"distress": "10"})
    assert response.status_code == 201, response.json
    assert _held(client, therapist, patient)
