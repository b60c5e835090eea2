"""On a real PostgreSQL server: a dispatcher killed with SIGKILL midway loses nothing, and two
dispatchers at once send nothing twice. Deliveries go to a real loopback webhook receiver that
checks every signature with the documented algorithm."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlmodel import Session, select

from care import secrets
from care.db import make_engine
from care.tables import Assignment, Client, Prompt, User, WebhookEndpoint
from care.vocab import PromptStatus
from tests.conftest import BACKENDS, SECRET, _truncate
from tests.records import due_prompt_row
from tests.scheduler.receiver import WebhookReceiver

pytestmark = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="the crash and concurrency tests need PostgreSQL"
)
ROOT = Path(__file__).resolve().parents[3]
WEBHOOK_SECRET = "whsec_test_secret_for_the_crash_test"


@pytest.fixture
def pg_url(postgres):
    """The session's PostgreSQL database, emptied."""
    _server, url = postgres
    _truncate(url)
    return url


def _seed(url: str, count: int, receiver_url: str) -> set[str]:
    """A therapist, 20 clients with one assignment each, `count` due prompts, one endpoint."""
    secrets.configure(SECRET)
    engine = make_engine(url)
    now = datetime.now(UTC)
    keys = set()
    with Session(engine) as session:
        therapist = User(email="t@example.org", role="therapist")
        session.add(therapist)
        session.flush()
        session.add(
            WebhookEndpoint(
                therapist_id=therapist.id, url=receiver_url, secret=secrets.encrypt(WEBHOOK_SECRET)
            )
        )
        assignments = []
        for n in range(20):
            client = Client(therapist_id=therapist.id, display_name=f"C{n}", timezone="UTC")
            session.add(client)
            session.flush()
            assignment = Assignment(
                client_id=client.id,
                therapist_id=therapist.id,
                practice_id="watching-kindness",
                schedule="{}",
            )
            session.add(assignment)
            session.flush()
            assignments.append(assignment)
        rows = []
        for n in range(count):
            assignment = assignments[n % 20]
            row = due_prompt_row(assignment.client_id, assignment.id, n, now)
            keys.add(row["idempotency_key"])
            rows.append(row)
        session.execute(insert(Prompt), rows)
        session.commit()
    engine.dispose()
    return keys


def _worker(url: str, name: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.dispatch.worker", url, SECRET, name, "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM prompts GROUP BY status"))
        result = {status: count for status, count in rows}
    engine.dispose()
    return result


def _sent_keys(url: str) -> set[str]:
    engine = make_engine(url)
    with Session(engine) as session:
        keys = set(
            session.exec(select(Prompt.idempotency_key).where(Prompt.status == PromptStatus.SENT))
        )
    engine.dispose()
    return keys


def test_a_killed_dispatcher_loses_nothing(pg_url):
    with WebhookReceiver(WEBHOOK_SECRET, max_requests=10_000) as receiver:
        keys = _seed(pg_url, 2000, receiver.url)
        first = _worker(pg_url, "doomed")
        deadline = time.monotonic() + 60
        while len(receiver.requests) < 600 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        first.stdout.close()
        seen_at_kill = len(receiver.requests)
        assert 0 < seen_at_kill < 2000, "the kill must land midway"
        second = _worker(pg_url, "survivor")
        output = second.communicate(timeout=150)[0].decode()
        assert second.returncode == 0, output[-2000:]
        assert _statuses(pg_url) == {PromptStatus.SENT: 2000}
        assert _sent_keys(pg_url) == keys
        # Every prompt reached the receiver, each signature verified, and every key was
        # processed once: a redelivery after the kill carries the same key, so the receiver
        # recognises it instead of processing it twice.
        assert all(r.valid for r in receiver.requests)
        processed = set(receiver.keys_processed)
        assert processed == keys
        redelivered = receiver.duplicates()
        assert len(redelivered) <= 25  # at most the batch that was in flight at the kill


def test_two_dispatchers_at_once_send_nothing_twice(pg_url):
    with WebhookReceiver(WEBHOOK_SECRET, max_requests=10_000) as receiver:
        keys = _seed(pg_url, 1000, receiver.url)
        workers = [_worker(pg_url, "left"), _worker(pg_url, "right")]
        outputs = [w.communicate(timeout=150)[0].decode() for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        assert _statuses(pg_url) == {PromptStatus.SENT: 1000}
        assert len(receiver.requests) == 1000 and receiver.duplicates() == []
        assert set(receiver.keys_processed) == keys
