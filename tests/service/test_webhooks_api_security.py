"""The webhook API under attack: private targets refused at registration (unless the operator
allows them), test events sent off the request thread and rate-limited, with coarse answers,
and a deleted endpoint gone for good."""

import time

import pytest

from service.app import create_app
from service.settings import load
from tests.conftest import finish, make_person, settings_env
from tests.scheduler.receiver import WebhookReceiver


@pytest.fixture
def strict_app(database_url, tmp_path):
    """An app with the production defaults: https only, public targets only."""
    env = settings_env(
        tmp_path, database_url, HEARTH_WEBHOOK_ALLOW_HTTP="0", HEARTH_WEBHOOK_ALLOW_PRIVATE="0"
    )
    app = create_app(load(env), testing=True)
    yield app
    finish(app)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://localhost:8080/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "http://93.184.216.34/hook",
    ],
)
def test_private_and_plain_http_targets_are_refused_at_registration(strict_app, url):
    therapist = make_person(strict_app, "therapist", "rowan@example.org")
    client = strict_app.test_client()
    response = client.post("/api/v1/webhooks", headers=therapist.headers, json={"url": url})
    assert response.status_code == 422, response.json
    assert response.json["errors"][0]["field"] == "url"
    assert client.get("/api/v1/webhooks", headers=therapist.headers).json["items"] == []


def _log(client, therapist, endpoint_id):
    return client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=therapist.headers).json[
        "items"
    ]


def test_a_test_event_goes_out_in_the_background_once_per_half_minute(app, client, therapist):
    with WebhookReceiver("unknown", delay=1) as receiver:
        made = client.post(
            "/api/v1/webhooks", headers=therapist.headers, json={"url": receiver.url}
        )
        receiver.secret = made.json["secret"]
        endpoint = made.json["id"]
        ping = client.post(f"/api/v1/webhooks/{endpoint}/ping", headers=therapist.headers)
        assert ping.status_code == 202 and ping.json["deliveries_url"].endswith("/deliveries")
        # The answer came before the receiver did: only the "sent" line is in the log yet.
        assert [row["detail"] for row in _log(client, therapist, endpoint)] == ["ping: sent"]
        again = client.post(f"/api/v1/webhooks/{endpoint}/ping", headers=therapist.headers)
        assert again.status_code == 409 and "30 seconds" in again.json["detail"]
        deadline = time.monotonic() + 10
        while len(_log(client, therapist, endpoint)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        newest = _log(client, therapist, endpoint)[0]
        assert newest["outcome"] == "ok" and receiver.requests[-1].valid


def test_a_deleted_endpoint_cannot_be_resumed(app, client, therapist):
    made = client.post(
        "/api/v1/webhooks", headers=therapist.headers, json={"url": "https://companion.example/h"}
    ).json
    assert (
        client.delete(f"/api/v1/webhooks/{made['id']}", headers=therapist.headers).status_code
        == 204
    )
    resumed = client.patch(
        f"/api/v1/webhooks/{made['id']}", headers=therapist.headers, json={"active": True}
    )
    assert resumed.status_code == 404
    assert client.get("/api/v1/webhooks", headers=therapist.headers).json["items"] == []


def test_pings_and_resumes_are_audited(app, client, therapist):
    from sqlmodel import select

    from care.db import session_scope
    from care.tables import AuditEvent
    from service import db

    made = client.post(
        "/api/v1/webhooks", headers=therapist.headers, json={"url": "https://companion.example/h"}
    ).json
    client.patch(
        f"/api/v1/webhooks/{made['id']}", headers=therapist.headers, json={"active": False}
    )
    client.patch(f"/api/v1/webhooks/{made['id']}", headers=therapist.headers, json={"active": True})
    client.post(f"/api/v1/webhooks/{made['id']}/ping", headers=therapist.headers)
    with app.app_context(), session_scope(db.engine()) as session:
        found = [
            (e.action, e.detail)
            for e in session.exec(select(AuditEvent).where(AuditEvent.target_id == made["id"]))
        ]
    assert ("webhook.update", "pause") in found and ("webhook.update", "resume") in found
    assert any(action == "webhook.ping" for action, _ in found)
