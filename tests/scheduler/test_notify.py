"""Urgent alerts reach the therapist by email once, through a real SMTP server on loopback,
without clinical detail in the mail."""

import email
from email.policy import default

from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from care.tables import Alert
from scheduler.channels.base import Channels
from scheduler.channels.email import EmailChannel
from scheduler.notify import email_alerts
from tests.pg import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) >= 20:  # bounded, whatever a buggy test sends
            return "452 4.5.3 too many messages in this test"
        self.messages.append(envelope)
        return "250 OK"


def test_an_urgent_alert_is_emailed_once_without_ratings(app, client, therapist, patient):
    for distress in (9, 10):  # two crisis check-ins: two urgent alerts
        response = client.post(
            "/api/v1/me/checkins",
            headers=patient.headers,
            json={"distress": distress, "note": "I wrote something private here"},
        )
        assert response.status_code == 201 and response.json["crisis"] is not None
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        channels = Channels(
            base_url="http://hearth.test",
            email=EmailChannel(
                controller.hostname, controller.port, "hearth <h@hearth.test>", tls="none"
            ),
        )
        from service import db

        with app.app_context():

            def factory():
                return Session(db.engine(), expire_on_commit=False)

            assert email_alerts(factory, channels) == 2
            assert email_alerts(factory, channels) == 0  # the next tick sends nothing again
            with factory() as session:
                alerts = session.exec(select(Alert).where(Alert.severity == "urgent")).all()
            assert all(a.emailed_at is not None for a in alerts)
    finally:
        controller.stop()
    assert len(handler.messages) == 2
    for envelope in handler.messages:
        assert envelope.rcpt_tos == [therapist.email]
        mail = email.message_from_bytes(envelope.original_content, policy=default)
        text = mail.get_body(("plain",)).get_content()
        assert "Sign in" in text
        for private in ("9/10", "10/10", "distress", "private"):
            assert private not in text


def test_a_failed_alert_email_is_tried_again_on_the_next_tick(app, client, therapist, patient):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    assert response.status_code == 201
    from service import db

    channels = Channels(
        base_url="http://hearth.test",
        # Nobody listens on this port: the send fails and the alert stays unsent.
        email=EmailChannel("127.0.0.1", free_port(), "hearth <h@hearth.test>", timeout=2),
    )
    with app.app_context():

        def factory():
            return Session(db.engine(), expire_on_commit=False)

        assert email_alerts(factory, channels) == 0
        with factory() as session:
            (alert,) = session.exec(select(Alert).where(Alert.severity == "urgent")).all()
            assert alert.emailed_at is None
