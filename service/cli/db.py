"""`hearth db upgrade`: database migrations."""

import click
from flask.cli import with_appcontext

from service import db


@click.group("db", help="Database migrations.")
def db_group():
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Bring the database schema up to date (safe to run again)."""
    from care import migrate  # alembic loads only for this command

    migrate.upgrade(db.engine(), revision)
    click.echo(f"database at revision {migrate.current(db.engine())}")
