"""One-time codes (RFC 6238): a code is right within one step of clock drift and no further,
and each is used at most once, never an older one after a newer (a replayed or overheard code
opens nothing)."""

import itertools
from datetime import UTC, datetime, timedelta

import pyotp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from care.accounts import totp
from care.db import session_scope
from care.tables import User

KEYS = st.builds(totp.new_key)
TIMES = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


def _code_at(key: str, now: datetime, steps: int) -> str:
    return pyotp.TOTP(key).at(now + steps * totp.STEP)


@given(key=KEYS, now=TIMES, steps=st.integers(-4, 4))
def test_a_code_is_right_within_one_step_of_drift(key, now, steps):
    code = _code_at(key, now, steps)
    found = totp.step_of(key, code, now)
    window = {_code_at(key, now, s) for s in (-1, 0, 1)}
    if abs(steps) <= totp.DRIFT:
        assert found == pyotp.TOTP(key).timecode(now) + steps
    else:
        assert found is None or code in window  # only a chance collision of six digits


@given(key=KEYS, now=TIMES, junk=st.text(max_size=10))
def test_anything_but_six_digits_is_refused(key, now, junk):
    if junk.replace(" ", "").isascii() and junk.replace(" ", "").isdigit():
        return
    assert totp.step_of(key, junk, now) is None


_EMAILS = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(now=TIMES, uses=st.lists(st.integers(-2, 2), min_size=1, max_size=8))
def test_each_code_is_used_once_and_never_after_a_newer_one(app, now, uses):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        user = User(email=f"totp{next(_EMAILS)}@example.org", role="therapist")
        key = totp.new_key()
        user.totp_secret = totp.seal(key)
        user.totp_confirmed_at = now
        session.add(user)
        session.flush()
        newest = None
        for steps in uses:
            accepted = totp.use(session, user, _code_at(key, now, steps), now)
            step = pyotp.TOTP(key).timecode(now) + steps
            expected = abs(steps) <= totp.DRIFT and (newest is None or step > newest)
            assert accepted == expected, (uses, steps)
            if accepted:
                newest = step


def test_an_unconfirmed_key_opens_nothing(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        key = totp.new_key()
        user = User(email="pending@example.org", role="therapist", totp_secret=totp.seal(key))
        session.add(user)
        session.flush()
        now = datetime.now(UTC)
        assert not totp.use(session, user, _code_at(key, now, 0), now)
        assert not totp.enabled(user)
        assert timedelta(seconds=30) == totp.STEP


def test_the_key_is_stored_sealed_and_opens_only_with_the_server_key(app):
    from care import secrets

    key = totp.new_key()
    stored = totp.seal(key)
    assert key not in stored and len(stored) <= 255
    assert totp.key_of(User(email="x@example.org", role="admin", totp_secret=stored)) == key
    secrets.configure("another-server-key-0123456789abcdef")
    try:
        with_lost_key = User(email="y@example.org", role="admin", totp_secret=stored)
        with_lost_key.totp_confirmed_at = datetime.now(UTC)
        assert not totp.use(None, with_lost_key, _code_at(key, datetime.now(UTC), 0))
    finally:
        secrets.configure(app.config["HEARTH_SETTINGS"].secret_key)
