"""Liveness and readiness."""

from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from media.voice import availability
from service import db
from service.api import api
from service.api.schemas import Health


def hearth_version() -> str:
    """The installed package version."""
    try:
        return version("hearth")
    except PackageNotFoundError:
        return "0.0.0"


@api.operation(
    "GET",
    "/health",
    summary="Service health",
    tags=["health"],
    roles=None,
    response=Health,
    also={503: Health},
)
def health():
    """Reports whether the database answers, and the version. 503 when it does not."""
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        speech = availability()
        return Health(
            status="ok",
            version=hearth_version(),
            database="ok",
            speech="ok" if speech is None else "unavailable",
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
