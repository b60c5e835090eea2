"""Abuse limits on sign-in (per account and per address), their 429 answers, the web page's
wording, and the lockout notice by email through a real SMTP server on loopback."""

import email
import itertools
from datetime import UTC, datetime, timedelta
from email.policy import default

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from care.accounts.throttle import progressive, wait_for
from tests.conftest import make_person

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def _token(client, email_address, password, address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"email": email_address, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_rule_counts_only_failures_inside_the_window():
    old = [NOW - timedelta(minutes=20 + n) for n in range(10)]
    assert wait_for(old, 5, WINDOW, NOW) == 0
    recent = [NOW - timedelta(minutes=n) for n in (1, 2, 3, 4)]
    assert wait_for(recent, 5, WINDOW, NOW) == 0
    recent.append(NOW - timedelta(minutes=10))
    # Five inside the window: wait until the oldest of them (10 minutes ago) leaves it.
    assert wait_for(recent, 5, WINDOW, NOW) == 5 * 60


def test_progressive_delays_grow_after_two_free_tries():
    at = [NOW - timedelta(seconds=3)]
    assert progressive(at, NOW, WINDOW) == 0  # one failure: the second try is free too
    at.append(NOW)
    assert progressive(at, NOW, WINDOW) == 2  # after the second: 2 s
    at.append(NOW)
    assert progressive(at, NOW, WINDOW) == 4  # then 4 s
    at += [NOW, NOW, NOW, NOW]
    assert progressive(at, NOW, WINDOW) == 60  # it doubles, to at most a minute
    assert progressive(at, NOW + timedelta(seconds=61), WINDOW) == 0


def test_a_guesser_is_slowed_and_paused_but_the_owner_signs_in_from_elsewhere(client, therapist):
    guesser = "203.0.113.9"
    assert _token(client, therapist.email, "wrong-password-1", guesser).status_code == 401
    assert _token(client, therapist.email, "wrong-password-2", guesser).status_code == 401
    slowed = _token(client, therapist.email, "wrong-password-3", guesser)
    assert slowed.status_code == 429
    assert slowed.mimetype == "application/problem+json"
    assert 0 < int(slowed.headers["Retry-After"]) <= 2
    assert "wait" in slowed.json["detail"]
    # The owner, from an address that has not failed, signs in at once.
    assert _token(client, therapist.email, therapist.password, "198.51.100.2").status_code == 201


def test_failing_from_many_addresses_never_locks_out_a_clean_one(client, therapist):
    for n in range(50):  # the account's ceiling, each from its own address
        response = _token(client, therapist.email, "wrong", address=f"192.0.2.{n + 1}")
        assert response.status_code == 401
    # An address that failed is now held back by the account's total ...
    held = _token(client, therapist.email, therapist.password, "192.0.2.1")
    assert held.status_code == 429
    # ... but the right password from anywhere else still signs in.
    assert _token(client, therapist.email, therapist.password, "198.51.100.77").status_code == 201


def test_an_ipv6_subscriber_counts_as_one_address():
    from care.accounts.throttle import address_key

    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:198.51.100.7") == address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("not an address") == "not an address"


def test_an_address_pauses_after_twenty_refusals_across_accounts(client, therapist):
    for n in range(20):
        response = _token(client, f"guess{n}@example.org", "wrong", address="203.0.113.7")
        assert response.status_code == 401
    assert _token(client, therapist.email, therapist.password, "203.0.113.7").status_code == 429
    # The same person from another address signs in as usual.
    assert _token(client, therapist.email, therapist.password, "198.51.100.2").status_code == 201


def test_the_web_page_explains_the_pause(client, therapist):
    page = client.get("/login")
    assert page.status_code == 200
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"email": therapist.email, "password": "wrong-password-here", "csrf_token": csrf}
    for _ in range(2):
        assert client.post("/login", data=form).status_code == 401
    paused = client.post("/login", data={**form, "password": therapist.password})
    assert paused.status_code == 429
    assert "Retry-After" in paused.headers
    text = paused.get_data(as_text=True)
    assert "too many sign-in attempts" in text and therapist.email in text


def test_the_owner_is_told_once_when_their_account_pauses(mailing_app):
    app, handler = mailing_app
    person = make_person(app, "therapist", "rowan@example.org", sign_in=False)
    client = app.test_client()
    for n in range(7):  # from several addresses, as a guesser rotating them would
        _token(client, "Rowan@Example.org", "wrong-password-here", f"192.0.2.{n + 1}")
    assert len(handler.messages) == 1
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == [person.email]
    mail = email.message_from_bytes(envelope.original_content, policy=default)
    assert "paused" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "15" in text and "sign in as usual" in text and "http://hearth.test/login" in text
    # Unknown accounts get no email and give nothing away.
    for n in range(6):
        _token(client, "nobody@example.org", "wrong", f"192.0.2.{n + 1}")
    assert len(handler.messages) == 1


def test_parallel_guesses_cannot_slip_past_the_limit(app, therapist):
    # Twelve wrong passwords at once against one account: each attempt is counted before its
    # password is checked, so no more than the limit of them are ever tried.
    import threading

    from sqlmodel import func, select

    from care.tables import AuditEvent

    answers: list[int] = []

    def guess():
        response = _token(app.test_client(), therapist.email, "wrong-password-here")
        answers.append(response.status_code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 12 and set(answers) <= {401, 429}
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        tried = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "auth.sign_in", AuditEvent.outcome == "denied")
        ).one()
    # Counted before any password is checked: with two free tries, no more slip through.
    assert tried <= 2 + 1 and answers.count(401) == tried


def test_a_refused_sign_in_names_the_account_as_target_not_actor(app, client, therapist):
    from sqlmodel import select

    from care.db import session_scope
    from care.tables import AuditEvent
    from service import db

    _token(client, therapist.email, "wrong-password-here")
    with app.app_context(), session_scope(db.engine()) as session:
        (entry,) = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "auth.sign_in", AuditEvent.outcome == "denied"
            )
        ).all()
        assert entry.actor_id is None and entry.target_id == therapist.id


_CODE_ACCOUNTS = itertools.count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limits=st.lists(st.integers(1, 6), min_size=1, max_size=12))
def test_the_owner_hears_of_wrong_codes_once_a_window_whatever_the_limit(app, limits):
    """However the limit moves while wrong codes come in (a setting changed mid-window, codes
    racing past it), the owner is told exactly once: at the first code that finds the count at
    or over the limit, never again in that window, and never before."""
    from care.accounts import throttle
    from care.db import session_scope
    from service import db

    email = f"codes{next(_CODE_ACCOUNTS)}@example.org"
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    told = []
    with app.app_context(), session_scope(db.engine()) as session:
        for count, limit in enumerate(limits, start=1):
            rules = throttle.Limits(code=limit)
            told.append(
                throttle.note_wrong_code(session, email, rules, now + timedelta(seconds=count))
            )
    first_over = next((i for i, limit in enumerate(limits) if i + 1 >= limit), None)
    expected = [i == first_over for i in range(len(limits))]
    assert told == expected, limits
