"""`hearth scheduler run`: a BlockingScheduler whose in-memory jobs only tick. The prompts table
is the durable truth, so any number of these processes can run against PostgreSQL."""

import logging
import os
import signal
import socket
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from care.tables import SchedulerBeat
from care.types import utcnow
from practices import Library
from scheduler.channels.base import Channels
from scheduler.dispatch.once import MAX_PROMPTS, dispatch_once
from scheduler.notify import email_alerts, send_reminders
from scheduler.planner import plan_all

log = logging.getLogger("hearth.scheduler")


def worker_name() -> str:
    """host:pid, unique per running process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(engine: Engine, name: str, detail: str = "") -> None:
    """Record that this scheduler process is alive (GET /api/v1/health reads it)."""
    with Session(engine) as session:
        row = session.get(SchedulerBeat, name) or SchedulerBeat(name=name)
        row.beat_at = utcnow()
        row.detail = detail[:500]
        session.add(row)
        session.commit()


def build(
    engine: Engine,
    library: Library,
    channels: Channels,
    *,
    plan_every: int = 300,
    dispatch_every: int = 5,
) -> BlockingScheduler:
    """The scheduler with its ticking jobs (plan, dispatch, notify, heartbeat)."""
    name = worker_name()

    def factory():
        return Session(engine, expire_on_commit=False)

    def plan():
        result = plan_all(factory, library)
        log.info(
            "planned",
            # Not "created": LogRecord has an attribute of that name, and logging refuses it.
            extra={
                "prompts_created": result.created,
                "prompts_cancelled": result.cancelled,
                "clients": result.clients,
            },
        )

    def dispatch():
        # Drain what is due: each call claims batches until one comes back short, up to
        # MAX_PROMPTS, and a full call is followed by another (the next tick would be up to
        # dispatch_every seconds away).
        while True:
            result = dispatch_once(factory, library, channels, name, max_prompts=MAX_PROMPTS)
            if result.claimed or result.expired:
                log.info("dispatched", extra={f"prompts_{k}": v for k, v in vars(result).items()})
            if result.claimed < MAX_PROMPTS:
                return

    def notify():
        email_alerts(factory, channels)
        send_reminders(factory, library, channels)

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        # Misfire grace in minutes, not the 1 s default: a busy minute must not drop a tick.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    scheduler.add_job(plan, "interval", seconds=plan_every, id="plan", next_run_time=utcnow())
    scheduler.add_job(
        dispatch,
        "interval",
        seconds=dispatch_every,
        id="dispatch",
        next_run_time=utcnow() + timedelta(seconds=2),
    )
    scheduler.add_job(notify, "interval", seconds=30, id="notify")
    scheduler.add_job(
        lambda: beat(engine, name), "interval", seconds=15, id="beat", next_run_time=utcnow()
    )
    return scheduler


def run(engine: Engine, library: Library, channels: Channels, **intervals) -> None:
    """Run until SIGTERM or SIGINT, then finish the running ticks and stop."""
    scheduler = build(engine, library, channels, **intervals)

    def stop(signum, _frame):
        log.info("stopping on signal %s", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler running", extra={"worker": worker_name()})
    beat(engine, worker_name(), "started")
    scheduler.start()
