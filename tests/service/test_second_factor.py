"""An optional second factor for therapists and admins (issue 15, item 7): set up with a key
shown once and confirmed by a first code, asked for at every sign-in on the pages and the API,
never by-passed by a reset link, each code used once, wrong codes counted like wrong
passwords, turned off only with password and code, reset by an admin for a lost phone, and
required of all staff when an admin says so. Clients are never asked."""

import re
import time
from datetime import timedelta

import pyotp
from sqlmodel import select

from care.tables import AuditEvent
from care.types import utcnow
from tests import mail
from tests.conftest import make_person
from tests.service.web.test_therapist_pages import csrf_of, text, web_session


def _key_of(page: str) -> str:
    return re.search(r'id="totp-key">([A-Z2-7 ]+)<', page)[1].replace(" ", "")


def _set_up(app, person) -> tuple[object, str]:
    """Turn a second factor on through the pages; (the signed-in browser, the key)."""
    browser, token = web_session(app, person)
    browser.post("/account/second-factor/start", data={"csrf_token": token})
    page = text(browser.get("/account/second-factor"))
    key = _key_of(page)
    done = browser.post(
        "/account/second-factor/confirm",
        data={"csrf_token": token, "current_password": person.password, "code": _code(key)},
    )
    assert done.status_code == 303
    return browser, key


def _code(key: str, steps: int = 0) -> str:
    return pyotp.TOTP(key).at(utcnow() + timedelta(seconds=30 * steps))


def _password_step(app, person, next_path: str = "/"):
    visitor = app.test_client()
    token = csrf_of(text(visitor.get("/login")))
    answer = visitor.post(
        f"/login?next={next_path}",
        data={"email": person.email, "password": person.password, "csrf_token": token},
    )
    return visitor, answer


def _code_step(visitor, code: str):
    page = text(visitor.get("/login/code"))
    return visitor.post("/login/code", data={"csrf_token": csrf_of(page), "code": code})


def _token(client, person, code=None):
    body = {"email": person.email, "password": person.password}
    if code is not None:
        body["code"] = code
    return client.post("/api/v1/auth/token", json=body)


def test_setting_up_shows_a_key_once_and_a_first_code_turns_it_on(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    browser, token = web_session(app, therapist)
    elsewhere, _ = web_session(app, therapist)
    offered = text(browser.get("/account/second-factor"))
    assert "Set up a second factor" in offered
    browser.post("/account/second-factor/start", data={"csrf_token": token})
    page = text(browser.get("/account/second-factor"))
    assert "<svg" in page and "otpauth://totp/hearth:rowan%40example.org?secret=" in page
    key = _key_of(page)
    confirm = {"csrf_token": token, "current_password": therapist.password}
    wrong = browser.post("/account/second-factor/confirm", data={**confirm, "code": "000000"})
    assert wrong.status_code == 422 and "not right" in text(wrong)
    # A borrowed session cannot tie the account to another phone: the password is needed.
    borrowed = browser.post(
        "/account/second-factor/confirm",
        data={**confirm, "current_password": "not-the-password", "code": _code(key)},
    )
    assert borrowed.status_code == 422 and "current password is not right" in text(borrowed)
    right = browser.post("/account/second-factor/confirm", data={**confirm, "code": _code(key)})
    assert right.status_code == 303
    on = text(browser.get("/account/second-factor"))
    assert "is <strong>on</strong>" in on and key not in on.replace(" ", "")
    # Sessions opened without it end; this one goes on; the owner is told.
    assert browser.get("/").status_code == 200 and elsewhere.get("/").status_code == 302
    assert (
        therapist.headers
        and app.test_client().get("/api/v1/me", headers=therapist.headers).status_code == 401
    )
    (notice,) = inbox.wait_for(1)
    assert "second factor is now on" in mail.text_of(notice)


def test_the_web_sign_in_asks_for_the_code_and_each_code_works_once(app, therapist):
    _, key = _set_up(app, therapist)
    visitor, answer = _password_step(app, therapist, "/account/sign-ins")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login/code")
    assert visitor.get("/").status_code == 302  # a right password alone signs nobody in
    wrong = _code_step(visitor, "123456" if _code(key) != "123456" else "654321")
    assert wrong.status_code == 401 and "not right" in text(wrong)
    code = _code(key, 1)
    right = _code_step(visitor, code[:3] + " " + code[3:])  # as the app shows it
    assert right.status_code == 302 and right.headers["Location"] == "/account/sign-ins"
    assert visitor.get("/").status_code == 200
    # The same code a second time, from anywhere, is refused (it was used up), as is the one
    # that confirmed the set-up.
    again, _ = _password_step(app, therapist)
    assert _code_step(again, code).status_code in (401, 429)
    assert _code_step(again, _code(key)).status_code in (401, 429)
    assert again.get("/").status_code == 302


def test_the_code_step_lasts_minutes_not_forever(app, therapist):
    _, key = _set_up(app, therapist)
    visitor, _ = _password_step(app, therapist)
    with visitor.session_transaction() as cookie:
        cookie["password_step"] = {**cookie["password_step"], "until": int(time.time()) - 1}
    late = visitor.get("/login/code")
    assert late.status_code == 303 and late.headers["Location"].endswith("/login")
    assert visitor.post("/login/code", data={"code": _code(key)}).status_code in (303, 400)
    assert visitor.get("/").status_code == 302


def test_wrong_codes_count_towards_the_pause_like_wrong_passwords(app, therapist):
    _, key = _set_up(app, therapist)
    visitor, _ = _password_step(app, therapist)
    wrong = "000000" if _code(key) != "000000" else "111111"
    answers = [_code_step(visitor, wrong) for _ in range(3)]
    # Two free tries, then the same progressive pause as after wrong passwords.
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    with app.app_context():
        from care.db import session_scope
        from service import db

        with session_scope(db.engine()) as session:
            refused = session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "auth.sign_in", AuditEvent.outcome == "denied"
                )
            ).all()
    assert {e.detail for e in refused} == {"the one-time code was not right"}
    assert all(e.actor_id is None for e in refused)


