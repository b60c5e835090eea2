"""`hearth backup`: a checked copy of the embedded database and the media store in a new
folder (the format is in archive.py)."""

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from service.cli.archive import (
    DATABASE,
    MANIFEST,
    build_manifest,
    check_database,
    digest,
    sqlite_path,
)


def is_media_name(name: str) -> bool:
    """False for what the media store keeps beside finished files: `.tmp-*` writes in progress
    and the `.locks` folder (any dot-name is bookkeeping, not media)."""
    return not name.startswith(".")


def megabytes(size: int) -> str:
    """A byte count as people read it."""
    return f"{size / 1_000_000:.1f} MB"


def _entry(path: str, size: int, sha256: str) -> dict:
    return {"path": path, "size": size, "sha256": sha256}


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
    return check_database(target)


def _media_files(root: Path) -> list[str]:
    """Relative paths of the finished media files under `root`."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if is_media_name(d))
        base = Path(folder).relative_to(root)
        found += [(base / n).as_posix() for n in sorted(names) if is_media_name(n)]
    return found


def _write(work: Path, source: Path, media_root: Path, now: datetime) -> dict:
    """Fill the folder `work` with the database, the media files and the manifest."""
    revision = _snapshot_database(source, work / DATABASE)
    files = [_entry(DATABASE, *digest(work / DATABASE))]
    for name in _media_files(media_root):
        target = work / "media" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            files.append(_entry(f"media/{name}", *digest(media_root / name, target)))
        except FileNotFoundError:
            continue  # evicted from the cache while we copied; it can be rendered again
    manifest = build_manifest(now, revision, files)
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Copy the embedded database and the media store into a new folder inside DIRECTORY."""
    source = sqlite_path()
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
        manifest = _write(work, source, media_root, now)
        work.rename(final)  # only a complete backup carries the final name
    except (OSError, sqlite3.Error) as error:
        shutil.rmtree(work, ignore_errors=True)
        reason = getattr(error, "strerror", None) or str(error)
        raise click.ClickException(f"backup failed ({reason}); no backup was written") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    database, media = manifest["files"][0], manifest["files"][1:]
    click.echo(
        f"backed up the database ({megabytes(database['size'])}, schema revision "
        f"{manifest['schema_revision']}, integrity ok) and {len(media)} media files "
        f"({megabytes(sum(f['size'] for f in media))}) to {final}"
    )
