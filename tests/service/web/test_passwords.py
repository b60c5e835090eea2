"""Passwords for everyone, on the pages and the API: a change needs the current password and
ends every other session and token; "Forgot your password?" answers the same for any address
and sends a one-time, short-lived link through a real SMTP server on loopback; setting a
password tells the owner by email."""

import re
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from care.tables import ApiToken
from care.types import utcnow
from tests import mail
from tests.conftest import make_person
from tests.service.web.test_therapist_pages import csrf_of, text, web_session

NEW = "a-brand-new-passphrase"


def _change(browser, token, current, new, again=None):
    return browser.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "password": new,
            "password_again": new if again is None else again,
        },
    )


@pytest.mark.parametrize("role", ["client", "therapist", "admin"])
def test_everyone_changes_their_password_and_every_other_session_ends(app, therapist, role):
    person = (
        therapist
        if role == "therapist"
        else make_person(app, role, f"{role}-x@example.org", therapist=therapist)
    )
    here, token = web_session(app, person)
    elsewhere, _ = web_session(app, person)
    assert "Password" in text(here.get("/"))
    assert here.get("/account/password").status_code == 200
    response = _change(here, token, person.password, NEW)
    assert response.status_code == 200 and "new password is saved" in text(response)
    # This browser stays signed in; the other browser and the old API token do not.
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=person.headers).status_code == 401
    fresh = app.test_client().post(
        "/api/v1/auth/token", json={"email": person.email, "password": NEW}
    )
    assert fresh.status_code == 201
    old = app.test_client().post(
        "/api/v1/auth/token", json={"email": person.email, "password": person.password}
    )
    assert old.status_code == 401


def test_password_change_errors_sit_next_to_their_field(app, therapist):
    browser, token = web_session(app, therapist)
    wrong = _change(browser, token, "not-my-password", NEW)
    assert wrong.status_code == 422
    assert 'id="current_password-error"' in text(wrong) and "not right" in text(wrong)
    short = _change(browser, token, therapist.password, "short")
    assert 'id="password-error"' in text(short) and "12 characters" in text(short)
    mismatch = _change(browser, token, therapist.password, NEW, again=NEW + "x")
    assert 'id="password_again-error"' in text(mismatch)
    same = _change(browser, token, therapist.password, therapist.password)
    assert "different" in text(same)
    # Nothing changed: the old password and token still work.
    assert app.test_client().get("/api/v1/me", headers=therapist.headers).status_code == 200


def test_the_api_change_keeps_the_token_in_use_and_ends_the_others(app, client, therapist):
    other = client.post(
        "/api/v1/auth/token", json={"email": therapist.email, "password": therapist.password}
    ).json["token"]
    wrong = client.post(
        "/api/v1/me/password",
        headers=therapist.headers,
        json={"current_password": "nope-nope-nope", "password": NEW},
    )
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "current_password"
    done = client.post(
        "/api/v1/me/password",
        headers=therapist.headers,
        json={"current_password": therapist.password, "password": NEW},
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=therapist.headers).status_code == 200
    gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})
    assert gone.status_code == 401


def _forgot(browser, address):
    token = csrf_of(text(browser.get("/forgot")))
    return browser.post("/forgot", data={"csrf_token": token, "email": address})


