"""Shared fixtures in the flaskr style: `app`, `client`, `runner`, plus signed-in helpers.

Every test that uses `app` runs twice: on SQLite and on a real PostgreSQL server that this test
run starts itself. HEARTH_TEST_BACKENDS=sqlite (or postgresql) narrows it for local work.
"""

import os
import shutil
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from care import migrate
from care.db import make_engine, session_scope
from service.app import create_app
from service.settings import load
from tests.pg import PostgresServer

# Timings belong in benchmarks/, never in asserts: generated cases have no deadline and a busy
# machine's slow generation is not a failure.
settings.register_profile("hearth", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hearth")

BACKENDS = [
    b.strip()
    for b in os.environ.get("HEARTH_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server with a migrated database."""
    server = PostgresServer().start()
    try:
        url = server.create_database("hearth_test")
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield server, url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies (copying beats migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "hearth.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    _server, url = request.getfixturevalue("postgres")
    _truncate(url)
    return url


def finish(app) -> None:
    """End a test app: first let hearth's background threads (emails, webhook tests) finish,
    so none opens a connection after the engine is gone; then dispose of the engine."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("hearth-") and thread is not threading.current_thread():
            thread.join(timeout=15)
    app.extensions["hearth.engine"].dispose()


def settings_env(tmp_path, database_url: str, **extra) -> dict:
    """The environment a test app runs with (isolated from the developer's own)."""
    env = {
        "HEARTH_INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "HEARTH_SECRET_KEY": SECRET,
        "HEARTH_LOG_LEVEL": "WARNING",
        "HEARTH_BASE_URL": "http://hearth.test",
        # The smallest argon2id cost keeps sign-ups fast in tests; production keeps 3 x 64 MiB.
        "HEARTH_ARGON2_TIME_COST": "1",
        "HEARTH_ARGON2_MEMORY_KIB": "1024",
        # The suite's webhook receivers listen on loopback over http (tests/scheduler/receiver.py);
        # the SSRF tests build apps without these.
        "HEARTH_WEBHOOK_ALLOW_HTTP": "1",
        "HEARTH_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    env.update(extra)
    return env


@pytest.fixture
def app(database_url, tmp_path):
    """An app on a fresh database."""
    app = create_app(load(settings_env(tmp_path, database_url)), testing=True)
    yield app
    finish(app)


@pytest.fixture
def smtp_inbox():
    """A recording SMTP server on loopback for one test: (controller, inbox)."""
    from tests import mail

    controller, inbox = mail.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def mailing_app(database_url, tmp_path):
    """An app that sends email to a recording SMTP server on loopback: (app, inbox)."""
    from tests import mail

    controller, inbox = mail.start()
    env = settings_env(tmp_path, database_url, **mail.smtp_env(controller))
    app = create_app(load(env), testing=True)
    try:
        yield app, inbox
    finally:
        finish(app)
        controller.stop()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@dataclass
class Person:
    """A user in a test, with the password and (after sign-in) a bearer token."""

    id: str
    email: str
    password: str
    role: str
    token: str = ""
    client_id: str | None = None

    @property
    def headers(self) -> dict:
        """Authorization headers for the API."""
        return {"Authorization": f"Bearer {self.token}"}


def make_person(
    app,
    role: str,
    email: str,
    *,
    therapist: "Person | None" = None,
    password: str = "a-long-test-password",
    timezone: str = "Europe/Berlin",
    sign_in: bool = True,
) -> Person:
    """Create a user directly in the care record (and a client record for clients)."""
    from care.accounts import users as accounts
    from care.clients import commands as clients
    from care.schemas import ClientCreate
    from care.tables import User

    with app.app_context():
        from service import db

        with session_scope(db.engine()) as session:
            user = accounts.create_user(
                session, email=email, role=role, name=email.split("@")[0], password=password
            )
            client_id = None
            if role == "client":
                owner = session.get(User, __import__("uuid").UUID(therapist.id))
                record, _ = clients.create_client(
                    session,
                    owner,
                    ClientCreate(display_name=email.split("@")[0], timezone=timezone),
                )
                record.user_id = user.id
                session.add(record)
                session.flush()
                client_id = str(record.id)
            person = Person(str(user.id), email, password, role, client_id=client_id)
    if sign_in:
        response = app.test_client().post(
            "/api/v1/auth/token", json={"email": email, "password": password}
        )
        assert response.status_code == 201, response.json
        person.token = response.json["token"]
    return person


@pytest.fixture
def therapist(app) -> Person:
    """A signed-in therapist."""
    return make_person(app, "therapist", "rowan@example.org")


@pytest.fixture
def other_therapist(app) -> Person:
    """A second therapist, for tenancy tests."""
    return make_person(app, "therapist", "alex@example.org")


@pytest.fixture
def patient(app, therapist) -> Person:
    """A signed-in client of `therapist` (named patient to keep `client` for the test client)."""
    return make_person(app, "client", "sam@example.org", therapist=therapist)


@pytest.fixture
def admin(app) -> Person:
    """A signed-in admin."""
    return make_person(app, "admin", "ada@example.org")


def pytest_terminal_summary(terminalreporter):
    """Say plainly how many tests ran on each database backend."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            for backend in BACKENDS:
                if (
                    f"[{backend}" in report.nodeid
                    or f"-{backend}]" in report.nodeid
                    or (f"-{backend}-" in report.nodeid)
                ):
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    if counts:
        terminalreporter.section("database backends")
        for backend, tally in counts.items():
            text = ", ".join(f"{n} {outcome}" for outcome, n in tally.items())
            terminalreporter.write_line(f"{backend}: {text}")
