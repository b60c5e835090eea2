"""The webhook endpoint commands and queries in the care record, without the HTTP face."""

import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import select

from care.db import session_scope
from care.delivery import secrets, webhooks
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


def test_resume_clears_failing_and_remove_keeps_the_endpoint(app, therapist):
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
        removed = webhooks.remove(session, owner, endpoint.id)
        session.flush()
        assert not removed.active
        assert _actions(session, endpoint.id) == ["webhook.create", "webhook.delete"]
        assert [e.id for e in webhooks.endpoints(session, owner)] == [endpoint.id]


def test_ping_logs_the_answer_and_deliveries_are_newest_first(app, therapist):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        endpoint, secret = webhooks.register(session, owner, url="https://example.org/hooks")
        session.flush()
        seen = []

        def send(url, key):
            seen.append((url, key))
            return Answer("failed", 500, "x" * 600)

        first = webhooks.ping(session, owner, endpoint.id, send)
        second = webhooks.ping(session, owner, endpoint.id, lambda u, k: Answer("ok", 200, ""))
        session.flush()
        assert seen == [("https://example.org/hooks", secret)]
        assert first.detail.startswith("ping: xxx") and len(first.detail) == 500
        assert (first.outcome, first.status_code, first.channel) == ("failed", 500, "webhook")
        assert (second.outcome, second.detail) == ("ok", "ping: ")
        listed = webhooks.deliveries(session, owner, endpoint.id)
        assert [row.id for row in listed] == [second.id, first.id]


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
            lambda: webhooks.ping(session, stranger, endpoint.id, lambda *a: calls.append(a)),
            lambda: webhooks.deliveries(session, stranger, endpoint.id),
            lambda: webhooks.own_endpoint(session, owner, uuid.uuid4()),
        ):
            with pytest.raises(NotFound, match="among yours"):
                command()
        assert calls == [] and endpoint.active
        assert webhooks.endpoints(session, stranger) == []