def test_the_api_asks_for_the_code_with_the_password(app, client, therapist):
    _, key = _set_up(app, therapist)
    needed = _token(client, therapist)
    assert needed.status_code == 401 and needed.json["title"] == "Code needed"
    assert "authenticator app" in needed.json["detail"]
    wrong = _token(client, therapist, "000000" if _code(key) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json.get("title") != "Code needed"
    assert _token(client, therapist, _code(key, 1)).status_code == 201


def test_a_reset_link_does_not_get_past_the_second_factor(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    _, key = _set_up(app, therapist)
    visitor = app.test_client()
    token = csrf_of(text(visitor.get("/forgot")))
    visitor.post("/forgot", data={"csrf_token": token, "email": therapist.email})
    reset = next(m for m in inbox.wait_for(2) if "/reset" in mail.text_of(m))
    link = mail.link_in(reset, "/reset").removeprefix("http://hearth.test")
    page = text(visitor.get(link))
    new = "a-brand-new-passphrase"
    answer = visitor.post(
        "/reset",
        data={
            "csrf_token": csrf_of(page),
            "code": link.split("code=")[1],
            "password": new,
            "password_again": new,
        },
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login/code")
    assert visitor.get("/").status_code == 302
    assert _code_step(visitor, _code(key, 1)).status_code == 302
    assert visitor.get("/").status_code == 200


def test_turning_it_off_needs_the_password_and_a_code(app, therapist):
    browser, key = _set_up(app, therapist)
    token = csrf_of(text(browser.get("/account/second-factor")))
    off = {"csrf_token": token, "current_password": therapist.password}
    assert browser.post("/account/second-factor/off", data={**off, "code": "12"}).status_code == 422
    wrong_password = {**off, "current_password": "not-the-password", "code": _code(key, 1)}
    assert browser.post("/account/second-factor/off", data=wrong_password).status_code == 422
    done = browser.post("/account/second-factor/off", data={**off, "code": _code(key, 1)})
    assert done.status_code == 303
    assert _token(app.test_client(), therapist).status_code == 201


def test_an_admin_requires_it_of_staff_and_clients_are_never_asked(app, client, therapist, patient):
    admin = make_person(app, "admin", "ada@example.org")
    admin_browser, admin_token = web_session(app, admin)
    # Not before the admin has one: the rule must not lock them out.
    early = admin_browser.post(
        "/admin/sign-in-policy", data={"csrf_token": admin_token, "second_factor_required": "1"}
    )
    assert early.status_code == 409 and "your own second factor first" in text(early)
    assert (
        client.put(
            "/api/v1/admin/sign-in-policy",
            headers=admin.headers,
            json={"second_factor_required": True},
        ).status_code
        == 409
    )
    admin_browser, _ = _set_up(app, admin)
    admin_token = csrf_of(text(admin_browser.get("/")))
    required = admin_browser.post(
        "/admin/sign-in-policy", data={"csrf_token": admin_token, "second_factor_required": "1"}
    )
    assert required.status_code == 303
    # A therapist without one is sent to set it up, from every page and every API call...
    browser, signed = _password_step(app, therapist)
    assert signed.status_code == 302  # the password signs in; the pages then ask for set-up
    for path in ("/", f"/clients/{patient.client_id}", "/account/sign-ins"):
        sent = browser.get(path)
        assert sent.status_code == 303 and sent.headers["Location"].endswith(
            "/account/second-factor"
        ), path
    assert "must use a second factor" in text(browser.get("/account/second-factor")) or (
        "asks every therapist and admin" in text(browser.get("/account/second-factor"))
    )
    api = client.get("/api/v1/clients", headers=therapist.headers)
    assert api.status_code == 403 and api.json["title"] == "Second factor needed"
    assert client.get("/api/v1/me", headers=therapist.headers).status_code == 200
    # ...while a client goes on as before, with no code asked.
    assert client.get("/api/v1/me/prompts", headers=patient.headers).status_code == 200
    assert _token(client, patient).status_code == 201
    # Set up through the API, the therapist's pages open again; it cannot be turned off now.
    started = client.post("/api/v1/me/second-factor", headers=therapist.headers)
    assert started.status_code == 201 and started.json["app_link"].startswith("otpauth://")
    key = started.json["key"]
    on = client.post(
        "/api/v1/me/second-factor/confirm",
        headers=therapist.headers,
        json={"current_password": therapist.password, "code": _code(key)},
    )
    assert on.status_code == 200 and on.json == {
        "enabled": True,
        "required": True,
        "setting_up": False,
    }
    assert client.get("/api/v1/clients", headers=therapist.headers).status_code == 200
    off = client.post(
        "/api/v1/me/second-factor/off",
        headers=therapist.headers,
        json={"current_password": therapist.password, "code": _code(key, 1)},
    )
    assert off.status_code == 409 and "stays on" in off.json["detail"]
    policy = client.get("/api/v1/admin/sign-in-policy", headers=admin.headers)
    assert policy.status_code == 401  # the admin's old token ended when theirs was turned on


def test_an_admin_resets_a_lost_phone_and_the_person_sets_up_anew(app, client, therapist):
    therapist_browser, _ = _set_up(app, therapist)
    admin = make_person(app, "admin", "ada@example.org")
    admin_browser, token = web_session(app, admin)
    board = text(admin_browser.get("/"))
    assert "Reset second factor" in board
    from care.tables import User

    with app.app_context():
        from care.db import session_scope
        from service import db

        with session_scope(db.engine()) as session:
            therapist_id = session.exec(select(User.id).where(User.email == therapist.email)).one()
    reset = admin_browser.post(
        f"/admin/users/{therapist_id}/second-factor/reset", data={"csrf_token": token}
    )
    assert reset.status_code == 303
    assert therapist_browser.get("/").status_code == 302  # signed out everywhere
    assert _token(client, therapist).status_code == 201  # the password alone, until set up anew
    with app.app_context():
        from care.db import session_scope
        from service import db

        with session_scope(db.engine()) as session:
            actions = session.exec(
                select(AuditEvent.action, AuditEvent.actor_id).where(
                    AuditEvent.action == "auth.second_factor_reset"
                )
            ).all()
    assert [str(actor) for _, actor in actions] == [admin.id]


def test_the_operator_resets_it_on_the_command_line(app, runner, therapist):
    _set_up(app, therapist)
    answer = runner.invoke(args=["users", "reset-second-factor", "--email", therapist.email])
    assert answer.exit_code == 0, answer.output
    assert _token(app.test_client(), therapist).status_code == 201
    unknown = runner.invoke(args=["users", "reset-second-factor", "--email", "no@example.org"])
    assert unknown.exit_code != 0 and "no account has the email" in unknown.output


def test_wrong_codes_from_many_addresses_pause_the_code_step_and_tell_the_owner(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    _, key = _set_up(app, therapist)
    inbox.wait_for(1)  # the notice that it was turned on
    wrong = "000000" if "000000" not in {_code(key, s) for s in (-1, 0, 1)} else "111111"

    def token_from(address, code):
        body = {"email": therapist.email, "password": therapist.password, "code": code}
        api = app.test_client()
        return api.post("/api/v1/auth/token", json=body, environ_base={"REMOTE_ADDR": address})

    # One wrong code from each of ten addresses: no address reaches its own limit...
    answers = [token_from(f"198.51.100.{i}", wrong).status_code for i in range(10)]
    assert answers == [401] * 10
    # ...but the account's code step now rests, even for the right code from a new address.
    paused = token_from("203.0.113.7", _code(key, 1))
    assert paused.status_code == 429 and int(paused.headers["Retry-After"]) > 0
    told = inbox.wait_for(2)[1]
    assert "several wrong codes" in mail.text_of(told)
    # Without the password, nothing tells that the step rests.
    guess = app.test_client().post(
        "/api/v1/auth/token",
        json={"email": therapist.email, "password": "not-the-password", "code": wrong},
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert guess.status_code == 401


def test_staff_are_told_when_it_is_required_and_open_alerts_still_show(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    patient = make_person(app, "client", "sam@example.org", therapist=therapist)
    crisis = app.test_client().post(
        "/api/v1/me/checkins", headers=patient.headers, json={"distress": 10}
    )
    assert crisis.status_code == 201 and crisis.json["crisis"] is not None
    admin = make_person(app, "admin", "ada@example.org")
    admin_browser, _ = _set_up(app, admin)
    token = csrf_of(text(admin_browser.get("/")))
    admin_browser.post(
        "/admin/sign-in-policy", data={"csrf_token": token, "second_factor_required": "1"}
    )
    told = [m for m in inbox.wait_for(2) if therapist.email in m["To"]]
    assert any("now asks for a second factor" in m["Subject"] for m in told)
    browser, _ = _password_step(app, therapist)
    held = text(browser.get("/account/second-factor"))
    assert "1 alert is open" in held and "Sam" not in held


def test_saving_the_rule_again_tells_staff_nothing_new(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    admin = make_person(app, "admin", "ada@example.org")
    admin_browser, _ = _set_up(app, admin)
    inbox.wait_for(1)  # the admin's own notice that theirs is on

    def save(required: bool):
        token = csrf_of(text(admin_browser.get("/")))
        data = {"csrf_token": token}
        if required:
            data["second_factor_required"] = "1"
        assert admin_browser.post("/admin/sign-in-policy", data=data).status_code == 303

    save(True)
    save(True)  # the same rule saved again: nobody is told twice
    save(False)
    save(True)  # on again after off: a real change, told again

    def told():
        return [m for m in inbox.to(therapist.email) if "now asks" in m["Subject"]]

    deadline = time.monotonic() + 10
    while len(told()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # room for a third, were one on its way
    assert len(told()) == 2


def test_a_key_being_set_up_that_no_longer_opens_means_starting_again(app, client, therapist):
    from care import secrets
    from care.db import session_scope
    from care.tables import User
    from service import db

    browser, token = web_session(app, therapist)
    browser.post("/account/second-factor/start", data={"csrf_token": token})
    with app.app_context(), session_scope(db.engine()) as session:
        user = session.exec(select(User).where(User.email == therapist.email)).one()
        secrets.configure("a-server-key-that-is-gone-0123456789")
        try:
            user.totp_secret = secrets.encrypt(totp_key := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        finally:
            secrets.configure(app.config["HEARTH_SETTINGS"].secret_key)
        session.add(user)
    page = browser.get("/account/second-factor")
    assert page.status_code == 200
    assert "totp-key" not in text(page) and "/account/second-factor/start" in text(page)
    confirm = browser.post(
        "/account/second-factor/confirm",
        data={"csrf_token": token, "current_password": therapist.password, "code": _code(totp_key)},
    )
    assert confirm.status_code == 422 and "start setting up" in text(confirm).lower()
    state = client.get("/api/v1/me/second-factor", headers=therapist.headers)
    assert state.status_code == 200 and state.json["setting_up"] is False
    api_confirm = client.post(
        "/api/v1/me/second-factor/confirm",
        headers=therapist.headers,
        json={"current_password": therapist.password, "code": _code(totp_key)},
    )
    assert api_confirm.status_code == 409 and "start setting up" in api_confirm.json["detail"]
    # Starting again gives a key that opens.
    browser.post("/account/second-factor/start", data={"csrf_token": token})
    assert _key_of(text(browser.get("/account/second-factor")))
