"""A dispatcher process for the crash and concurrency tests: dispatch until nothing is due.

Usage: python -m tests.scheduler.dispatch.worker DATABASE_URL SECRET_KEY NAME [LEASE_SECONDS]
"""

import sys
import time
from datetime import timedelta

from sqlmodel import Session, select

from care import secrets
from care.db import make_engine
from care.tables import Prompt
from care.vocab import PromptStatus
from practices import default_library
from scheduler.channels.base import Channels
from scheduler.channels.targets import Targets
from scheduler.channels.webhook import WebhookChannel
from scheduler.dispatch.once import dispatch_once

LOOPBACK = Targets(allow_http=True, allow_private=True)  # the test receivers


def main(url: str, secret_key: str, name: str, lease_seconds: float = 2.0) -> int:
    """Dispatch in batches until no prompt is planned or sending, or 120 s have passed."""
    secrets.configure(secret_key)
    engine = make_engine(url)
    channels = Channels(
        base_url="http://hearth.test", webhook=WebhookChannel(timeout=5, targets=LOOPBACK)
    )
    library = default_library()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        result = dispatch_once(
            lambda: Session(engine, expire_on_commit=False),
            library,
            channels,
            name,
            limit=25,
            lease=timedelta(seconds=lease_seconds),
        )
        if result.claimed == 0:
            with Session(engine) as session:
                left = session.exec(
                    select(Prompt.id).where(
                        Prompt.status.in_((PromptStatus.PLANNED, PromptStatus.SENDING))
                    )
                ).first()
            if left is None:
                return 0
            time.sleep(0.2)  # a dead dispatcher's lease must run out first
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], *map(float, sys.argv[4:5])))
