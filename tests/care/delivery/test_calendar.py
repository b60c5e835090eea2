"""The calendar feed commands and queries in the care record, without the HTTP face."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from care.db import session_scope
from care.delivery import calendar as feeds
from care.errors import NotFound
from care.tables import CalendarFeed, Prompt
from care.types import utcnow
from care.vocab import PromptStatus
from tests.service.web.test_client_pages import assign


def test_a_new_feed_revokes_the_earlier_one_and_stores_only_a_hash(app, patient):
    from service import db

    client_id = uuid.UUID(patient.client_id)
    with app.app_context(), session_scope(db.engine()) as session:
        first = feeds.create_feed(session, client_id)
        session.flush()
        assert feeds.feed_by_token(session, first).client_id == client_id
        second = feeds.create_feed(session, client_id)
        session.flush()
        assert second != first and len(second) >= 40
        with pytest.raises(NotFound, match="does not work any more"):
            feeds.feed_by_token(session, first)
        assert feeds.feed_by_token(session, second).client_id == client_id
        stored = {feed.token_hash for feed in session.exec(select(CalendarFeed))}
        assert stored == {feeds.token_hash(first), feeds.token_hash(second)}
        assert first not in stored and second not in stored


def test_turning_the_feed_off_stops_every_url(app, patient):
    from service import db

    client_id = uuid.UUID(patient.client_id)
    with app.app_context(), session_scope(db.engine()) as session:
        token = feeds.create_feed(session, client_id)
        session.flush()
        feeds.revoke_feeds(session, client_id)
        session.flush()
        with pytest.raises(NotFound):
            feeds.feed_by_token(session, token)
        with pytest.raises(NotFound):
            feeds.feed_by_token(session, "not-a-token")


def test_the_calendar_shows_pending_prompts_from_a_day_back_in_order(
    app, client, therapist, patient
):
    from service import db

    assignment_id = uuid.UUID(assign(client, therapist, patient))
    client_id = uuid.UUID(patient.client_id)
    now = utcnow()
    cases = [  # (slot, hours from now, status, on the calendar)
        ("cal-later", 30, PromptStatus.PLANNED, True),
        ("cal-open", -2, PromptStatus.OPENED, True),
        ("cal-done", 1, PromptStatus.COMPLETED, False),
        ("cal-cancelled", 2, PromptStatus.CANCELLED, False),
        ("cal-too-old", -25, PromptStatus.SENT, False),
        ("cal-soon", 3, PromptStatus.SENDING, True),
    ]
    with app.app_context(), session_scope(db.engine()) as session:
        for slot, hours, status, _ in cases:
            at = now + timedelta(hours=hours)
            session.add(
                Prompt(
                    client_id=client_id,
                    assignment_id=assignment_id,
                    slot=slot,
                    scheduled_at=at,
                    expires_at=at + timedelta(hours=1),
                    practice_id="watching-kindness",
                    level=1,
                    idempotency_key=uuid.uuid4().hex,
                    status=status,
                )
            )
        session.flush()
        shown = [
            p.slot
            for p in feeds.upcoming_prompts(session, client_id, now)
            if p.slot.startswith("cal-")
        ]
    assert shown == ["cal-open", "cal-soon", "cal-later"]
