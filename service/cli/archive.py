"""The backup folder that `hearth backup` writes and `hearth restore` reads.

A backup is a folder `hearth-backup-<UTC time>/` holding `hearth.db` (a consistent copy made
with SQLite's online backup API, safe while the web server and scheduler keep writing),
`media/` (the finished files of the media store) and `manifest.json` (time, schema revision,
hearth version, and each file's size and SHA-256). Restore checks every checksum before it
touches anything and swaps the database in with one rename. PostgreSQL has pg_dump for this.
"""

import hashlib
import importlib.metadata
import os
import re
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"
DATABASE = "hearth.db"
FORMAT = "hearth-backup/1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


def safe_relative(path: str) -> bool:
    """True for a plain relative path inside the backup (no absolute path, no `..`)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


def build_manifest(created_at: datetime, revision: str | None, files: list[dict]) -> dict:
    """The manifest of a backup."""
    try:
        version = importlib.metadata.version("hearth")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "format": FORMAT,
        "created_at": created_at.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "hearth_version": version,
        "schema_revision": revision,
        "files": files,
    }


def manifest_problem(manifest: object) -> str | None:
    """None when the manifest is one we can restore from, else what is wrong with it."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"{MANIFEST} is not a {FORMAT} manifest"
    files = manifest.get("files")
    if not isinstance(files, list) or not any(
        isinstance(f, dict) and f.get("path") == DATABASE for f in files
    ):
        return f"{MANIFEST} does not list {DATABASE}"
    for entry in files:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and safe_relative(entry["path"])
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
            and _SHA256.fullmatch(entry["sha256"])
        ):
            return f"{MANIFEST} has a damaged file entry: {str(entry)[:80]}"
    return None


def digest(source: Path, copy_to: Path | None = None) -> tuple[int, str]:
    """Size and SHA-256 of a file; with `copy_to`, of the very bytes written there (fsynced)."""
    sha256, size = hashlib.sha256(), 0
    with source.open("rb") as reader, (copy_to or Path(os.devnull)).open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            sha256.update(chunk)
            size += len(chunk)
            if copy_to:
                writer.write(chunk)
        if copy_to:
            writer.flush()
            os.fsync(writer.fileno())
    return size, sha256.hexdigest()


def sqlite_path() -> Path:
    """The embedded database file, or a refusal that points PostgreSQL users to pg_dump."""
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "backup and restore cover the embedded SQLite database; with PostgreSQL use "
            "pg_dump -Fc and pg_restore (docs/operations.md, Backups)"
        )
    if not url.database or url.database == ":memory:":
        raise click.ClickException("DATABASE_URL names an in-memory database; nothing to copy")
    return Path(url.database).resolve()


def check_database(path: Path) -> str | None:
    """Refuse a database file SQLite does not find intact; returns its schema revision."""
    with closing(sqlite3.connect(path)) as connection:
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            row = ("alembic_version",) in tables.fetchall() and connection.execute(
                "SELECT version_num FROM alembic_version"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            result, row = str(error), None
    if result != "ok":
        raise click.ClickException(f"{path.name} is damaged ({result})")
    return row[0] if row else None
