"""Tokens: issue, use, expire, revoke; the same refusal for every wrong credential."""

from datetime import timedelta

from sqlmodel import select

from care.db import session_scope
from care.tables import ApiToken
from care.types import utcnow
from tests.conftest import make_person

WRONG = "the email or password is not right, or the account is disabled"


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["detail"]
    return body


def test_token_issued_and_used(client, therapist):
    response = client.get("/api/v1/me", headers=therapist.headers)
    assert response.status_code == 200
    assert response.json["email"] == "rowan@example.org"
    assert response.json["role"] == "therapist"


def test_email_is_case_insensitive(client, therapist):
    response = client.post(
        "/api/v1/auth/token", json={"email": "ROWAN@Example.org", "password": therapist.password}
    )
    assert response.status_code == 201


def test_wrong_password_and_unknown_email_get_the_same_401(client, therapist):
    wrong = client.post(
        "/api/v1/auth/token", json={"email": therapist.email, "password": "not-the-password"}
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "not-the-password"}
    )
    assert _problem(wrong, 401)["detail"] == WRONG
    assert _problem(unknown, 401)["detail"] == WRONG


def test_disabled_user_cannot_get_a_token_and_loses_old_ones(app, client, admin, therapist):
    response = client.patch(
        f"/api/v1/therapists/{therapist.id}", headers=admin.headers, json={"active": False}
    )
    assert response.status_code == 200 and response.json["active"] is False
    _problem(
        client.post(
            "/api/v1/auth/token", json={"email": therapist.email, "password": therapist.password}
        ),
        401,
    )
    _problem(client.get("/api/v1/me", headers=therapist.headers), 401)


def test_expired_token_is_refused(app, client, therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        for token in session.exec(select(ApiToken)).all():
            token.expires_at = utcnow() - timedelta(seconds=1)
    body = _problem(client.get("/api/v1/me", headers=therapist.headers), 401)
    assert (
        "Bearer" in client.get("/api/v1/me", headers=therapist.headers).headers["WWW-Authenticate"]
    )
    assert "token" in body["detail"]


def test_revoked_token_is_refused(client, therapist):
    assert client.delete("/api/v1/auth/token", headers=therapist.headers).status_code == 204
    _problem(client.get("/api/v1/me", headers=therapist.headers), 401)


def test_garbage_token_is_refused(client):
    _problem(client.get("/api/v1/me", headers={"Authorization": "Bearer hth_nonsense"}), 401)


def test_token_is_stored_only_as_a_hash(app, therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        stored = [t.token_hash for t in session.exec(select(ApiToken)).all()]
    assert therapist.token not in stored
    assert all(len(h) == 64 for h in stored)


def test_invitation_sets_a_password_once(client, therapist):
    created = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        json={"display_name": "Kim", "email": "kim@example.org", "timezone": "Asia/Tokyo"},
    )
    assert created.status_code == 201
    invitation = created.json["invitation"]
    assert invitation["accept_url"].startswith("http://hearth.test/welcome?code=")
    accept = {"token": invitation["token"], "password": "kims-own-password"}
    assert client.post("/api/v1/auth/invitations/accept", json=accept).status_code == 200
    _problem(client.post("/api/v1/auth/invitations/accept", json=accept), 404)
    token = client.post(
        "/api/v1/auth/token", json={"email": "kim@example.org", "password": "kims-own-password"}
    )
    assert token.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.json["role"] == "client"
    assert me.json["client"]["timezone"] == "Asia/Tokyo"


def test_admin_creates_therapists_and_duplicates_conflict(client, admin):
    body = {"email": "New.Therapist@example.org", "name": "New", "password": "long-enough-pw"}
    created = client.post("/api/v1/therapists", headers=admin.headers, json=body)
    assert created.status_code == 201 and created.json["email"] == "new.therapist@example.org"
    body["email"] = "new.THERAPIST@example.org"
    assert (
        "already exists"
        in _problem(client.post("/api/v1/therapists", headers=admin.headers, json=body), 409)[
            "detail"
        ]
    )
    listed = client.get("/api/v1/therapists", headers=admin.headers)
    assert [t["email"] for t in listed.json["items"]] == ["new.therapist@example.org"]


def test_therapist_cannot_manage_therapists(client, therapist):
    body = _problem(client.get("/api/v1/therapists", headers=therapist.headers), 403)
    assert "admins" in body["detail"]


def test_client_calling_a_therapist_endpoint_gets_403(client, patient):
    body = _problem(client.get("/api/v1/clients", headers=patient.headers), 403)
    assert "therapists" in body["detail"] and "client" in body["detail"]


def test_client_sees_only_their_own_record(app, client, therapist, patient):
    make_person(app, "client", "other@example.org", therapist=therapist, sign_in=False)
    me = client.get("/api/v1/me", headers=patient.headers).json
    assert me["client"]["id"] == patient.client_id
    # The therapist's clinical notes on the client are not part of the client's own view.
    for private in ("flags", "yang_ready", "crisis_threshold", "window_threshold", "max_level"):
        assert private not in me["client"]
    _problem(client.get(f"/api/v1/clients/{patient.client_id}", headers=patient.headers), 403)
