"""`hearth rotate-secret`: after HEARTH_SECRET_KEY changes (with the old one kept in
HEARTH_SECRET_KEY_PREVIOUS), re-encrypt the stored webhook secrets with the new key. The
procedure is in docs/operations.md, "Rotating the secret key"."""

import click
from flask import current_app
from flask.cli import with_appcontext

from care import secrets
from care.db import session_scope
from service import db


@click.command("rotate-secret")
@with_appcontext
def rotate_secret_command():
    """Re-encrypt stored webhook secrets with HEARTH_SECRET_KEY (after changing it)."""
    settings = current_app.config["HEARTH_SETTINGS"]
    if not settings.secret_key_previous:
        raise click.ClickException(
            "HEARTH_SECRET_KEY_PREVIOUS is not set, so there is nothing to rotate from: set "
            "HEARTH_SECRET_KEY to the new key and HEARTH_SECRET_KEY_PREVIOUS to the old one"
        )
    # This app's keys, whatever another app in the same process configured (tests build many).
    secrets.configure(settings.secret_key, settings.secret_key_previous)
    with session_scope(db.engine()) as session:  # one transaction: all or nothing is written
        done = secrets.rotate_stored(session)
        for endpoint in done.unreadable:
            click.echo(
                f"webhook {endpoint.id} ({endpoint.url}) opens with neither key; its therapist "
                "must register it again (left as it was)",
                err=True,
            )
        for user in done.keys_unreadable:
            click.echo(
                f"the second factor of {user.email} opens with neither key; reset it with "
                "`hearth users reset-second-factor` (left as it was)",
                err=True,
            )
    click.echo(
        f"re-encrypted {done.rotated} webhook secrets with the current HEARTH_SECRET_KEY "
        f"({done.current} already used it, {len(done.unreadable)} unreadable)"
    )
    click.echo(
        f"re-encrypted {done.keys_rotated} second-factor keys "
        f"({done.keys_current} already used it, {len(done.keys_unreadable)} unreadable)"
    )
    click.echo(
        "next: remove HEARTH_SECRET_KEY_PREVIOUS and restart the web server and the scheduler; "
        "sessions signed with the old key then end and people sign in again"
    )
