"""After erasure nothing of the client stays readable: not in the database file or its WAL
(secure_delete, a checkpoint), not in the rendered captions and timelines; and the embedded
database's files are readable by their owner only."""

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

NAME = "Zebulonia"


def _sqlite_path(app) -> Path | None:
    url = app.config["HEARTH_SETTINGS"].database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None


def test_the_embedded_database_is_private_and_deletes_securely(app, client, therapist):
    path = _sqlite_path(app)
    if path is None:
        pytest.skip("file modes and pragmas are SQLite matters")
    client.get("/api/v1/me", headers=therapist.headers)
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            assert stat.S_IMODE(candidate.stat().st_mode) == 0o600, candidate
    from service import db

    with app.app_context(), db.engine().connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_an_erased_clients_words_are_gone_from_database_wal_and_media(
    app, client, therapist, patient
):
    headers = therapist.headers
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=headers,
        json={"script_name": NAME, "touch_alternative": "a warm Quokkamug"},
    )
    captions = client.get(
        "/api/v1/practices/watching-kindness/captions.vtt?level=1", headers=patient.headers
    )
    assert captions.status_code == 200 and NAME in captions.get_data(as_text=True)
    captions.close()
    media_dir = app.config["HEARTH_SETTINGS"].media_dir
    assert any(NAME.encode() in f.read_bytes() for f in Path(media_dir).rglob("*") if f.is_file())
    name = client.get(f"/api/v1/clients/{patient.client_id}", headers=headers).json["display_name"]
    gone = client.delete(
        f"/api/v1/clients/{patient.client_id}", headers=headers, json={"confirm": name}
    )
    assert gone.status_code == 204
    leftovers = [
        f for f in Path(media_dir).rglob("*") if f.is_file() and NAME.encode() in f.read_bytes()
    ]
    assert leftovers == []
    path = _sqlite_path(app)
    if path is not None:
        for suffix in ("", "-wal"):
            candidate = Path(str(path) + suffix)
            if candidate.exists():
                assert NAME.encode() not in candidate.read_bytes(), candidate
                assert b"Quokkamug" not in candidate.read_bytes(), candidate
