"""The one gentle reminder, halfway to a prompt's expiry, for clients who asked for it, through
a real SMTP server on loopback; never on a practice-break day, never after discharge."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session

from care.tables import Client
from care.types import utcnow
from practices import default_library
from scheduler.channels.base import Channels
from scheduler.channels.email import EmailChannel
from scheduler.notify import send_reminders
from tests.records import sent_prompt


@pytest.fixture
def inbox(smtp_inbox):
    """The loopback SMTP server of this test, and what it received."""
    return smtp_inbox


def _client(app, patient, **changes):
    from service import db

    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        row = session.get(Client, uuid.UUID(patient.client_id))
        row.reminders = True
        for key, value in changes.items():
            setattr(row, key, value)
        session.add(row)
        session.commit()


def _remind(app, inbox, now):
    from service import db

    controller, _ = inbox
    channels = Channels(
        base_url="http://hearth.test",
        email=EmailChannel(
            controller.hostname, controller.port, "hearth <h@hearth.test>", tls="none"
        ),
    )
    with app.app_context():
        return send_reminders(
            lambda: Session(db.engine(), expire_on_commit=False),
            default_library(),
            channels,
            now,
        )


def _assignment(client, therapist, patient):
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": "watching-kindness"},
    )
    return response.json["id"]


@pytest.mark.parametrize("case", ["plain", "on a break", "discharged", "not asked for"])
def test_a_reminder_goes_out_once_and_never_in_a_break(
    app, client, therapist, patient, inbox, case
):
    assignment = _assignment(client, therapist, patient)
    sent_prompt(app, patient.client_id, assignment)
    halfway = utcnow() + timedelta(minutes=40)  # sent a minute ago, open for another hour
    today = halfway.date()
    changes = {
        "plain": {},
        "on a break": {
            "break_start": today - timedelta(days=1),
            "break_end": today + timedelta(days=1),
        },
        "discharged": {"discharged_at": utcnow()},
        "not asked for": {},
    }[case]
    _client(app, patient, **changes)
    if case == "not asked for":
        _client(app, patient, reminders=False)
    expected = 1 if case == "plain" else 0
    assert _remind(app, inbox, halfway) == expected
    assert _remind(app, inbox, halfway + timedelta(minutes=5)) == 0  # only ever one
    assert len(inbox[1].messages) == expected
