"""Abuse limits on sign-in (per account and per address), their 429 answers, the web page's
wording, and the lockout notice by email through a real SMTP server on loopback."""

import email
from datetime import UTC, datetime, timedelta
from email.policy import default

from care.accounts.throttle import wait_for
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


def test_an_account_pauses_after_five_refusals_even_for_the_right_password(client, therapist):
    for _ in range(5):
        assert _token(client, therapist.email, "wrong-password-here").status_code == 401
    paused = _token(client, therapist.email, therapist.password)
    assert paused.status_code == 429
    assert paused.mimetype == "application/problem+json"
    assert 0 < int(paused.headers["Retry-After"]) <= 15 * 60
    assert "wait" in paused.json["detail"]
    # Another account from the same address is not held up by this one.
    other = make_person(client.application, "therapist", "kim@example.org", sign_in=False)
    assert _token(client, other.email, other.password).status_code == 201


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
    for _ in range(5):
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
    for _ in range(7):
        _token(client, "Rowan@Example.org", "wrong-password-here")
    assert len(handler.messages) == 1
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == [person.email]
    mail = email.message_from_bytes(envelope.original_content, policy=default)
    assert "paused" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "15 minutes" in text and "http://hearth.test/login" in text
    # Unknown accounts get no email and give nothing away.
    for _ in range(6):
        _token(client, "nobody@example.org", "wrong")
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
    assert tried <= 5 and answers.count(401) == tried