def test_a_forgotten_password_is_reset_through_an_emailed_link(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    signed_in, _ = web_session(app, therapist)
    browser = app.test_client()
    assert "Forgot your password?" in text(browser.get("/login"))
    known = _forgot(browser, "Rowan@Example.org")
    unknown = _forgot(browser, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert "is on its way" in text(known) and "is on its way" in text(unknown)
    (message,) = inbox.wait_for(1)
    assert message["To"].endswith("<rowan@example.org>") or "rowan@example.org" in message["To"]
    assert "30 minutes" in mail.text_of(message)
    link = mail.link_in(message, "/reset")
    path = link.split("hearth.test", 1)[1]
    page = browser.get(path)
    assert page.status_code == 200 and "Choose a new password" in text(page)
    code = path.split("code=", 1)[1]
    token = csrf_of(text(page))
    form = {"csrf_token": token, "code": code, "password": NEW, "password_again": NEW}
    mismatch = browser.post("/reset", data={**form, "password_again": "other-password-x"})
    assert mismatch.status_code == 422 and 'id="password_again-error"' in text(mismatch)
    done = browser.post("/reset", data=form)
    assert done.status_code == 303
    assert browser.get("/").status_code == 200  # signed in with the new password
    assert signed_in.get("/").status_code == 302  # every other session has ended
    assert app.test_client().get("/api/v1/me", headers=therapist.headers).status_code == 401
    # The link works once; the owner is told the password changed.
    fresh = csrf_of(text(browser.get(path)))
    again = browser.post("/reset", data={**form, "csrf_token": fresh})
    assert again.status_code == 422 and "ask for a new one" in text(again)
    changed = inbox.wait_for(2)[1]
    assert "password was changed" in changed["Subject"]
    # Nothing clinical and no link that sets a password travels in that notice.
    assert "/reset" not in mail.text_of(changed) and "/welcome" not in mail.text_of(changed)


def test_reset_links_expire_and_only_the_newest_works(mailing_app):
    from care.db import session_scope
    from service import db

    app, inbox = mailing_app
    person = make_person(
        app,
        "client",
        "kai@example.org",
        therapist=make_person(app, "therapist", "rowan@example.org", sign_in=False),
    )
    browser = app.test_client()
    # The second request after the first link arrived (links are made in the background).
    _forgot(browser, person.email)
    first = mail.link_in(inbox.wait_for(1)[0], "/reset")
    _forgot(browser, person.email)
    second = mail.link_in(inbox.wait_for(2)[1], "/reset")
    code_1, code_2 = (link.split("code=", 1)[1] for link in (first, second))
    api = app.test_client()
    stale = api.post("/api/v1/auth/password-reset/confirm", json={"token": code_1, "password": NEW})
    assert stale.status_code == 404
    with app.app_context(), session_scope(db.engine()) as session:
        for row in session.exec(select(ApiToken).where(ApiToken.kind == "reset")):
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
    expired = api.post(
        "/api/v1/auth/password-reset/confirm", json={"token": code_2, "password": NEW}
    )
    assert expired.status_code == 404 and "30 minutes" in expired.json["detail"]
    # Three links an hour at most: a fourth request sends nothing, and says the same.
    answer = api.post("/api/v1/auth/password-reset", json={"email": person.email})
    assert answer.status_code == 202 and answer.json["email_available"] is True
    api.post("/api/v1/auth/password-reset", json={"email": person.email})
    assert len(inbox.wait_for(3)) == 3
    quiet = _forgot(browser, person.email)
    assert "is on its way" in text(quiet)
    time.sleep(0.3)  # long enough for a background send on loopback to arrive
    assert len(inbox.messages) == 3


def test_without_email_the_pages_say_no_link_can_come(app, client, therapist):
    page = _forgot(client, therapist.email)
    assert page.status_code == 503 and "cannot send email" in text(page)
    api = client.post("/api/v1/auth/password-reset", json={"email": therapist.email})
    assert api.status_code == 202 and api.json["email_available"] is False


def test_a_bad_reset_code_explains_itself(client):
    page = client.get("/reset?code=htr_not-a-real-code")
    token = csrf_of(text(page))
    response = client.post(
        "/reset",
        data={"csrf_token": token, "code": "htr_nope", "password": NEW, "password_again": NEW},
    )
    assert response.status_code == 422
    assert "may have expired" in text(response) and "Ask for a new link" in text(response)


def test_an_accepted_invitation_ends_earlier_sessions(app, client, therapist):
    created = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        json={"display_name": "Kai", "email": "kai@example.org", "timezone": "Europe/Berlin"},
    ).json
    code = created["invitation"]["token"]
    accepted = client.post("/api/v1/auth/invitations/accept", json={"token": code, "password": NEW})
    assert accepted.status_code == 200
    # A second acceptance of the same code (or of an older one) cannot set a password again.
    again = client.post("/api/v1/auth/invitations/accept", json={"token": code, "password": NEW})
    assert again.status_code == 404
    signed_in = client.post(
        "/api/v1/auth/token", json={"email": "kai@example.org", "password": NEW}
    )
    assert signed_in.status_code == 201


def test_without_email_a_person_changes_their_own_email_at_once(app):
    therapist = make_person(app, "therapist", "rowan@example.org")
    person = make_person(app, "client", "kai@example.org", therapist=therapist)
    here, token = web_session(app, person)
    elsewhere, _ = web_session(app, person)
    form = {"csrf_token": token, "email": "kai.new@example.org"}
    wrong = here.post("/account/email", data={**form, "current_password": "not-it-at-all"})
    assert wrong.status_code == 422 and 'id="email_current_password-error"' in text(wrong)
    assert 'value="kai.new@example.org"' in text(wrong)  # what was typed stays
    taken = here.post(
        "/account/email",
        data={**form, "email": therapist.email, "current_password": person.password},
    )
    assert taken.status_code == 422 and "cannot be used" in text(taken)
    done = here.post("/account/email", data={**form, "current_password": person.password})
    assert done.status_code == 200 and "You now sign in with kai.new@example.org" in text(done)
    assert here.get("/").status_code == 200 and elsewhere.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=person.headers).status_code == 401
    assert _signs_in(app, "kai.new@example.org", person.password)


