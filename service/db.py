"""The care database inside Flask: one engine per app, one session per request."""

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from care.db import make_engine, normalise_url


def init_app(app: Flask) -> None:
    """Create the engine from the settings and close each request's session at teardown."""
    url = normalise_url(app.config["DATABASE_URL"])
    if url.startswith("sqlite:///"):
        # The embedded database lives in the instance folder; make sure the folder exists.
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.extensions["hearth.engine"] = make_engine(url)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The app's engine."""
    return current_app.extensions["hearth.engine"]


def session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        # Anything a view did not commit explicitly is rolled back here.
        db_session.close()
