"""Records made directly in the care record for tests, where no API makes them (a prompt the
dispatcher would have sent)."""

import uuid
from datetime import timedelta

from care.db import session_scope
from care.tables import Prompt
from care.types import utcnow
from care.vocab import PromptStatus


def sent_prompt(
    app,
    client_id: str,
    assignment_id: str,
    slot: str = "test-slot",
    *,
    practice_id: str = "watching-kindness",
    level: int = 1,
) -> uuid.UUID:
    """A prompt sent a minute ago and open for another hour, as the dispatcher leaves it (at
    level 1, the lukewarm entry practice)."""
    from service import db

    now = utcnow()
    with app.app_context(), session_scope(db.engine()) as session:
        prompt = Prompt(
            client_id=uuid.UUID(client_id),
            assignment_id=uuid.UUID(assignment_id),
            slot=slot,
            scheduled_at=now - timedelta(minutes=1),
            expires_at=now + timedelta(hours=1),
            practice_id=practice_id,
            level=level,
            idempotency_key=uuid.uuid4().hex,
            status=PromptStatus.SENT,
            sent_at=now - timedelta(minutes=1),
        )
        session.add(prompt)
        session.flush()
        return prompt.id


def due_prompt_row(client_id: uuid.UUID, assignment_id: uuid.UUID, n: int, now, **fields) -> dict:
    """A planned prompt as a plain row for a bulk insert: the n-th slot, due a minute before
    `now` and open for two hours."""
    return {
        "id": uuid.uuid4(),
        "client_id": client_id,
        "assignment_id": assignment_id,
        "slot": f"slot-{n}",
        "scheduled_at": now - timedelta(minutes=1),
        "expires_at": now + timedelta(hours=2),
        "practice_id": "watching-kindness",
        "level": 1,
        "idempotency_key": uuid.uuid4().hex,
        "status": PromptStatus.PLANNED,
        "attempts": 0,
        "substituted": False,
        "claimed_by": "",
        "last_error": "",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
