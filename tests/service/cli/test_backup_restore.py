"""`hearth backup` and `hearth restore` of the embedded database and the media store.

Backup and restore cover SQLite only (PostgreSQL has pg_dump), so these tests run on SQLite:
they parametrize the `database_url` fixture with just its "sqlite" id."""

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select

from care.db import make_engine
from care.tables import CheckIn
from media.store import MediaStore
from service.app import create_app
from service.settings import load
from tests.conftest import make_person, settings_env

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _db_path(app) -> Path:
    return Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup(app, target: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "backed up the database" in result.output
    (made,) = target.glob("hearth-backup-*")
    return made


def _refusal(result) -> str:
    """The one line a refused command printed."""
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def _put_media(app) -> dict[str, bytes]:
    store: MediaStore = app.extensions["hearth.media_store"]
    files = {}
    for n, ext in enumerate(("wav", "vtt")):
        key = MediaStore.key(test=n)
        data = bytes(range(256)) * (n + 3)
        store.put_bytes(key, ext, data)
        files[f"{key}.{ext}"] = data
    # A render in progress and a lock file: bookkeeping, not media.
    (store.root / f".tmp-{key}.x.wav").write_bytes(b"half a render")
    with store.lock(key):
        pass
    return files


@sqlite_only
def test_backup_while_writing_is_consistent_and_holds_every_committed_row(
    app, therapist, patient, tmp_path
):
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_checking_in():
        client = app.test_client()
        for _ in range(5000):  # bounded, whatever happens
            if stop.is_set():
                return
            response = client.post(
                "/api/v1/me/checkins", headers=patient.headers, json={"distress": 3}
            )
            assert response.status_code == 201, response.json
            acknowledged.append(response.json["id"])

    writer = threading.Thread(target=keep_checking_in, daemon=True)
    writer.start()
    try:
        while len(acknowledged) < 20 and writer.is_alive():
            stop.wait(0.01)
        committed_before = list(acknowledged)
        backup = _backup(app, tmp_path / "backups")
        assert writer.is_alive()  # the writes really went on around the backup
    finally:
        stop.set()
        writer.join(timeout=30)
    assert len(acknowledged) > len(committed_before)

    copy = backup / "hearth.db"
    with sqlite3.connect(copy) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not Path(f"{copy}-wal").exists()  # self-contained
    engine = make_engine(f"sqlite:///{copy}")
    with Session(engine) as session:
        saved = {str(i) for i in session.exec(select(CheckIn.id))}
    engine.dispose()
    assert set(committed_before) <= saved


@sqlite_only
def test_restore_into_a_fresh_instance_brings_back_accounts_clients_and_media(
    app, client, therapist, patient, tmp_path
):
    make_person(app, "client", "kim@example.org", therapist=therapist, sign_in=False)
    clients_before = client.get("/api/v1/clients", headers=therapist.headers).json["items"]
    media = _put_media(app)
    backup = _backup(app, tmp_path / "backups")
    listed = sorted(p.name for p in (backup / "media").iterdir())
    assert listed == sorted(media)  # no temporaries, no locks

    fresh_dir = tmp_path / "fresh"
    fresh = create_app(
        load(settings_env(fresh_dir, f"sqlite:///{fresh_dir / 'instance' / 'hearth.db'}")),
        testing=True,
    )
    result = fresh.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "restored the database" in result.output and "2 media files" in result.output

    browser = fresh.test_client()
    token = browser.post(
        "/api/v1/auth/token", json={"email": therapist.email, "password": therapist.password}
    )
    assert token.status_code == 201
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    clients_after = browser.get("/api/v1/clients", headers=headers).json["items"]
    assert [c["id"] for c in clients_after] == [c["id"] for c in clients_before]
    assert [c["display_name"] for c in clients_after] == [c["display_name"] for c in clients_before]
    for name, data in media.items():
        assert (fresh_dir / "instance" / "media" / name).read_bytes() == data
    fresh.extensions["hearth.engine"].dispose()


@sqlite_only
@pytest.mark.parametrize("damaged", ["hearth.db", "media"])
def test_a_damaged_backup_is_refused_and_the_database_is_untouched(
    app, therapist, tmp_path, damaged
):
    _put_media(app)
    backup = _backup(app, tmp_path / "backups")
    victim = backup / damaged if damaged == "hearth.db" else next((backup / "media").iterdir())
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    app.extensions["hearth.engine"].dispose()
    target = _db_path(app)
    before = _digest(target)
    siblings = sorted(p.name for p in target.parent.iterdir())

    line = _refusal(app.test_cli_runner().invoke(args=["restore", "--force", str(backup)]))
    assert "does not match its checksum" in line and "nothing was restored" in line
    assert _digest(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == siblings


@sqlite_only
def test_restore_refuses_an_existing_database_then_replaces_it_with_force(
    app, client, therapist, tmp_path
):
    backup = _backup(app, tmp_path / "backups")
    make_person(app, "therapist", "later@example.org", sign_in=False)  # after the backup
    runner = app.test_cli_runner()
    line = _refusal(runner.invoke(args=["restore", str(backup)]))
    assert "already exists" in line and "--force" in line

    # The app still has the database open: replacing it under a live process is refused.
    assert client.get("/api/v1/me", headers=therapist.headers).status_code == 200
    line = _refusal(runner.invoke(args=["restore", "--force", str(backup)]))
    assert "in use" in line

    app.extensions["hearth.engine"].dispose()  # the service is stopped
    result = runner.invoke(args=["restore", "--force", str(backup)])
    assert result.exit_code == 0, result.output
    assert "kept as" in result.output
    later = client.post(
        "/api/v1/auth/token",
        json={"email": "later@example.org", "password": "a-long-test-password"},
    )
    assert later.status_code == 401  # the account made after the backup is gone
    assert client.get("/api/v1/me", headers=therapist.headers).status_code == 200
    (aside,) = _db_path(app).parent.glob("hearth.db.before-restore-*")
    with sqlite3.connect(aside) as raw:
        assert raw.execute("SELECT count(*) FROM users").fetchone()[0] == 2


@sqlite_only
def test_bad_input_gives_one_clear_line(app, tmp_path):
    runner = app.test_cli_runner()
    line = _refusal(runner.invoke(args=["restore", str(tmp_path / "nowhere")]))
    assert "no backup folder" in line
    (tmp_path / "empty").mkdir()
    line = _refusal(runner.invoke(args=["restore", str(tmp_path / "empty")]))
    assert "not a hearth backup" in line
    backup = _backup(app, tmp_path / "backups")
    (backup / "manifest.json").write_text("{ not json")
    line = _refusal(runner.invoke(args=["restore", "--force", str(backup)]))
    assert "damaged" in line


def test_postgresql_is_refused_with_a_pointer_to_pg_dump(tmp_path):
    app = create_app(
        load(settings_env(tmp_path, "postgresql://hearth@127.0.0.1:9/nowhere")),
        testing=True,
    )
    for args in (["backup", str(tmp_path / "b")], ["restore", str(tmp_path / "b")]):
        line = _refusal(app.test_cli_runner().invoke(args=args))
        assert "pg_dump" in line
    assert not (tmp_path / "b").exists()
