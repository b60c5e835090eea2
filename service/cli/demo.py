"""`hearth demo`: the demo admin, therapist and client, with one assigned practice."""

import click
from flask import current_app
from flask.cli import with_appcontext

from care.accounts import users as accounts
from care.assignments import commands as assignments
from care.clients import commands as clients
from care.db import session_scope
from care.schemas import ClientCreate
from care.schemas.practice import AssignmentCreate, ScheduleIn
from service import db

DEMO_PASSWORDS = {
    "admin": ("admin@example.org", "steady-harbour-demo"),
    "therapist": ("therapist@example.org", "quiet-lantern-demo"),
    "client": ("client@example.org", "gentle-river-demo"),
}
DEMO_NAMES = {"admin": "Ada Admin", "therapist": "Dr. Rowan Hale", "client": "Sam Rivers"}


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
            user = accounts.create_user(
                session, email=email, role=role, name=DEMO_NAMES[role], password=password
            )
            made = True
        users[role] = user
    if clients.for_user(session, users["client"]) is None:
        _demo_client(session, users["therapist"], users["client"])
        made = True
    return made


def _demo_client(session, therapist, login) -> None:
    """Sam's client record, linked to the demo client login, with one assigned practice."""
    # Level 3 allows two prompts a day, so both of the assignment's local times are used.
    data = ClientCreate(
        display_name="Sam Rivers", script_name="Sam", timezone="Europe/Berlin", start_level=3
    )
    client, _ = clients.create_client(session, therapist, data)
    client.user_id = login.id
    session.add(client)
    session.flush()
    assignments.create(
        session,
        current_app.extensions["hearth.library"],
        therapist,
        client,
        AssignmentCreate(
            practice_id="self-compassion-break",
            start_level=3,
            max_level=4,
            note="The short break we tried together on Tuesday.",
            schedule=ScheduleIn(times=["08:30", "19:00"]),
        ),
    )
