"""`hearth backup` and `hearth restore`: keeping the embedded database and media safe.

A backup is a folder `hearth-backup-<UTC time>/` holding `hearth.db` (a consistent copy made
with SQLite's online backup API, safe while the web server and scheduler keep writing),
`media/` (the finished files of the media store) and `manifest.json` (time, schema revision,
hearth version, and each file's size and SHA-256). Restore checks every checksum before it
touches anything and swaps the database in with one rename. PostgreSQL has pg_dump for this.
"""

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

MANIFEST = "manifest.json"
DATABASE = "hearth.db"
FORMAT = "hearth-backup/1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


# Pure helpers: names, sizes and the manifest.


def is_media_name(name: str) -> bool:
    """False for what the media store keeps beside finished files: `.tmp-*` writes in progress
    and the `.locks` folder (any dot-name is bookkeeping, not media)."""
    return not name.startswith(".")


def safe_relative(path: str) -> bool:
    """True for a plain relative path inside the backup (no absolute path, no `..`)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


def megabytes(size: int) -> str:
    """A byte count as people read it."""
    return f"{size / 1_000_000:.1f} MB"


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


# File and database I/O.


def _digest(source: Path, copy_to: Path | None = None) -> tuple[int, str]:
    """Size and SHA-256 of a file; with `copy_to`, of the very bytes written there (fsynced)."""
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, (copy_to or Path(os.devnull)).open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if copy_to:
                writer.write(chunk)
        if copy_to:
            writer.flush()
            os.fsync(writer.fileno())
    return size, digest.hexdigest()


def _entry(path: str, size: int, sha256: str) -> dict:
    return {"path": path, "size": size, "sha256": sha256}


def _sqlite_path() -> Path:
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


def _check(path: Path) -> str | None:
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


def _snapshot_database(source: Path, target: Path) -> str | None:
    """A consistent copy of a live database (one backup step: a single read snapshot, which
    WAL lets writers go on beside), made self-contained (no -wal file) and checked."""
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()
    return _check(target)


def _media_files(root: Path) -> list[str]:
    """Relative paths of the finished media files under `root`."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if is_media_name(d))
        base = Path(folder).relative_to(root)
        found += [(base / n).as_posix() for n in sorted(names) if is_media_name(n)]
    return found


