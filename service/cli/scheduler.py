"""`hearth scheduler run|plan|dispatch`: the scheduler process and one-shot passes."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from service import db
from service.library import library


def channels():
    """The delivery channels configured for this deployment."""
    from scheduler.channels.base import Channels
    from scheduler.channels.email import EmailChannel
    from scheduler.channels.webhook import WebhookChannel

    settings = current_app.config["HEARTH_SETTINGS"]
    email = EmailChannel.from_settings(settings.smtp) if settings.smtp else None
    return Channels(
        base_url=settings.base_url,
        email=email,
        webhook=WebhookChannel(targets=settings.webhook_targets()),
    )


@click.group("scheduler", help="Plan and deliver prompts.")
def scheduler_group():
    """Plan and deliver prompts."""


@scheduler_group.command("run")
@with_appcontext
def run_command():
    """Run the scheduler until SIGTERM (several may run against one PostgreSQL database)."""
    from scheduler import runner

    settings = current_app.config["HEARTH_SETTINGS"]
    if db.engine().dialect.name == "sqlite":
        click.echo(
            "scheduler: SQLite allows one scheduler process; use PostgreSQL for more", err=True
        )
    runner.run(
        db.engine(),
        library(),
        channels(),
        plan_every=settings.scheduler_plan_seconds,
        dispatch_every=settings.scheduler_dispatch_seconds,
    )


@scheduler_group.command("plan")
@with_appcontext
def plan_command():
    """Plan every client's prompts for the next 36 hours once."""
    from scheduler.planner import plan_all

    result = plan_all(lambda: Session(db.engine(), expire_on_commit=False), library())
    click.echo(
        f"planned: {result.created} new, {result.updated} moved, {result.cancelled} "
        f"cancelled, {result.clients} clients"
    )


@scheduler_group.command("dispatch")
@click.option(
    "--limit", default=500, show_default=True, help="At most this many prompts in this pass."
)
@with_appcontext
def dispatch_command(limit: int):
    """Deliver the prompts that are due now, once."""
    from scheduler.dispatch.once import dispatch_once
    from scheduler.runner import worker_name

    result = dispatch_once(
        lambda: Session(db.engine(), expire_on_commit=False),
        library(),
        channels(),
        worker_name(),
        max_prompts=limit,
    )
    click.echo(
        f"dispatched: {result.sent} sent, {result.retried} to retry, {result.expired} "
        f"expired, {result.cancelled} cancelled"
    )
