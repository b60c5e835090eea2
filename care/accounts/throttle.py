"""Abuse limits on sign-in: refused attempts counted per account and per address.

The rule is a plain function over the times of recent failures; the database part only loads
and stores those times, so every web worker and process shares the same count. A limited
account is refused before its password is checked, so guessing gets no further and costs the
server no hashing. Both counts apply, so a guesser can neither rotate through accounts from one
address nor through addresses against one account."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from care.tables import SignInFailure
from care.types import utcnow

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """How many refusals in which window before sign-in pauses (configurable in settings)."""

    account: int = 5
    address: int = 20
    window: timedelta = timedelta(minutes=15)


def wait_for(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until another attempt is allowed (0 when it is allowed now).

    With `limit` failures inside the window, the next attempt waits until the oldest of the
    last `limit` failures leaves the window."""
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return 0
    oldest_that_counts = recent[-limit]
    return max(1, int((oldest_that_counts + window - now).total_seconds() + 0.999))


def account_key(email: str) -> str:
    """The account's key: a hash of the normalised email (known or not)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def address_key(address: str | None) -> str:
    """The client address as the key (IPv6 kept whole)."""
    return (address or "unknown")[:64]


def _failures(
    session: Session, kind: str, key: str, since: datetime, leave_out: tuple[int, ...] = ()
) -> list[datetime]:
    statement = select(SignInFailure.at).where(
        SignInFailure.kind == kind, SignInFailure.key == key, SignInFailure.at > since
    )
    if leave_out:
        statement = statement.where(SignInFailure.id.not_in(leave_out))
    return list(session.exec(statement))


@dataclass(frozen=True)
class Verdict:
    """Whether a sign-in may be tried now; when not, for how long and because of what."""

    retry_after: int = 0
    reason: str = ""  # "account" or "address"

    @property
    def allowed(self) -> bool:
        """True when the attempt may go ahead."""
        return self.retry_after == 0


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt, counted before its password is checked (its rows' ids)."""

    email: str
    ids: tuple[int, ...]


def begin(session: Session, email: str, address: str | None, now: datetime | None = None):
    """Count an attempt as a failure until it succeeds, and commit, so that attempts made at
    the same moment see each other (parallel guesses cannot slip past the limit together)."""
    now = now or utcnow()
    rows = [
        SignInFailure(kind="account", key=account_key(email), at=now),
        SignInFailure(kind="address", key=address_key(address), at=now),
    ]
    session.add_all(rows)
    session.execute(delete(SignInFailure).where(SignInFailure.at < now - KEEP))
    session.commit()
    return Attempt(email, tuple(row.id for row in rows))


def check(
    session: Session,
    attempt: Attempt,
    address: str | None,
    limits: Limits,
    now: datetime | None = None,
) -> Verdict:
    """May this attempt go ahead? Every other attempt in the window counts, finished or not."""
    now = now or utcnow()
    since = now - limits.window
    mine = attempt.ids
    by_account = wait_for(
        _failures(session, "account", account_key(attempt.email), since, mine),
        limits.account,
        limits.window,
        now,
    )
    by_address = wait_for(
        _failures(session, "address", address_key(address), since, mine),
        limits.address,
        limits.window,
        now,
    )
    if by_account >= by_address and by_account:
        return Verdict(by_account, "account")
    if by_address:
        return Verdict(by_address, "address")
    return Verdict()


def forget(session: Session, attempt: Attempt) -> None:
    """The attempt succeeded, or was refused by the limit before any password was tried: it
    does not count (a refused attempt must not keep extending a pause)."""
    session.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt.ids)))


def reached_limit(
    session: Session, attempt: Attempt, limits: Limits, now: datetime | None = None
) -> bool:
    """True once per window when this failed attempt brought the account to its limit (the
    moment to tell the account's owner); the notice is remembered as a row of its own."""
    now = now or utcnow()
    key = account_key(attempt.email)
    since = now - limits.window
    if len(_failures(session, "account", key, since)) < limits.account:
        return False
    if _failures(session, "notice", key, since):
        return False
    session.add(SignInFailure(kind="notice", key=key, at=now))
    return True
