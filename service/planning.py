"""Re-plan a client's prompts right after a change, so a new schedule, dose or hold shows at
once instead of at the scheduler's next planning pass."""

import logging

from flask import has_app_context

from care.tables import Client
from service import db
from service.library import library

log = logging.getLogger("hearth.planning")


def replan(client: Client) -> None:
    """Plan this client now; a failure is logged and left to the scheduler's next pass."""
    from scheduler.planner import plan_client

    if not has_app_context():
        return
    session = db.session()
    try:
        plan_client(session, library(), client)
        session.commit()
    except Exception:
        session.rollback()
        log.exception(
            "re-planning failed; the scheduler will plan at its next pass",
            extra={"client": str(client.id)},
        )
