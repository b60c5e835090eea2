"""Settings a therapist could once save and that broke a client's dose for good (issue 12) are
now refused with 422, naming the field; the record stays as it was and stays readable."""

import pytest


def _errors(response) -> list[str]:
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    return [e["field"] for e in response.json["errors"]]


def _readable(client, therapist, patient) -> dict:
    for path in ("/dose", "/dose/history"):
        got = client.get(f"/api/v1/clients/{patient.client_id}{path}", headers=therapist.headers)
        assert got.status_code == 200, got.json
    return client.get(f"/api/v1/clients/{patient.client_id}", headers=therapist.headers).json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"window_threshold": 0}, "window_threshold"),
        ({"window_threshold": False}, "window_threshold"),
        ({"crisis_threshold": True}, "crisis_threshold"),
        ({"crisis_threshold": 0}, "crisis_threshold"),
        ({"window_threshold": 9}, "window_threshold"),  # not below the crisis threshold 9
        ({"crisis_threshold": 7}, "window_threshold"),  # the window 7 would not be below it
        ({"min_level": 4, "start_level": 1}, "start_level"),
        ({"min_level": 4, "max_level": 2}, "min_level"),
        ({"window_threshold": None}, "window_threshold"),
        ({"start_level": None}, "start_level"),
    ],
)
def test_patching_a_client_into_unusable_settings_is_refused(
    client, therapist, patient, body, field
):
    before = _readable(client, therapist, patient)
    response = client.patch(
        f"/api/v1/clients/{patient.client_id}", headers=therapist.headers, json=body
    )
    assert field in _errors(response)
    assert _readable(client, therapist, patient) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pinned_level": 0}, "pinned_level"),
        ({"pinned_level": 5, "max_level": 4}, "pinned_level"),
        ({"min_level": 3, "max_level": 2}, "min_level"),
        ({"window_threshold": 10}, "window_threshold"),
        ({"min_level": None}, "min_level"),
        ({"paused": True, "window_threshold": 0}, "window_threshold"),
    ],
)
def test_putting_unusable_dose_settings_is_refused(client, therapist, patient, body, field):
    before = _readable(client, therapist, patient)
    response = client.put(
        f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers, json=body
    )
    assert field in _errors(response)
    assert _readable(client, therapist, patient) == before
    dose = client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers)
    assert dose.json["paused"] is False  # nothing at all was saved


@pytest.mark.parametrize("value", [0, False, 11, "7.5"])
def test_creating_a_client_with_an_unusable_threshold_is_refused(client, therapist, value):
    response = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        json={"display_name": "Sam", "window_threshold": value},
    )
    assert "window_threshold" in _errors(response)
    listed = client.get("/api/v1/clients", headers=therapist.headers).json["items"]
    assert listed == []


@pytest.mark.parametrize("field", ["start_level", "min_level", "max_level", "note", "active"])
def test_null_for_an_assignment_setting_is_refused(client, therapist, patient, field):
    made = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": "self-compassion-break"},
    )
    assert made.status_code == 201, made.json
    response = client.patch(
        f"/api/v1/assignments/{made.json['id']}", headers=therapist.headers, json={field: None}
    )
    assert field in _errors(response)
    created = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": "self-compassion-break", field: None},
    )
    assert created.status_code == 422, created.json


def test_the_settings_form_refuses_a_zero_threshold_next_to_the_field(app, therapist, patient):
    import re

    browser = app.test_client()
    login = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)[1]
    browser.post(
        "/login",
        data={"email": therapist.email, "password": therapist.password, "csrf_token": token},
    )
    page = browser.get(f"/clients/{patient.client_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    form = {
        "csrf_token": token,
        "start_level": "1",
        "min_level": "1",
        "max_level": "5",
        "window_threshold": "0",
        "crisis_threshold": "9",
    }
    response = browser.post(f"/clients/{patient.client_id}/settings", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="err-window_threshold">([^<]+)<', html)
    assert error and "1 to 10" in error[1], html[:2000]
