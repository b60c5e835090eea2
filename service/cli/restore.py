"""`hearth restore`: the database and media back from a folder made by `hearth backup`, every
checksum checked before anything is touched and the database swapped in with one rename."""

import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from service.cli.archive import (
    DATABASE,
    MANIFEST,
    check_database,
    digest,
    manifest_problem,
    sqlite_path,
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
            actual = digest(path)
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
        if digest(source, temp)[1] != sha256:
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

    check_database(path)
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
    target = sqlite_path()
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