# The commands.


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Copy the embedded database and the media store into a new folder inside DIRECTORY."""
    source = _sqlite_path()
    if not source.is_file():
        raise click.ClickException(f"there is no database at {source}; nothing to back up")
    media_root = current_app.config["HEARTH_SETTINGS"].media_dir
    now = datetime.now(UTC)
    final = directory / f"hearth-backup-{now:%Y%m%dT%H%M%SZ}"
    work = directory / f".{final.name}.partial"
    if final.exists() or work.exists():
        raise click.ClickException(f"{final} already exists; run the backup again in a second")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        work.mkdir(mode=0o700)  # clinical records: the service's user only
        revision = _snapshot_database(source, work / DATABASE)
        files = [_entry(DATABASE, *_digest(work / DATABASE))]
        for name in _media_files(media_root):
            target = work / "media" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                files.append(_entry(f"media/{name}", *_digest(media_root / name, target)))
            except FileNotFoundError:
                continue  # evicted from the cache while we copied; it can be rendered again
        manifest = build_manifest(now, revision, files)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        work.rename(final)  # only a complete backup carries the final name
    except (OSError, sqlite3.Error) as error:
        shutil.rmtree(work, ignore_errors=True)
        reason = getattr(error, "strerror", None) or str(error)
        raise click.ClickException(f"backup failed ({reason}); no backup was written") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    media = files[1:]
    click.echo(
        f"backed up the database ({megabytes(files[0]['size'])}, schema revision "
        f"{manifest['schema_revision']}, integrity ok) and {len(media)} media files "
        f"({megabytes(sum(f['size'] for f in media))}) to {final}"
    )


def _read_manifest(backup: Path) -> dict:
    if not backup.is_dir():
        raise click.ClickException(f"there is no backup folder at {backup}")
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except FileNotFoundError:
        raise click.ClickException(
            f"{backup} has no {MANIFEST}; it is not a hearth backup"
        ) from None
    except (OSError, ValueError):
        raise click.ClickException(
            f"{backup / MANIFEST} is damaged; nothing was restored"
        ) from None
    problem = manifest_problem(manifest)
    if problem:
        raise click.ClickException(f"{problem}; nothing was restored")
    return manifest


def _verify(backup: Path, files: list[dict]) -> None:
    """Every file present with its recorded size and checksum, before anything is touched."""
    for entry in files:
        path = backup / entry["path"]
        try:
            actual = _digest(path)
        except OSError:
            raise click.ClickException(
                f"{entry['path']} is missing from the backup; nothing was restored"
            ) from None
        if actual != (entry["size"], entry["sha256"]):
            raise click.ClickException(
                f"{entry['path']} does not match its checksum (the backup is damaged); "
                "nothing was restored"
            )


def _put(source: Path, target: Path, sha256: str, *, mode: int = 0o644, prepare=None):
    """Write one file atomically: a checked copy in the same folder, `prepare(copy)` if given
    (its result is returned), then one rename. Nothing is left behind when a step fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # The `.tmp-` prefix lets the media store sweep the file away if we are killed midway.
    fd, name = tempfile.mkstemp(prefix=f".tmp-restore-{target.name}.", dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        if _digest(source, temp)[1] != sha256:
            raise click.ClickException(f"copying {source.name} changed it; nothing was replaced")
        os.chmod(temp, mode)
        result = prepare(temp) if prepare else None
        os.replace(temp, target)
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return result


def _release(target: Path) -> None:
    """Fold the live database's WAL back into the file; refuse while another process has it
    open (leaving WAL mode needs the only connection), since a rename under it loses writes."""
    connection = sqlite3.connect(target, timeout=5)
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    except sqlite3.DatabaseError:
        mode = "delete"  # not a database at all: nothing to fold back, replace it
    finally:
        connection.close()
    if mode != "delete":
        raise click.ClickException(
            f"{target} is in use; stop the web server and the scheduler, then restore again"
        )


def _migrate(path: Path) -> str | None:
    """Check a database file and bring it to the newest schema this hearth knows."""
    from alembic.util import CommandError

    from care import migrate
    from care.db import make_engine

    _check(path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
        revision = migrate.current(engine)
    except CommandError as error:
        raise click.ClickException(
            f"cannot migrate the restored database ({error}); it may come from a newer hearth; "
            "nothing was restored"
        ) from None
    finally:
        engine.dispose()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")  # self-contained before the rename
    return revision


def _set_aside(target: Path) -> Path | None:
    """Keep what the restore replaces: the database (a hard link, so `target` never goes
    missing) and any -wal/-shm beside it, which must never meet the restored file."""
    aside = target.with_name(f"{target.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    kept = None
    if target.exists():
        _release(target)
        try:
            os.link(target, aside)
        except OSError:
            shutil.copy2(target, aside)
        kept = aside
    for suffix in ("-wal", "-shm"):  # left only beside a damaged or deleted file
        stale = Path(f"{target}{suffix}")
        if stale.exists():
            stale.replace(Path(f"{aside}{suffix}"))
            kept = aside
    return kept


@click.command("restore")
@click.argument("backup", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing database (it is kept aside).")
@with_appcontext
def restore_command(backup: Path, force: bool):
    """Restore the database and media from a folder made by `hearth backup`."""
    target = _sqlite_path()
    manifest = _read_manifest(backup)
    if target.exists() and not force:
        raise click.ClickException(
            f"{target} already exists; stop the web server and scheduler and add --force "
            "to replace it"
        )
    _verify(backup, manifest["files"])
    if target.exists():
        _release(target)  # refuse early while the service runs (and check again at the swap)
    click.echo(
        f"checked {len(manifest['files'])} files of the backup made {manifest['created_at']}"
    )
    files = {entry["path"]: entry for entry in manifest["files"]}
    media_root = current_app.config["HEARTH_SETTINGS"].media_dir
    media = [path for path in files if path.startswith("media/")]
    try:
        for path in media:  # first: if the database then fails, extra cached media is harmless
            _put(backup / path, media_root / path.removeprefix("media/"), files[path]["sha256"])
        if media:
            click.echo(f"restored {len(media)} media files into {media_root}")
        revision, aside = _put(
            backup / DATABASE,
            target,
            files[DATABASE]["sha256"],
            mode=0o600,  # clinical records: the service's user only
            prepare=lambda copy: (_migrate(copy), _set_aside(target)),
        )
    except (OSError, sqlite3.Error, SQLAlchemyError) as error:
        reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
        raise click.ClickException(
            f"restore failed ({reason}); the database was not replaced"
        ) from None
    click.echo(
        f"restored the database to {target} (backup at schema revision "
        f"{manifest['schema_revision']}, now at {revision})"
    )
    if aside:
        click.echo(f"the database it replaced is kept as {aside}; delete it once all is well")
    click.echo("start the web server and the scheduler again")
