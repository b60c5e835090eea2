"""Liveness and readiness."""

from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from care.types import utcnow
from media.speech.voices import availability
from service import db
from service.api import api
from service.api.framework import PUBLIC
from service.api.schemas import Health


def hearth_version() -> str:
    """The installed package version."""
    try:
        return version("hearth")
    except PackageNotFoundError:
        return "0.0.0"


def _last_beat():
    """The newest heartbeat of any scheduler process."""
    from sqlmodel import func, select

    from care.tables import SchedulerBeat

    return db.session().exec(select(func.max(SchedulerBeat.beat_at))).first()


def _scheduler_state(beat_at) -> str:
    # The runner beats every 15 s; a minute of silence means it stopped or hangs.
    if beat_at is None:
        return "not running"
    if beat_at.tzinfo is None:  # an aggregate comes back without the column's type on SQLite
        from datetime import UTC

        beat_at = beat_at.replace(tzinfo=UTC)
    return "ok" if utcnow() - beat_at < timedelta(minutes=1) else "stale"


@api.operation(
    "GET",
    "/health",
    summary="Service health",
    tags=["health"],
    roles=PUBLIC,
    response=Health,
    also={503: Health},
)
def health():
    """Reports whether the database answers, and the version. 503 when it does not."""
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        speech = availability()
        beat_at = _last_beat()
        return Health(
            status="ok",
            version=hearth_version(),
            database="ok",
            speech="ok" if speech is None else "unavailable",
            scheduler=_scheduler_state(beat_at),
            scheduler_beat_at=beat_at,
            detail=speech or "",
        )
    except SQLAlchemyError as error:
        return (
            Health(
                status="degraded",
                version=hearth_version(),
                database="unreachable",
                detail=f"the database does not answer: {type(error).__name__}",
            ),
            503,
        )