def _signs_in(app, email: str, password: str) -> bool:
    answer = app.test_client().post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    )
    return answer.status_code == 201


def _blank_addresses(page: str, *addresses: str) -> str:
    for address in addresses:
        page = page.replace(address, "<address>")
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page)


def test_a_person_moves_their_email_once_the_new_address_answers(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    person = make_person(app, "client", "kai@example.org", therapist=therapist)
    here, token = web_session(app, person)
    elsewhere, _ = web_session(app, person)
    form = {"csrf_token": token, "current_password": person.password}
    wrong = here.post(
        "/account/email", data={**form, "email": "kai.new@example.org", "current_password": "no"}
    )
    assert wrong.status_code == 422 and 'id="email_current_password-error"' in text(wrong)
    # An address that has an account answers exactly like a free one: nothing tells them apart.
    taken = here.post("/account/email", data={**form, "email": therapist.email})
    asked = here.post("/account/email", data={**form, "email": "kai.new@example.org"})
    assert taken.status_code == asked.status_code == 200
    assert "A link is on its way to <strong>kai.new@example.org</strong>" in text(asked)
    assert _blank_addresses(text(taken), therapist.email) == _blank_addresses(
        text(asked), "kai.new@example.org"
    )
    inbox.wait_for(2)
    (owner_notice,) = inbox.to(therapist.email)
    assert "nothing changed" in mail.text_of(owner_notice)
    assert "code=" not in mail.text_of(owner_notice)
    (confirm,) = inbox.to("kai.new@example.org")
    link = mail.link_in(confirm, "/account/email/confirm")
    # Nothing changes until the new address answers; opening the link changes nothing either.
    assert here.get("/").status_code == 200 and elsewhere.get("/").status_code == 200
    visitor = app.test_client()
    page = visitor.get(link.removeprefix("http://hearth.test"))
    assert page.status_code == 200 and "Use <strong>kai.new@example.org</strong>" in text(page)
    assert _signs_in(app, "kai@example.org", person.password)
    fields = {
        "csrf_token": csrf_of(text(page)),
        "code": link.split("code=")[1].split("&")[0],
        "to": "kai.new@example.org",
    }
    forged = visitor.post("/account/email/confirm", data={**fields, "to": "mallory@example.org"})
    assert forged.status_code == 404 and "not valid" in text(forged)
    done = visitor.post("/account/email/confirm", data=fields)
    assert done.status_code == 200 and "You now sign in with <strong>kai.new" in text(done)
    assert here.get("/").status_code == 302 and elsewhere.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=person.headers).status_code == 401
    assert _signs_in(app, "kai.new@example.org", person.password)
    assert not _signs_in(app, "kai@example.org", person.password)
    inbox.wait_for(3)
    (told,) = inbox.to("kai@example.org")
    assert "kai.new@example.org" in mail.text_of(told)
    again = visitor.post("/account/email/confirm", data=fields)
    assert again.status_code == 404


def test_the_api_asks_the_new_address_first_and_answers_alike(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    person = make_person(app, "client", "kai@example.org", therapist=therapist)
    api = app.test_client()

    def ask(email):
        body = {"email": email, "current_password": person.password}
        return api.post("/api/v1/me/email", headers=person.headers, json=body)

    taken, asked = ask(therapist.email.upper()), ask("kai.new@example.org")
    assert taken.status_code == asked.status_code == 202
    assert set(taken.json) == set(asked.json) == {"email", "expires_at", "detail"}
    assert taken.json["detail"].replace(therapist.email, "x") == asked.json["detail"].replace(
        "kai.new@example.org", "x"
    )
    inbox.wait_for(2)
    link = mail.link_in(inbox.to("kai.new@example.org")[0], "/account/email/confirm")
    code = link.split("code=")[1].split("&")[0]
    wrong = api.post(
        "/api/v1/auth/email/confirm", json={"token": code, "email": "other@example.org"}
    )
    assert wrong.status_code == 404
    done = api.post(
        "/api/v1/auth/email/confirm", json={"token": code, "email": "kai.new@example.org"}
    )
    assert done.status_code == 200 and done.json["email"] == "kai.new@example.org"
    # Requests are counted the same whichever addresses were asked for: 5 an hour (two
    # above, one to a taken address).
    signed = {"email": "kai.new@example.org", "password": person.password}
    person.token = api.post("/api/v1/auth/token", json=signed).json["token"]
    answers = [ask(therapist.email if i % 2 else f"try{i}@example.org") for i in range(6)]
    assert [a.status_code for a in answers] == [202] * 3 + [429] * 3
    assert answers[-1].headers["Retry-After"] == "3600"
