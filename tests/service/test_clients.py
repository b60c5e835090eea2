"""A therapist's clients: create, read, change, list; tenancy; every bad input explained."""

import uuid

import pytest
from sqlmodel import select

from tests.conftest import make_person


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def _create(client, who, **fields):
    body = {"display_name": "Jo", "timezone": "America/New_York", **fields}
    return client.post("/api/v1/clients", headers=who.headers, json=body)


def test_create_read_update_client(client, therapist):
    created = _create(client, therapist, script_name="Jo")
    assert created.status_code == 201
    data = created.json
    assert data["start_level"] == 1 and data["window_threshold"] == 7
    assert data["crisis_threshold"] == 9 and data["flags"]["self_harm"] is False
    assert data["invitation"] is None
    got = client.get(f"/api/v1/clients/{data['id']}", headers=therapist.headers)
    assert got.json["display_name"] == "Jo"
    changed = client.patch(
        f"/api/v1/clients/{data['id']}",
        headers=therapist.headers,
        json={"self_harm": True, "quiet_start": "21:30", "max_level": 3},
    )
    assert changed.status_code == 200
    assert changed.json["flags"]["self_harm"] is True
    assert changed.json["quiet_start"] == "21:30" and changed.json["max_level"] == 3


def test_another_therapists_client_is_404(client, therapist, other_therapist):
    cid = _create(client, therapist).json["id"]
    for response in (
        client.get(f"/api/v1/clients/{cid}", headers=other_therapist.headers),
        client.patch(
            f"/api/v1/clients/{cid}", headers=other_therapist.headers, json={"display_name": "x"}
        ),
    ):
        body = _problem(response, 404)
        assert "no client" in body["detail"]
    missing = client.get(f"/api/v1/clients/{uuid.uuid4()}", headers=other_therapist.headers)
    assert _problem(missing, 404)["detail"] == body["detail"]
    assert client.get("/api/v1/clients", headers=other_therapist.headers).json["items"] == []


def test_invalid_timezone_names_the_field_and_an_example(client, therapist):
    body = _problem(_create(client, therapist, timezone="Mars/Olympus"), 422)
    assert body["errors"][0]["field"] == "timezone"
    assert "Europe/Berlin" in body["errors"][0]["message"]


def test_unknown_field_is_named(client, therapist):
    body = _problem(_create(client, therapist, timezon="UTC"), 422)
    assert body["errors"][0]["field"] == "timezon"
    assert "unknown field" in body["errors"][0]["message"]


def test_mistyped_field_is_named(client, therapist):
    body = _problem(_create(client, therapist, max_level="lots"), 422)
    assert body["errors"][0]["field"] == "max_level"


def test_missing_required_field_is_named(client, therapist):
    response = client.post("/api/v1/clients", headers=therapist.headers, json={})
    assert _problem(response, 422)["errors"][0] == {
        "field": "display_name",
        "message": "this field is required",
    }


def test_malformed_json_is_400(client, therapist):
    response = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        data='{"display_name":',
        content_type="application/json",
    )
    assert "not valid JSON" in _problem(response, 400)["detail"]


def test_wrong_content_type_is_415(client, therapist):
    response = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        data="display_name=Jo",
        content_type="application/x-www-form-urlencoded",
    )
    assert "application/json" in _problem(response, 415)["detail"]


def test_oversized_body_is_413(app, client, therapist):
    big = {"display_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    response = client.post("/api/v1/clients", headers=therapist.headers, json=big)
    assert "larger than the limit" in _problem(response, 413)["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_level": 4, "max_level": 2}, "min_level"),
        ({"start_level": 5, "max_level": 3}, "start_level"),
        ({"window_threshold": 9, "crisis_threshold": 8}, "window_threshold"),
    ],
)
def test_bounds_must_make_sense(client, therapist, fields, field):
    body = _problem(_create(client, therapist, **fields), 422)
    assert field in [e["field"] for e in body["errors"]]


def test_failed_update_changes_nothing(client, therapist):
    cid = _create(client, therapist).json["id"]
    _problem(
        client.patch(
            f"/api/v1/clients/{cid}",
            headers=therapist.headers,
            json={"min_level": 5, "display_name": "Changed"},
        ),
        422,
    )
    assert (
        client.get(f"/api/v1/clients/{cid}", headers=therapist.headers).json["display_name"] == "Jo"
    )


def test_null_for_a_required_value_is_refused(client, therapist):
    cid = _create(client, therapist).json["id"]
    body = _problem(
        client.patch(f"/api/v1/clients/{cid}", headers=therapist.headers, json={"timezone": None}),
        422,
    )
    assert body["errors"][0]["field"] == "timezone"


def test_pagination_walks_every_client_once(app, client, therapist):
    ids = {_create(client, therapist, display_name=f"C{i}").json["id"] for i in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/clients?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=therapist.headers).json
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == ids


def test_bad_cursor_and_limit_are_explained(client, therapist):
    body = _problem(client.get("/api/v1/clients?cursor=garbage", headers=therapist.headers), 422)
    assert body["errors"][0]["field"] == "cursor"
    body = _problem(client.get("/api/v1/clients?limit=0", headers=therapist.headers), 422)
    assert body["errors"][0]["field"] == "limit"


def test_reinvite_needs_a_login(app, client, therapist):
    cid = _create(client, therapist).json["id"]
    assert (
        "no login"
        in _problem(
            client.post(f"/api/v1/clients/{cid}/invitation", headers=therapist.headers), 409
        )["detail"]
    )
    with_login = _create(client, therapist, email="kai@example.org").json["id"]
    response = client.post(f"/api/v1/clients/{with_login}/invitation", headers=therapist.headers)
    assert response.status_code == 201 and response.json["token"].startswith("hti_")


def test_changes_and_reads_are_audited(app, client, therapist):
    from care.db import session_scope
    from care.tables import AuditEvent
    from service import db

    cid = _create(client, therapist).json["id"]
    client.get(f"/api/v1/clients/{cid}", headers=therapist.headers)
    client.patch(f"/api/v1/clients/{cid}", headers=therapist.headers, json={"yang_ready": True})
    with app.app_context(), session_scope(db.engine()) as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent).where(AuditEvent.target_id == cid).order_by(AuditEvent.id)
            )
        ]
        update = session.exec(select(AuditEvent).where(AuditEvent.action == "client.update")).one()
    # The read is the access log's entry; the change is care's own (no second entry for it).
    assert actions == ["client.create", "read:api.get_client", "client.update"]
    assert update.detail == "yang_ready" and update.actor_id is not None


def test_client_person_helper_creates_linked_record(app, client, therapist):
    person = make_person(app, "client", "lee@example.org", therapist=therapist)
    listed = client.get("/api/v1/clients", headers=therapist.headers).json["items"]
    assert [c["email"] for c in listed] == ["lee@example.org"]
    assert listed[0]["id"] == person.client_id


def test_quiet_hours_covering_the_whole_day_are_refused(client, therapist):
    body = _problem(_create(client, therapist, quiet_start="21:00", quiet_end="21:00"), 422)
    assert body["errors"][0]["field"] == "quiet_end" and "whole day" in body["errors"][0]["message"]
    cid = _create(client, therapist).json["id"]
    body = _problem(
        client.patch(f"/api/v1/clients/{cid}", headers=therapist.headers, json={"quiet_end": None}),
        422,
    )
    assert body["errors"][0]["field"] == "quiet_end"
