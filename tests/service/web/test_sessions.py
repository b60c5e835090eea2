"""Web sessions end on the server: a saved copy of the cookie is dead after sign-out; each
session has an idle and an absolute lifetime however often it is used; a disabled account's
sessions stay ended when it is enabled again; a person sees and ends their own sign-ins."""

import uuid
from datetime import timedelta

from sqlmodel import select

from care.tables import WebSession
from care.types import utcnow
from tests.conftest import make_person
from tests.service.web.test_therapist_pages import csrf_of, text, web_session

COOKIE = "hearth_session"


def _copy(app, browser):
    """Another client holding a copy of this browser's cookie (a stolen or saved one)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    return thief


def _rows(app):
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        found = list(session.exec(select(WebSession)))
        for row in found:
            session.expunge(row)
        return found


def _age(app, **changes):
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        for row in session.exec(select(WebSession).where(WebSession.ended_at.is_(None))):
            for key, value in changes.items():
                setattr(row, key, value)
            session.add(row)


def test_a_saved_cookie_is_dead_after_sign_out(app, therapist, patient):
    browser, token = web_session(app, therapist)
    thief = _copy(app, browser)
    assert thief.get("/api/v1/me").status_code == 200
    browser.post("/logout", data={"csrf_token": token})
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/").status_code == 302
    export = thief.get(f"/api/v1/clients/{patient.client_id}/export?format=json")
    assert export.status_code == 401


def test_a_session_ends_after_twelve_hours_however_often_it_is_used(app, therapist):
    browser, _ = web_session(app, therapist)
    _age(app, created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert browser.get("/").status_code == 302


def test_a_session_ends_after_two_hours_without_use(app, therapist):
    browser, _ = web_session(app, therapist)
    assert browser.get("/").status_code == 200
    _age(app, last_seen_at=utcnow() - timedelta(hours=2, minutes=1))
    assert browser.get("/").status_code == 302


def test_re_enabling_a_therapist_revives_no_old_session(app, therapist, admin):
    browser, _ = web_session(app, therapist)
    admin_browser, token = web_session(app, admin)
    for active in ("0", "1"):
        admin_browser.post(
            f"/admin/therapists/{therapist.id}/active", data={"csrf_token": token, "active": active}
        )
    assert browser.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=therapist.headers).status_code == 401


def test_a_person_sees_and_ends_their_own_sign_ins(app, client, therapist):
    here, token = web_session(app, therapist)
    there, _ = web_session(app, therapist)
    page = text(here.get("/account/sign-ins"))
    assert "This browser" in page and "A browser" in page and "An app" in page
    listed = here.get("/api/v1/me/sign-ins").json["items"]
    assert {item["kind"] for item in listed} == {"web", "token"}
    assert sum(item["current"] for item in listed) == 1
    other = next(i for i in listed if i["kind"] == "web" and not i["current"])
    ended = here.post(f"/account/sign-ins/{other['id']}/end", data={"csrf_token": token})
    assert ended.status_code == 303 and there.get("/").status_code == 302
    app_token = next(i for i in listed if i["kind"] == "token")
    here.post(f"/account/sign-ins/{app_token['id']}/end", data={"csrf_token": token})
    assert client.get("/api/v1/me", headers=therapist.headers).status_code == 401
    # Unknown ids, and sign-ins of another person, are not found.
    fresh = client.post(
        "/api/v1/auth/token", json={"email": therapist.email, "password": therapist.password}
    ).json["token"]
    bearer = {"Authorization": f"Bearer {fresh}"}
    assert client.delete(f"/api/v1/me/sign-ins/{uuid.uuid4()}", headers=bearer).status_code == 404
    patient_session = make_person(app, "admin", "other-admin@example.org", sign_in=False)
    _, _ = web_session(app, patient_session)
    others = [r for r in _rows(app) if str(r.user_id) == patient_session.id and r.ended_at is None]
    refused = client.delete(f"/api/v1/me/sign-ins/{others[0].id}", headers=bearer)
    assert refused.status_code == 404
    # Ending this browser's own session signs it out.
    own = next(i for i in listed if i["current"])
    out = here.post(f"/account/sign-ins/{own['id']}/end", data={"csrf_token": token})
    assert out.status_code == 303 and here.get("/").status_code == 302


def test_a_strange_csrf_token_is_refused_not_an_error(app, client, therapist):
    token = csrf_of(text(client.get("/login")))
    assert token
    for bad in ("é" * 43, "\u2603", ""):
        response = client.post(
            "/login",
            data={"email": therapist.email, "password": therapist.password, "csrf_token": bad},
        )
        assert response.status_code == 400, bad
    browser, _ = web_session(app, therapist)
    api = browser.post("/api/v1/me/checkins", json={"distress": 2}, headers={"X-CSRF-Token": "ü"})
    assert 400 <= api.status_code < 500
