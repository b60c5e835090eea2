"""The `hearth` commands (db, users, demo, ...), attached to each app by `init_app`; the console
script itself is service/app/console.py."""

import click
from flask import current_app
from flask.cli import with_appcontext

from care.accounts import users as accounts
from care.assignments import commands as assignments
from care.clients import commands as clients
from care.db import session_scope
from care.errors import CareError
from care.schemas import ClientCreate
from care.schemas.practice import AssignmentCreate, ScheduleIn
from service import db

DEMO_PASSWORDS = {
    "admin": ("admin@example.org", "calm-admin-demo"),
    "therapist": ("therapist@example.org", "calm-therapist-demo"),
    "client": ("client@example.org", "calm-client-demo"),
}


def init_app(app) -> None:
    """Attach the commands to an app (so `flask --app wsgi` has them too)."""
    from service.cli_ops import backup_command, restore_command
    from service.cli_practices import practices_group, voices_command
    from service.cli_scheduler import scheduler_group
    from service.cli_secrets import rotate_secret_command

    commands = (
        db_group,
        users_group,
        demo_command,
        practices_group,
        voices_command,
        scheduler_group,
        backup_command,
        restore_command,
        rotate_secret_command,
    )
    for command in commands:
        if command.name not in app.cli.commands:
            app.cli.add_command(command)


@click.group("db", help="Database migrations.")
def db_group():
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Bring the database schema up to date (safe to run again)."""
    from care import migrate

    migrate.upgrade(db.engine(), revision)
    click.echo(f"database at revision {migrate.current(db.engine())}")


@click.group("users", help="User accounts.")
def users_group():
    """User accounts."""


@users_group.command("create")
@click.option("--role", type=click.Choice(["admin", "therapist", "client"]), required=True)
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--therapist", "therapist_email", help="The therapist's email (clients only).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone (clients only).")
@click.password_option(help="At least 10 characters; prompted for when left out.")
@with_appcontext
def users_create(role, email, name, therapist_email, timezone, password):
    """Create an account (and, for a client, the client record)."""
    try:
        with session_scope(db.engine()) as session:
            if role == "client":
                therapist = accounts.find_by_email(session, therapist_email or "")
                if therapist is None or therapist.role != "therapist":
                    raise click.UsageError("--therapist must name an existing therapist's email")
                data = ClientCreate(display_name=name or email.split("@")[0], timezone=timezone)
                client, _ = clients.create_client(session, therapist, data)
                user = accounts.create_user(
                    session, email=email, role="client", name=name, password=password
                )
                client.user_id = user.id
                session.add(client)
            else:
                accounts.create_user(session, email=email, role=role, name=name, password=password)
    except CareError as error:
        raise click.ClickException(error.message) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {email.lower()}")


@click.command("demo")
@with_appcontext
def demo_command():
    """Create the demo admin, therapist and client (idempotent) and print their logins."""
    with session_scope(db.engine()) as session:
        made = ensure_demo(session)
    base = current_app.config["HEARTH_SETTINGS"].base_url
    click.echo(f"demo accounts ({'created' if made else 'already there'}), sign in at {base}/login")
    for role, (email, password) in DEMO_PASSWORDS.items():
        click.echo(f"  {role:<10} {email:<24} {password}")


def ensure_demo(session) -> bool:
    """Create whichever demo accounts are missing; returns True if any was created."""
    made = False
    users = {}
    for role, (email, password) in DEMO_PASSWORDS.items():
        user = accounts.find_by_email(session, email)
        if user is None:
            name = {"admin": "Ada Admin", "therapist": "Dr. Rowan Hale", "client": "Sam Rivers"}
            user = accounts.create_user(
                session, email=email, role=role, name=name[role], password=password
            )
            made = True
        users[role] = user
    if clients.for_user(session, users["client"]) is None:
        # Level 3 allows two prompts a day, so both of the assignment's local times are used.
        data = ClientCreate(
            display_name="Sam Rivers", script_name="Sam", timezone="Europe/Berlin", start_level=3
        )
        client, _ = clients.create_client(session, users["therapist"], data)
        client.user_id = users["client"].id
        session.add(client)
        session.flush()
        assignments.create(
            session,
            current_app.extensions["hearth.library"],
            users["therapist"],
            client,
            AssignmentCreate(
                practice_id="self-compassion-break",
                start_level=3,
                max_level=4,
                note="The short break we tried together on Tuesday.",
                schedule=ScheduleIn(times=["08:30", "19:00"]),
            ),
        )
        made = True
    return made
