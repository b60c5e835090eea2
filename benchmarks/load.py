"""Load on the hot endpoints, on loopback, against a bare Flask endpoint in the same run.

Run: .venv/bin/python benchmarks/load.py [--clients 50] [--requests 20] [--workers 4]

It starts its own PostgreSQL server (tests/pg.py, 127.0.0.1), migrates and seeds it (one
therapist, one signed-in client per simulated user, an assignment, an open prompt, the audio
rendered once), then serves hearth (wsgi:app) and the bare app (benchmarks/bare_app.py) with the
same gunicorn settings on free loopback ports. Each scenario runs `--clients` concurrent users,
each making `--requests` requests (bounded), and reports requests/s, p50 and p99 latency, and
the throughput ratio to the bare endpoint. The issue's target: at least 0.5x the bare endpoint,
p99 under 50 ms at 50 concurrent users. Results go in docs/benchmarks.md by hand.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PRACTICE = "self-compassion-break"
LEVEL = 1


def free_port() -> int:
    """A free loopback port."""
    from tests.pg import free_port as pick

    return pick()


def seed(url: str, users: int) -> list[dict]:
    """One therapist and `users` clients with a token, an assignment and an open prompt."""
    import uuid
    from datetime import timedelta

    from care.accounts import tokens
    from care.accounts import users as accounts
    from care.clients import commands as clients
    from care.db import make_engine, session_scope
    from care.schemas import ClientCreate
    from care.schemas.practice import AssignmentCreate
    from care.tables import Prompt
    from care.types import utcnow
    from practices import default_library

    engine = make_engine(url)
    people = []
    library = default_library()
    with session_scope(engine) as session:
        therapist = accounts.create_user(
            session, email="load-therapist@example.org", role="therapist", name="T"
        )
        session.flush()
        from care.assignments import commands as assignments

        for n in range(users):
            user = accounts.create_user(
                session, email=f"load-{n}@example.org", role="client", name=f"C{n}"
            )
            client, _ = clients.create_client(
                session, therapist, ClientCreate(display_name=f"C{n}", timezone="Europe/Berlin")
            )
            client.user_id = user.id
            session.add(client)
            assignment = assignments.create(
                session, library, therapist, client, AssignmentCreate(practice_id=PRACTICE)
            )
            session.flush()
            now = utcnow()
            session.add(
                Prompt(
                    client_id=client.id,
                    assignment_id=assignment.id,
                    slot="load",
                    scheduled_at=now - timedelta(minutes=1),
                    expires_at=now + timedelta(hours=6),
                    practice_id=PRACTICE,
                    level=LEVEL,
                    idempotency_key=uuid.uuid4().hex,
                    status="sent",
                    sent_at=now,
                )
            )
            secret, _ = tokens.issue(session, user, ttl=timedelta(hours=6))
            people.append({"token": secret, "assignment": str(assignment.id)})
    engine.dispose()
    return people


def prepare(server, name: str) -> tuple[str, dict]:
    """A migrated database on `server` and the environment hearth runs with for this run (also
    put into this process's environment, for the seeding)."""
    from care import migrate
    from care.db import make_engine

    url = server.create_database(f"hearth_{name}")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    instance = Path(tempfile.mkdtemp(prefix=f"hearth-{name}-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HEARTH_INSTANCE_DIR": str(instance),
        "HEARTH_MEDIA_DIR": str(instance / "media"),
        "HEARTH_SECRET_KEY": f"{name}-benchmark-secret-key-0123456789abcdef",
        "HEARTH_LOG_LEVEL": "WARNING",
        "HEARTH_BASE_URL": "http://127.0.0.1",
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith(("HEARTH_", "DATA"))})
    return url, env


def serve(app: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    """gunicorn with the settings both sides share."""
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health" if "wsgi" in app else "/bare")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start on port {port}")


def _one_user(port: int, person: dict, scenario: str, requests: int) -> list[float]:
    """One simulated user on one keep-alive connection; returns latencies in seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {person.get('token', '')}"}
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        if scenario == "bare":
            statuses = [_get(connection, "/bare", {})]
        elif scenario == "inbox":
            statuses = [_get(connection, "/api/v1/me/prompts", headers)]
        elif scenario == "script":
            url = f"/api/v1/practices/{PRACTICE}/script?level={LEVEL}&format=html"
            statuses = [_get(connection, url, headers)]
        elif scenario == "audio (cached, 64 KiB range)":
            url = f"/api/v1/practices/{PRACTICE}/audio?level={LEVEL}&format=mp3"
            statuses = [_get(connection, url, {**headers, "Range": "bytes=0-65535"})]
        else:  # a practice: start and finish, two requests
            body = {"assignment_id": person["assignment"], "pre_distress": 4}
            status, started_body = _post(connection, "/api/v1/me/sessions", headers, body)
            statuses = [status]
            if status == 201:
                url = f"/api/v1/me/sessions/{started_body['id']}/finish"
                statuses.append(_post(connection, url, headers, {"post_distress": 3})[0])
        latencies.append(time.perf_counter() - started)
        bad = [s for s in statuses if s not in (200, 201, 206)]
        if bad:
            raise RuntimeError(f"{scenario}: HTTP {bad[0]}")
    connection.close()
    return latencies


def _get(connection, url: str, headers: dict) -> int:
    connection.request("GET", url, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def _post(connection, url: str, headers: dict, body: dict):
    data = json.dumps(body)
    connection.request(
        "POST", url, body=data, headers={**headers, "Content-Type": "application/json"}
    )
    response = connection.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {})


def _user_batch(args) -> list[float]:
    port, people, scenario, requests = args
    with ThreadPoolExecutor(len(people)) as pool:
        runs = pool.map(lambda p: _one_user(port, p, scenario, requests), people)
        return [x for run in runs for x in run]


LOAD_PROCESSES = 4


def _warm(_n: int) -> int:
    return os.getpid()


def drive(pool, port: int, people: list[dict], scenario: str, requests: int) -> dict:
    """All users at once from the load processes (so the client side is not the bottleneck)."""
    batches = [people[n::LOAD_PROCESSES] for n in range(LOAD_PROCESSES)]
    started = time.perf_counter()
    parts = pool.map(_user_batch, [(port, b, scenario, requests) for b in batches if b], 1)
    seconds = time.perf_counter() - started
    latencies = sorted(x for part in parts for x in part)
    count = len(latencies)
    calls = count * (2 if scenario.startswith("practice") else 1)
    return {
        "scenario": scenario,
        "requests": calls,
        "rate": calls / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000,
    }


def main() -> int:
    """Start PostgreSQL and both servers, run the scenarios, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per user and scenario")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()

    from tests.pg import PostgresServer

    server = PostgresServer().start()
    processes: list[subprocess.Popen] = []
    try:
        url, env = prepare(server, "load")
        people = seed(url, args.clients)
        hearth_port, bare_port = free_port(), free_port()
        processes.append(serve("wsgi:app", hearth_port, env, args.workers))
        processes.append(serve("benchmarks.bare_app:app", bare_port, env, args.workers))
        # Render the audio once, so the audio scenario measures the cached path.
        _one_user(hearth_port, people[0], "audio (cached, 64 KiB range)", 1)
        print(
            f"{args.clients} concurrent users x {args.requests} requests each, gunicorn "
            f"{args.workers} workers x 4 threads, PostgreSQL on loopback, "
            f"{len(os.sched_getaffinity(0))} CPUs, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        pool = get_context("spawn").Pool(LOAD_PROCESSES)
        try:
            pool.map(_warm, range(LOAD_PROCESSES * 4), 1)  # imports done before timing
            rows = [drive(pool, bare_port, people, "bare", args.requests)]
            for scenario in (
                "inbox",
                "script",
                "audio (cached, 64 KiB range)",
                "practice (start + finish)",
            ):
                rows.append(drive(pool, hearth_port, people, scenario, args.requests))
                print(f"  {scenario}: done", flush=True)
        finally:
            pool.close()
            pool.join()
        reference = rows[0]["rate"]
        print()
        print("| endpoint | requests | requests/s | vs bare | p50 | p99 |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            print(
                f"| {row['scenario']} | {row['requests']:,} | {row['rate']:,.0f} "
                f"| {row['rate'] / reference:.2f}x | {row['p50_ms']:.1f} ms "
                f"| {row['p99_ms']:.1f} ms |"
            )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
