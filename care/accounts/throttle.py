"""Abuse limits on sign-in, counted so that a guesser cannot lock the owner out.

Refused attempts are counted per (account, address) pair, per address, and per account. A pair
that keeps failing waits longer after each failure (progressive delays) and pauses at its
limit; an address pauses across accounts at its own. The per-account count has a much higher
ceiling and only holds back addresses that have already failed against that account: the right
password from an address that has not failed always signs in, so nobody can keep a therapist
(whom crisis alerts need) out by failing on purpose. The rules are plain functions over the
times of recent failures; the database part only loads and stores those times, so every web
worker and process shares the same counts. A limited attempt is refused before its password
is checked, so guessing gets no further and costs the server no hashing."""

import hashlib
import ipaddress
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

    pair: int = 5  # one account from one address
    address: int = 20  # one address, across accounts
    account: int = 50  # one account, from addresses that failed against it
    window: timedelta = timedelta(minutes=15)
    # Wrong second-factor codes for one account from anywhere: whoever sends them knows the
    # password, so no count per address may let many addresses guess codes side by side.
    code: int = 10


# Two tries are free; after the second failure of a pair each next try waits 2, 4, 8 ... seconds
# after the latest failure (at most a minute), until the pair's limit pauses it.
FREE_TRIES = 2
LONGEST_DELAY = 60


def progressive(failures: list[datetime], now: datetime, window: timedelta) -> int:
    """Seconds a pair still waits after its latest failure (0 when it may try now)."""
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < FREE_TRIES:
        return 0
    delay = min(LONGEST_DELAY, 2 ** (len(recent) - FREE_TRIES + 1))
    left = (recent[-1] + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(left + 0.999))


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
    """The client address as the key: an IPv4 address whole, an IPv6 address by its /64 (one
    subscriber usually holds a whole /64, so its addresses count as one)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:64]
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def pair_key(email: str, address: str | None) -> str:
    """The key of one account tried from one address."""
    return hashlib.sha256(f"{account_key(email)}|{address_key(address)}".encode()).hexdigest()


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
    reason: str = ""  # "pair", "address" or "account"

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
        SignInFailure(kind="pair", key=pair_key(email, address), at=now),
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
    pair = _failures(session, "pair", pair_key(attempt.email, address), since, mine)
    waits = {
        "pair": max(
            wait_for(pair, limits.pair, limits.window, now),
            progressive(pair, now, limits.window),
        ),
        "address": wait_for(
            _failures(session, "address", address_key(address), since, mine),
            limits.address,
            limits.window,
            now,
        ),
    }
    if pair:  # only an address that failed against this account is held back by its total
        waits["account"] = wait_for(
            _failures(session, "account", account_key(attempt.email), since, mine),
            limits.account,
            limits.window,
            now,
        )
    reason, wait = max(waits.items(), key=lambda item: item[1])
    return Verdict(wait, reason) if wait else Verdict()


def forget(session: Session, attempt: Attempt) -> None:
    """The attempt succeeded, or was refused by the limit before any password was tried: it
    does not count (a refused attempt must not keep extending a pause)."""
    session.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt.ids)))


def _first_notice(session: Session, kind: str, key: str, since: datetime, now: datetime) -> bool:
    """True, and remembered as a row of `kind`, unless the owner was told within the window."""
    if _failures(session, kind, key, since):
        return False
    session.add(SignInFailure(kind=kind, key=key, at=now))
    return True


def reached_limit(
    session: Session, attempt: Attempt, limits: Limits, now: datetime | None = None
) -> bool:
    """True once per window when this failed attempt brought the account to its limit (the
    moment to tell the account's owner); the notice is remembered as a row of its own."""
    now = now or utcnow()
    key = account_key(attempt.email)
    since = now - limits.window
    if len(_failures(session, "account", key, since)) < limits.pair:
        return False
    return _first_notice(session, "notice", key, since, now)


def code_wait(session: Session, email: str, limits: Limits, now: datetime | None = None) -> int:
    """Seconds before this account's code step may be tried again (0: now)."""
    now = now or utcnow()
    since = now - limits.window
    return wait_for(
        _failures(session, "code", account_key(email), since), limits.code, limits.window, now
    )


def note_wrong_code(
    session: Session, email: str, limits: Limits, now: datetime | None = None
) -> bool:
    """Count a wrong code for the account; True once per window when the account has reached
    the limit (the moment to tell the owner that someone who knows their password is guessing
    codes). The notice is remembered as a row of its own, so codes that arrive together past
    the limit, or a limit lowered mid-window, never tell the owner twice."""
    now = now or utcnow()
    key = account_key(email)
    since = now - limits.window
    session.add(SignInFailure(kind="code", key=key, at=now))
    session.flush()
    if len(_failures(session, "code", key, since)) < limits.code:
        return False
    return _first_notice(session, "codenote", key, since, now)
