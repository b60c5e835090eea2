"""Database engines and sessions for the care record (no Flask here)."""

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL with settings that suit each."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            # Errors name the statement but never its values: a client's note, an email or a
            # password hash must not reach a log line.
            hide_parameters=True,
            # Flask serves requests from several threads; each gets its own connection.
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", lambda *_: _private_files(engine.url.database))
        return engine
    # pre_ping lets a web worker recover on its own after the database restarts.
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the scheduler write while the web server reads; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, so an erased client's text does not linger in
    # free pages of the file (set explicitly: builds differ in their default).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _private_files(database: str | None) -> None:
    """The database and its WAL files readable by their owner only (like the backups)."""
    if not database or database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(database + suffix, 0o600)


def checkpoint(engine: Engine) -> None:
    """Fold SQLite's write-ahead log back into the database and empty it, so rows just
    deleted (an erasure) leave no copy in the WAL file. Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for CLI and background work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
