"""Hostile input gets a clean 4xx, before and after sign-in: JSON nested beyond a bound, a
strange CSRF header; signed-in answers are never stored by browsers; a calendar feed's secret
never reaches the logs."""

import logging

import pytest

from service.security import logged_path


@pytest.mark.parametrize("depth", [17, 200, 100_000])
def test_deeply_nested_json_is_a_clean_400(client, therapist, depth):
    body = "[" * depth + "]" * depth
    for headers in ({}, therapist.headers):
        for path in ("/api/v1/auth/token", "/api/v1/me/checkins", "/api/v1/webhooks"):
            response = client.post(
                path, data=body, headers={**headers, "Content-Type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (path, response.status_code)
    nested = {"a": body}
    assert client.post("/api/v1/auth/token", json=nested).status_code in (400, 422)


def test_a_body_within_the_bound_is_read_as_usual(client, therapist):
    response = client.post(
        "/api/v1/auth/token", json={"email": therapist.email, "password": therapist.password}
    )
    assert response.status_code == 201


def test_signed_in_pages_are_never_stored(client, therapist):
    from tests.service.web.test_therapist_pages import web_session

    browser, _ = web_session(client.application, therapist)
    for path in ("/", "/account/password", "/catalogue"):
        assert browser.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/api/v1/me", headers=therapist.headers).headers["Cache-Control"] == (
        "no-store"
    )


def test_a_calendar_secret_never_reaches_the_request_log(client, patient, caplog):
    feed = client.post("/api/v1/me/calendar", headers=patient.headers).json["url"]
    secret = feed.rsplit("/", 1)[1].removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="hearth.http"):
        assert client.get(feed.split("hearth.test", 1)[1]).status_code == 200
    logged = " ".join(str(getattr(r, "path", "")) + r.getMessage() for r in caplog.records)
    assert secret not in logged and "[redacted]" in logged
    assert logged_path(f"/api/v1/calendar/{secret}.ics") == "/api/v1/calendar/[redacted]"
