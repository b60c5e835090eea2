"""The webhook endpoint commands and queries in the care record, without the HTTP face."""

import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import select

from care import secrets
from care.db import session_scope
from care.delivery import webhooks
from care.errors import NotFound
from care.tables import AuditEvent, User


@dataclass
class Answer:
    """What a fake channel reports."""

    outcome: str
    status_code: int | None
    detail: str


def _actions(session, endpoint_id) -> list[str]:
    rows = session.exec(select(AuditEvent).where(AuditEvent.target_id == str(endpoint_id)))
    return sorted(row.action for row in rows)


def test_register_stores_the_secret_encrypted_and_audits(app, therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        endpoint, secret = webhooks.register(
            session, owner, url="https://example.org/hooks", description="app"
        )
        session.flush()
        assert secret.startswith("whsec_") and endpoint.secret != secret
        assert secrets.decrypt(endpoint.secret) == secret
        assert endpoint.active and endpoint.description == "app"
        assert _actions(session, endpoint.id) == ["webhook.create"]
        assert [e.id for e in webhooks.endpoints(session, owner)] == [endpoint.id]


def test_resume_clears_failing_and_remove_deletes_the_endpoint(app, therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        endpoint, _ = webhooks.register(session, owner, url="https://example.org/hooks")
        endpoint.failing, endpoint.consecutive_failures = True, 7
        paused = webhooks.update(session, owner, endpoint.id, active=False)
        assert not paused.active and paused.failing and paused.consecutive_failures == 7
        described = webhooks.update(session, owner, endpoint.id, description="new")
        assert described.description == "new" and not described.active
        resumed = webhooks.update(session, owner, endpoint.id, active=True)
        assert resumed.active and not resumed.failing and resumed.consecutive_failures == 0
        webhooks.remove(session, owner, endpoint.id)
        session.flush()
        assert _actions(session, endpoint.id) == [
            "webhook.create",
            "webhook.delete",
            *["webhook.update"] * 3,
        ]
        assert webhooks.endpoints(session, owner) == []
        with pytest.raises(NotFound):
            webhooks.update(session, owner, endpoint.id, active=True)


def test_a_ping_is_rate_limited_logged_and_deliveries_are_newest_first(app, therapist):
    from datetime import timedelta

    from care.errors import Conflict
    from care.types import utcnow
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        endpoint, secret = webhooks.register(session, owner, url="https://example.org/hooks")
        session.flush()
        assert webhooks.ping_target(session, owner, endpoint.id) == (
            endpoint.id,
            "https://example.org/hooks",
            secret,
        )
        session.flush()
        with pytest.raises(Conflict, match="30 seconds"):
            webhooks.ping_target(session, owner, endpoint.id)
        later = utcnow() + timedelta(seconds=31)
        assert webhooks.ping_target(session, owner, endpoint.id, now=later)[0] == endpoint.id
        webhooks.record_ping(session, endpoint.id, Answer("failed", 500, "x" * 600))
        session.flush()
        listed = webhooks.deliveries(session, owner, endpoint.id)
        assert listed[0].detail.startswith("ping: xxx") and len(listed[0].detail) == 500
        assert (listed[0].outcome, listed[0].status_code) == ("failed", 500)
        assert "webhook.ping" in _actions(session, endpoint.id)


def test_another_therapists_endpoint_is_not_found(app, therapist, other_therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        stranger = session.get(User, uuid.UUID(other_therapist.id))
        endpoint, _ = webhooks.register(session, owner, url="https://example.org/hooks")
        session.flush()
        calls = []
        for command in (
            lambda: webhooks.update(session, stranger, endpoint.id, active=False),
            lambda: webhooks.remove(session, stranger, endpoint.id),
            lambda: webhooks.ping_target(session, stranger, endpoint.id),
            lambda: webhooks.deliveries(session, stranger, endpoint.id),
            lambda: webhooks.own_endpoint(session, owner, uuid.uuid4()),
        ):
            with pytest.raises(NotFound, match="among yours"):
                command()
        assert calls == [] and endpoint.active
        assert webhooks.endpoints(session, stranger) == []
