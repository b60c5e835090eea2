"""`hearth users create`: accounts made on the command line (the first admin, therapists, and
clients with a password instead of an invitation); `hearth users reset-second-factor` for a
staff member who lost their phone (the last admin included)."""

import click
from flask.cli import with_appcontext

from care.accounts import second_factor
from care.accounts import users as accounts
from care.clients import commands as clients
from care.clients import logins
from care.db import session_scope
from care.errors import CareError
from care.schemas import ClientCreate
from care.vocab import ROLES
from service import db


@click.group("users", help="User accounts.")
def users_group():
    """User accounts."""


@users_group.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--therapist", "therapist_email", help="The therapist's email (clients only).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone (clients only).")
@click.password_option(help="At least 12 characters, not a common one; prompted for when left out.")
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
                logins.give_login(session, therapist, client, email, password=password)
            else:
                accounts.create_user(session, email=email, role=role, name=name, password=password)
    except CareError as error:
        raise click.ClickException(error.message) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {email.lower()}")


@users_group.command("reset-second-factor")
@click.option("--email", required=True, help="The therapist's or admin's email.")
@with_appcontext
def users_reset_second_factor(email):
    """Clear someone's second factor (a lost phone); they set up a new one at next sign-in."""
    try:
        with session_scope(db.engine()) as session:
            user = accounts.find_by_email(session, email)
            if user is None:
                raise click.ClickException(f"no account has the email {email.lower()}")
            second_factor.reset(session, None, user.id)
    except CareError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"reset the second factor of {email.lower()}; every sign-in of theirs ended")
