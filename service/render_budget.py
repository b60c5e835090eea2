"""How much synthesis one person may cause, per process: a few new renderings per person in a
window (429 with Retry-After beyond it), one at a time per person (their other requests wait
their turn, as a browser fetching audio over two connections does), and a bounded number at
once for everyone (503 with Retry-After when all are busy for too long). Cached audio is never
limited. One person flooding renders therefore cannot starve another person's requests."""

import threading
import time
from collections import defaultdict, deque
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app

from service.api.problems import ApiProblem

WINDOW_SECONDS = 600
WAIT_SECONDS = 15  # how long a render waits for a free synthesis slot before 503


@dataclass
class Budget:
    """The process's render budget (see the module's description)."""

    per_person: int
    at_once: int
    window: float = WINDOW_SECONDS
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _recent: dict = field(default_factory=lambda: defaultdict(deque))
    _turns: dict = field(default_factory=dict)
    _slots: threading.BoundedSemaphore | None = None

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.at_once)

    def _turn(self, who: str) -> threading.Lock:
        with self._lock:
            return self._turns.setdefault(who, threading.Lock())

    def _count(self, who: str, now: float) -> None:
        with self._lock:
            recent = self._recent[who]
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.per_person:
                wait = max(1, int(recent[0] + self.window - now + 0.999))
                raise ApiProblem(
                    429,
                    f"too many new recordings for now (at most {self.per_person} in "
                    f"{int(self.window // 60)} minutes); ones you played before still work",
                    headers={"Retry-After": str(wait)},
                )
            recent.append(now)

    @contextmanager
    def guard(self, who: str, is_cached, now: float | None = None):
        """Around serving one recording: nothing for a cached one; for a new one, the
        person's turn (their other requests wait, then usually find it made), a place in
        their budget and a free synthesis slot."""
        if is_cached():
            yield
            return
        turn = self._turn(who)
        if not turn.acquire(timeout=WAIT_SECONDS):
            raise _busy()
        try:
            if is_cached():  # made while this request waited its turn
                yield
                return
            self._count(who, time.monotonic() if now is None else now)
            if not self._slots.acquire(timeout=WAIT_SECONDS):
                raise _busy()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            turn.release()


def _busy() -> ApiProblem:
    return ApiProblem(
        503,
        "recordings are being made for many people right now; try again shortly",
        headers={"Retry-After": "20"},
    )


def budget() -> Budget:
    """This app's render budget (one per process)."""
    found = current_app.extensions.get("hearth.render_budget")
    if found is None:
        settings = current_app.config["HEARTH_SETTINGS"]
        found = Budget(per_person=settings.renders_per_person, at_once=settings.renders_at_once)
        current_app.extensions["hearth.render_budget"] = found
    return found
