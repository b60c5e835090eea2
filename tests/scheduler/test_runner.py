"""`hearth scheduler run` as a real process: it plans, beats (the health endpoint says so),
and stops cleanly on SIGTERM. Email to a real SMTP server on loopback, and a webhook endpoint
that keeps failing is marked failing without holding anything else up."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from care import secrets
from care.tables import Client, Prompt, WebhookEndpoint
from care.vocab import PromptStatus
from practices import default_library
from scheduler.channels.base import Channels
from scheduler.channels.email import EmailChannel
from scheduler.channels.targets import Targets
from scheduler.channels.webhook import WebhookChannel
from scheduler.dispatch.deliver import ENDPOINT_FAILURE_LIMIT
from scheduler.dispatch.once import dispatch_once
from tests.conftest import settings_env
from tests.pg import free_port
from tests.scheduler.receiver import WebhookReceiver

LOOPBACK = Targets(allow_http=True, allow_private=True)  # the test receivers

ROOT = Path(__file__).resolve().parents[2]


def _assign(client, therapist, patient, **schedule):
    body = {
        "practice_id": "self-compassion-break",
        "schedule": {"times": ["08:30", "19:00"], **schedule},
    }
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )
    assert response.status_code == 201, response.json


def _due_prompt(app, patient):
    """Make the client's next planned prompt due now."""
    from service import db

    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        prompt = session.exec(
            select(Prompt)
            .where(
                Prompt.client_id == uuid.UUID(patient.client_id),
                Prompt.status == PromptStatus.PLANNED,
            )
            .order_by(Prompt.scheduled_at)
        ).first()
        now = datetime.now(UTC)
        prompt.scheduled_at, prompt.expires_at = (
            now - timedelta(minutes=1),
            now + timedelta(hours=1),
        )
        session.add(prompt)
        session.commit()
        return prompt.id


def test_runner_plans_beats_and_stops_on_sigterm(app, client, therapist, patient, tmp_path):
    _assign(client, therapist, patient)
    env = {
        **os.environ,
        **settings_env(tmp_path, app.config["DATABASE_URL"]),
        "HEARTH_PLAN_SECONDS": "5",
        "HEARTH_DISPATCH_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service.app.console", "scheduler", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        health = {}
        while time.monotonic() < deadline:
            health = client.get("/api/v1/health").json
            if health["scheduler"] == "ok":
                break
            time.sleep(0.3)
        if health["scheduler"] != "ok":
            process.kill()
            raise AssertionError(f"{health}: {process.communicate()[0].decode()[-3000:]}")
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
        assert process.returncode == 0, output[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


class _Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append(envelope)
        return "250 OK"


def test_email_prompt_reaches_a_real_smtp_server(app, client, therapist, patient):
    _assign(client, therapist, patient)
    port = free_port()
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        prompt_id = _due_prompt(app, patient)
        channels = Channels(
            base_url="http://hearth.test",
            email=EmailChannel("127.0.0.1", port, "hearth <h@hearth.test>", tls="none"),
        )
        from service import db

        with app.app_context():
            result = dispatch_once(
                lambda: Session(db.engine(), expire_on_commit=False),
                default_library(),
                channels,
                "w",
            )
        assert result.sent == 1
        assert len(handler.messages) == 1
        envelope = handler.messages[0]
        assert envelope.rcpt_tos == [patient.email]
        body = envelope.content.decode()
        assert f"/practice/prompt/{prompt_id}" in body
        assert "self-compassion" not in body.lower()
    finally:
        controller.stop()


def test_a_failing_endpoint_is_marked_and_holds_nothing_up(app, client, therapist, patient):
    _assign(client, therapist, patient)
    from service import db

    with WebhookReceiver("whsec_x", status=500, max_requests=100) as receiver, app.app_context():
        with Session(db.engine(), expire_on_commit=False) as session:
            session.add(
                WebhookEndpoint(
                    therapist_id=uuid.UUID(therapist.id),
                    url=receiver.url,
                    secret=secrets.encrypt("whsec_x"),
                )
            )
            session.commit()
        channels = Channels(
            base_url="http://h", webhook=WebhookChannel(timeout=2, targets=LOOPBACK)
        )
        now = datetime.now(UTC)
        for attempt in range(ENDPOINT_FAILURE_LIMIT + 1):
            _due_prompt(app, patient)
            with Session(db.engine(), expire_on_commit=False) as session:
                for prompt in session.exec(
                    select(Prompt).where(Prompt.status == PromptStatus.PLANNED)
                ):
                    prompt.next_attempt_at = None
                    session.add(prompt)
                session.commit()
            dispatch_once(
                lambda: Session(db.engine(), expire_on_commit=False),
                default_library(),
                channels,
                "w",
                now=now + timedelta(seconds=attempt),
            )
        with Session(db.engine(), expire_on_commit=False) as session:
            endpoint = session.exec(select(WebhookEndpoint)).one()
            in_inbox = session.exec(select(Prompt).where(Prompt.sent_at.is_not(None))).all()
            record = session.get(Client, uuid.UUID(patient.client_id))
    assert endpoint.failing is True and "500" in endpoint.last_error
    assert in_inbox  # the client still got the prompt in the app
    listed = client.get("/api/v1/webhooks", headers=therapist.headers).json["items"]
    assert listed[0]["failing"] is True and listed[0]["last_error"]
    assert record is not None


def test_no_prompt_email_before_the_client_has_chosen_a_password(app, client, therapist, patient):
    """A login not yet taken up gets its prompts in the inbox only: its emails would lead to
    pages it cannot open, and an address another account has must look the same (issue 15)."""
    _assign(client, therapist, patient)
    from care.tables import User
    from service import db

    with app.app_context(), Session(db.engine()) as session:
        user = session.get(User, uuid.UUID(patient.id))
        user.password_hash = None
        session.add(user)
        session.commit()
    port = free_port()
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _due_prompt(app, patient)
        channels = Channels(
            base_url="http://hearth.test",
            email=EmailChannel("127.0.0.1", port, "hearth <h@hearth.test>", tls="none"),
        )
        with app.app_context():
            result = dispatch_once(
                lambda: Session(db.engine(), expire_on_commit=False),
                default_library(),
                channels,
                "w",
            )
        assert result.sent == 1 and handler.messages == []
    finally:
        controller.stop()
