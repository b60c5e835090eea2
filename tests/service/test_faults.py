"""Faults from outside: the database restarting under traffic, the media disk filling up during
a render. The service must recover on its own, lose nothing it acknowledged, and leave no half
files. (The scheduler killed mid-send is the crash test in tests/scheduler/test_crash.py.)"""

import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from care.db import session_scope
from care.tables import CheckIn
from service.app import create_app
from service.settings import load
from tests.conftest import make_person, settings_env


def test_postgresql_restart_during_traffic_loses_no_acknowledged_report(
    request, app, therapist, patient, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("a database server restart is a PostgreSQL matter")
    server, _url = request.getfixturevalue("postgres")
    acknowledged: list[str] = []
    refused: list[tuple[int, str, str | None]] = []
    stop = threading.Event()
    restarted_at: list[float] = []
    recovered_at: list[float] = []

    def traffic():
        client = app.test_client()
        sent = 0
        while not stop.is_set() and sent < 2000:  # bounded, whatever happens
            sent += 1
            response = client.post(
                "/api/v1/me/checkins", headers=patient.headers, json={"distress": 3}
            )
            if response.status_code == 201:
                acknowledged.append(response.json["id"])
                if restarted_at and not recovered_at:
                    recovered_at.append(time.monotonic())
            else:
                refused.append(
                    (response.status_code, response.mimetype, response.headers.get("Retry-After"))
                )
            time.sleep(0.01)

    workers = [threading.Thread(target=traffic) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= 20, f"no traffic before the restart: {refused[:3]}"
        server.restart()
        restarted_at.append(time.monotonic())
        deadline = time.monotonic() + 30
        while not recovered_at and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a little traffic after recovery too
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert recovered_at, "the service did not recover within 30 s of the database restart"
    assert recovered_at[0] - restarted_at[0] < 10
    # Refusals during the restart are 503 problems with a time to come back, never 500s.
    assert all(status == 503 for status, _, _ in refused), refused[:5]
    assert all(kind == "application/problem+json" for _, kind, _ in refused)
    assert all(retry == "5" for _, _, retry in refused)
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        stored = {str(row) for row in session.exec(select(CheckIn.id))}
    lost = set(acknowledged) - stored
    assert not lost, f"{len(lost)} acknowledged check-ins are missing"


@pytest.fixture
def tiny_media_dir(tmp_path):
    """A 256 KiB tmpfs as the media store: a practice's audio cannot fit."""
    target = tmp_path / "tiny-media"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_full_media_disk_answers_503_and_leaves_no_partial_files(
    database_url, tmp_path, tiny_media_dir
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the media store does not depend on the database; once is enough")
    env = settings_env(tmp_path, database_url, HEARTH_MEDIA_DIR=str(tiny_media_dir))
    app = create_app(load(env), testing=True)
    try:
        therapist = make_person(app, "therapist", "rowan@example.org")
        client = app.test_client()
        before = _files(tiny_media_dir)
        response = client.get(
            "/api/v1/practices/self-compassion-break/audio?level=3&format=wav",
            headers=therapist.headers,
        )
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/problem+json"
        assert "space" in response.json["detail"] or "disk" in response.json["detail"]
        leftovers = [p for p in _files(tiny_media_dir) if p not in before]
        # Only whole files may stay (small captions or locks); never a partial audio file.
        for path in leftovers:
            assert not path.name.endswith((".wav", ".mp3", ".ogg")), path
            assert ".tmp" not in path.name and not path.name.startswith("."), path
        # The text script still works while the disk is full.
        script = client.get(
            "/api/v1/practices/self-compassion-break/script?level=3", headers=therapist.headers
        )
        assert script.status_code == 200
    finally:
        app.extensions["hearth.engine"].dispose()
