"""Rotating HEARTH_SECRET_KEY: webhook secrets and web sessions survive with the previous key
set, `hearth rotate-secret` moves every stored secret to the new key, and then the old key
can go."""

import re
import uuid

import pytest
from sqlmodel import select

from care import secrets
from care.db import session_scope
from care.tables import WebhookEndpoint
from service import settings
from service.app import create_app
from tests.conftest import SECRET, finish, settings_env
from tests.scheduler.receiver import WebhookReceiver

KEY_B = "the-new-secret-key-which-is-long-enough-9876543210"


def _app(tmp_path, database_url, **env):
    return create_app(settings.load(settings_env(tmp_path, database_url, **env)), testing=True)


def _stored_secret(app, endpoint_id: str) -> str:
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        return session.get(WebhookEndpoint, uuid.UUID(endpoint_id)).secret


def _web_cookie(app, therapist) -> str:
    """Sign in on the web page and return the session cookie's value."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(
        "/login",
        data={"email": therapist.email, "password": therapist.password, "csrf_token": token},
    )
    assert response.status_code == 302
    return client.get_cookie("hearth_session").value


def _home_with_cookie(app, cookie: str):
    client = app.test_client()
    client.set_cookie("hearth_session", cookie, domain="localhost")
    return client.get("/")


def _ping(built, endpoint_id, therapist, receiver):
    """A test event through `built`, waited for at the receiver, which checks its signature."""
    import time

    from care.tables import DeliveryLog

    with built.app_context(), session_scope(db_engine(built)) as session:
        for row in session.exec(select(DeliveryLog)):  # the next test event may go at once
            row.at = row.at.replace(year=2000)
            session.add(row)
    seen = len(receiver.requests)
    ping = built.test_client().post(
        f"/api/v1/webhooks/{endpoint_id}/ping", headers=therapist.headers
    )
    assert ping.status_code == 202, ping.json
    deadline = time.monotonic() + 10
    while len(receiver.requests) == seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.requests) == seen + 1 and receiver.requests[-1].valid


def db_engine(built):
    from service import db

    return db.engine()


def test_rotation_keeps_secrets_and_sessions_then_moves_secrets_to_the_new_key(
    app, client, therapist, database_url, tmp_path
):
    # Under key A (the fixture's SECRET): a webhook and a web session.
    with WebhookReceiver("not-yet-known") as receiver:
        made = client.post(
            "/api/v1/webhooks", headers=therapist.headers, json={"url": receiver.url}
        )
        assert made.status_code == 201, made.json
        receiver.secret = made.json["secret"]
        endpoint_id = made.json["id"]
        under_a = _stored_secret(app, endpoint_id)
        cookie = _web_cookie(app, therapist)

        # Key B with A as the previous key: the old secret still signs, the old cookie works.
        rotating = _app(
            tmp_path, database_url, HEARTH_SECRET_KEY=KEY_B, HEARTH_SECRET_KEY_PREVIOUS=SECRET
        )
        _ping(rotating, endpoint_id, therapist, receiver)
        home = _home_with_cookie(rotating, cookie)
        assert home.status_code == 200 and "Your dashboard" in home.get_data(as_text=True)

        result = rotating.test_cli_runner().invoke(args=["rotate-secret"])
        assert result.exit_code == 0, result.output
        assert "re-encrypted 1 webhook secrets" in result.output
        assert "remove HEARTH_SECRET_KEY_PREVIOUS" in result.output
        assert _stored_secret(rotating, endpoint_id) != under_a
        again = rotating.test_cli_runner().invoke(args=["rotate-secret"])
        assert "re-encrypted 0 webhook secrets" in again.output and "1 already" in again.output

        # Key B alone: the secret still opens; the old cookie no longer signs anyone in.
        new_only = _app(tmp_path, database_url, HEARTH_SECRET_KEY=KEY_B)
        assert secrets.decrypt(_stored_secret(new_only, endpoint_id)) == receiver.secret
        _ping(new_only, endpoint_id, therapist, receiver)
        assert _home_with_cookie(new_only, cookie).status_code == 302
        for built in (rotating, new_only):
            finish(built)


def test_a_secret_neither_key_opens_is_reported_and_the_others_rotate(
    app, therapist, database_url, tmp_path
):
    from service import db

    secrets.configure("some-unrelated-key-nobody-kept-0123456789")
    lost = secrets.encrypt("whsec_lost")
    secrets.configure(SECRET)
    kept = secrets.encrypt("whsec_kept")
    with app.app_context(), session_scope(db.engine()) as session:
        for secret in (lost, kept):
            session.add(
                WebhookEndpoint(
                    therapist_id=uuid.UUID(therapist.id),
                    url="https://companion.example.org/hook",
                    secret=secret,
                )
            )
    rotating = _app(
        tmp_path, database_url, HEARTH_SECRET_KEY=KEY_B, HEARTH_SECRET_KEY_PREVIOUS=SECRET
    )
    result = rotating.test_cli_runner().invoke(args=["rotate-secret"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 webhook secrets" in result.output and "1 unreadable" in result.output
    assert "opens with neither key" in result.output
    secrets.configure(KEY_B)
    with rotating.app_context(), session_scope(db.engine()) as session:
        stored = {e.secret for e in session.exec(select(WebhookEndpoint))}
    assert lost in stored  # left exactly as it was
    assert "whsec_kept" in {secrets.decrypt(s) for s in stored if s != lost}
    rotating.extensions["hearth.engine"].dispose()


def test_rotate_secret_refuses_without_a_previous_key(runner):
    result = runner.invoke(args=["rotate-secret"])
    assert result.exit_code != 0
    assert "HEARTH_SECRET_KEY_PREVIOUS is not set" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("previous", "expected"),
    [("too-short", "at least 32 characters"), (SECRET, "the same as HEARTH_SECRET_KEY")],
)
def test_previous_key_must_be_long_and_different(tmp_path, previous, expected):
    env = {
        "HEARTH_INSTANCE_DIR": str(tmp_path),
        "HEARTH_SECRET_KEY": SECRET,
        "HEARTH_SECRET_KEY_PREVIOUS": previous,
    }
    with pytest.raises(settings.SettingsError) as caught:
        settings.load(env)
    message = str(caught.value)
    assert "HEARTH_SECRET_KEY_PREVIOUS" in message and expected in message
    assert "\n" not in message


def test_second_factor_keys_move_to_the_new_key_and_keep_working(
    app, therapist, database_url, tmp_path
):
    from datetime import timedelta

    import pyotp

    from care.accounts import second_factor
    from care.db import session_scope
    from care.tables import User
    from care.types import utcnow
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        user = session.get(User, uuid.UUID(therapist.id))
        key = second_factor.begin(session, user)
        second_factor.confirm(session, user, therapist.password, pyotp.TOTP(key).now())
    rotating = _app(
        tmp_path, database_url, HEARTH_SECRET_KEY=KEY_B, HEARTH_SECRET_KEY_PREVIOUS=SECRET
    )
    result = rotating.test_cli_runner().invoke(args=["rotate-secret"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 second-factor keys (0 already used it, 0 unreadable)" in result.output
    new_only = _app(tmp_path, database_url, HEARTH_SECRET_KEY=KEY_B)
    body = {
        "email": therapist.email,
        "password": therapist.password,
        "code": pyotp.TOTP(key).at(utcnow() + timedelta(seconds=30)),
    }
    assert new_only.test_client().post("/api/v1/auth/token", json=body).status_code == 201
    for built in (rotating, new_only):
        finish(built)
