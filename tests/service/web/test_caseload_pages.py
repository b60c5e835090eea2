"""A therapist's whole caseload on the pages, without the API: add a client (invitation emailed
or shown once), edit their details, send a new invitation only before a password is chosen, a
practice break, discharge (refused while an alert is open), the discharged filter, readmission
and erasure. Every form keeps what was typed and says what to fix next to the field."""

import re
import uuid
from datetime import timedelta

from sqlmodel import select

from care.tables import Assignment, AuditEvent, Client, Prompt, User
from care.types import utcnow
from care.vocab import PromptStatus
from tests import mail
from tests.conftest import make_person
from tests.service.web.test_therapist_pages import assign, csrf_of, record, text, web_session

NEW_CLIENT = {
    "display_name": "Kai Moreno",
    "script_name": "Kai",
    "spoken_name": "Kye",
    "email": "kai@example.org",
    "timezone": "America/Chicago",
    "start_level": "2",
    "dissociation": "on",
}


def _rows(app, model, **where):
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        statement = select(model)
        for key, value in where.items():
            statement = statement.where(getattr(model, key) == value)
        found = list(session.exec(statement))
        for row in found:
            session.expunge(row)
        return found


def _add(browser, token, **changes):
    return browser.post("/clients/new", data={"csrf_token": token, **NEW_CLIENT, **changes})


def test_a_new_therapist_adds_a_client_and_passes_the_link_on(app, therapist):
    browser, token = web_session(app, therapist)
    empty = text(browser.get("/"))
    assert "Add your first client" in empty and 'href="/clients/new"' in empty
    form = text(browser.get("/clients/new"))
    assert 'list="zone-list"' in form and '<option value="Europe/Berlin">' in form
    response = _add(browser, token)
    page = text(response)
    assert response.status_code == 201
    assert "shown <strong>only now</strong>" in page and "in person" in page
    link = re.search(r'value="(http://hearth\.test/welcome\?code=hti_[^"]+)"', page)[1]
    (client,) = _rows(app, Client, display_name="Kai Moreno")
    assert (client.script_name, client.spoken_name, client.timezone) == (
        "Kai",
        "Kye",
        "America/Chicago",
    )
    assert client.flag_dissociation and client.start_level == 2
    # The link works: the client chooses a password and is signed in.
    visitor = app.test_client()
    welcome = visitor.get(link.removeprefix("http://hearth.test"))
    code = link.split("code=", 1)[1]
    accepted = visitor.post(
        "/welcome",
        data={
            "csrf_token": csrf_of(text(welcome)),
            "code": code,
            "password": "kai-chooses-a-password",
            "password_again": "kai-chooses-a-password",
        },
    )
    assert accepted.status_code == 302 and visitor.get("/").status_code == 200
    # Once a password is chosen there is no invitation to send again (and the try is audited).
    client_page = text(browser.get(f"/clients/{client.id}"))
    assert "Signs in as kai@example.org" in client_page and "Send a new invitation" not in (
        client_page
    )
    refused = browser.post(f"/clients/{client.id}/invitation", data={"csrf_token": token})
    assert "already chosen a password" in text(browser.get(refused.headers["Location"]))
    denied = _rows(app, AuditEvent, action="client.invite", outcome="denied")
    assert len(denied) == 1


def test_the_time_zone_defaults_to_the_therapists_usual_one(app, therapist, patient):
    browser, _ = web_session(app, therapist)
    assert (
        'value="Europe/Berlin"' in text(browser.get("/clients/new")).split('id="timezone"')[1][:200]
    )


def test_add_client_errors_sit_next_to_each_field_and_keep_every_entry(app, therapist, patient):
    browser, token = web_session(app, therapist)
    response = _add(browser, token, display_name="", email="not-an-email", timezone="Mars/Olympus")
    page = text(response)
    assert response.status_code == 422
    for field in ("display_name", "email", "timezone"):
        assert f'id="err-{field}"' in page, field
    assert 'value="not-an-email"' in page and 'value="Mars/Olympus"' in page
    assert 'value="Kye"' in page and 'id="flag-dissociation" name="dissociation" checked' in page
    assert _rows(app, Client, display_name="Kai Moreno") == []


def test_without_an_email_the_client_is_added_without_a_login(app, therapist):
    browser, token = web_session(app, therapist)
    response = _add(browser, token, email="")
    assert response.status_code == 303
    page = text(browser.get(response.headers["Location"]))
    assert "No login yet" in page and "Add an email" in page


def test_with_email_set_up_the_invitation_is_emailed(mailing_app):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    browser, token = web_session(app, therapist)
    response = _add(browser, token)
    assert response.status_code == 201 and "on its way to <strong>kai@example.org" in text(response)
    assert "/welcome?code=" not in text(response)
    (message,) = inbox.wait_for(1)
    assert "invited you to hearth" in message["Subject"]
    assert mail.link_in(message, "/welcome")
    # No clinical detail in the invitation: no flags, no levels.
    body = mail.text_of(message).lower()
    assert "dissociation" not in body and "level" not in body


def test_editing_details_saves_replans_and_moves_an_invitation(app, therapist):
    browser, token = web_session(app, therapist)
    _add(browser, token)
    (client,) = _rows(app, Client, display_name="Kai Moreno")
    edit = text(browser.get(f"/clients/{client.id}/edit"))
    assert 'value="kai@example.org"' in edit and "not chosen a password yet" in edit
    fields = {
        "display_name": "Kai M.",
        "script_name": "",
        "spoken_name": "Kye",
        "email": "kai.m@example.org",
        "timezone": "Asia/Tokyo",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "voice": "gmw/en",
    }
    moved = browser.post(f"/clients/{client.id}/edit", data={"csrf_token": token, **fields})
    # They had not chosen a password: the new address gets a fresh invitation, shown once.
    assert moved.status_code == 200 and "Pass this link on" in text(moved)
    row = record(app, Client, id=client.id)
    assert (row.display_name, row.script_name, row.timezone) == ("Kai M.", None, "Asia/Tokyo")
    assert row.quiet_start.hour == 21
    (user,) = _rows(app, User, id=row.user_id)
    assert user.email == "kai.m@example.org"
    bad = browser.post(
        f"/clients/{client.id}/edit",
        data={"csrf_token": token, **fields, "timezone": "Nowhere", "quiet_end": ""},
    )
    page = text(bad)
    assert bad.status_code == 422 and 'id="err-timezone"' in page and 'value="Nowhere"' in page
    assert record(app, Client, id=client.id).timezone == "Asia/Tokyo"


def _prompts(app, client_id):
    return _rows(app, Prompt, client_id=uuid.UUID(str(client_id)))


def test_a_break_plans_no_prompts_and_counts_nothing_as_missed(app, therapist, patient):
    browser, token = web_session(app, therapist)
    assign(browser, token, patient)
    planned = [p for p in _prompts(app, patient.client_id) if p.status == PromptStatus.PLANNED]
    assert planned, "the assignment planned prompts"
    today = utcnow().date()
    bad = browser.post(
        f"/clients/{patient.client_id}/break",
        data={
            "csrf_token": token,
            "break_start": str(today + timedelta(days=5)),
            "break_end": str(today + timedelta(days=1)),
        },
    )
    assert bad.status_code == 422 and 'id="err-break_end"' in text(bad)
    assert str(today + timedelta(days=5)) in text(bad)
    start, end = today - timedelta(days=1), today + timedelta(days=20)
    done = browser.post(
        f"/clients/{patient.client_id}/break",
        data={"csrf_token": token, "break_start": str(start), "break_end": str(end)},
    )
    assert done.status_code == 303
    page = text(browser.get(done.headers["Location"]))
    assert "No prompts from" in page and "End the break now" in page
    left = [p for p in _prompts(app, patient.client_id) if p.status == PromptStatus.PLANNED]
    assert left == [], "no prompt is planned inside the break"
    cancelled = [p for p in _prompts(app, patient.client_id) if p.status == "cancelled"]
    assert cancelled and all(p.status != PromptStatus.EXPIRED for p in cancelled)
    dashboard = text(browser.get("/"))
    assert "on a break, not counted" in dashboard and "no prompts from" in dashboard
    # The client is told gently and can still practise.
    home = text(web_session(app, patient)[0].get("/"))
    assert "A break from reminders" in home and "still here" in home
    ended = browser.post(f"/clients/{patient.client_id}/break/end", data={"csrf_token": token})
    assert ended.status_code == 303
    again = [p for p in _prompts(app, patient.client_id) if p.status == PromptStatus.PLANNED]
    assert again, "prompts are planned again once the break ends"


def test_a_crisis_during_a_break_still_holds_and_alerts(app, client, therapist, patient):
    browser, token = web_session(app, therapist)
    today = utcnow().date()
    browser.post(
        f"/clients/{patient.client_id}/break",
        data={"csrf_token": token, "break_start": str(today), "break_end": str(today)},
    )
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    row = record(app, Client, id=uuid.UUID(patient.client_id))
    assert row.on_hold
    assert "Urgent" in text(browser.get("/"))


def test_discharge_waits_for_open_alerts_then_ends_access_and_prompts(
    app, client, therapist, patient
):
    browser, token = web_session(app, therapist)
    assign(browser, token, patient)
    patient_browser, _ = web_session(app, patient)
    feed = client.post("/api/v1/me/calendar", headers=patient.headers).json["url"]
    feed_path = "/" + feed.split("://", 1)[1].split("/", 1)[1]
    assert client.get(feed_path).status_code == 200
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    confirm = text(browser.get(f"/clients/{patient.client_id}/discharge"))
    assert "Read the open alert" in confirm and "never hides an alert" in confirm
    refused = browser.post(f"/clients/{patient.client_id}/discharge", data={"csrf_token": token})
    assert refused.status_code == 409 and "acknowledge" in text(refused)
    assert record(app, Client, id=uuid.UUID(patient.client_id)).discharged_at is None
    alert = client.get("/api/v1/alerts", headers=therapist.headers).json["items"][0]["id"]
    browser.post(f"/alerts/{alert}/ack", data={"csrf_token": token})
    done = browser.post(f"/clients/{patient.client_id}/discharge", data={"csrf_token": token})
    assert done.status_code == 303
    # Access ends at once: the web session, the token and the password.
    assert patient_browser.get("/").status_code == 302
    assert client.get("/api/v1/me", headers=patient.headers).status_code == 401
    login = client.post(
        "/api/v1/auth/token", json={"email": patient.email, "password": patient.password}
    )
    assert login.status_code == 401
    assert client.get(feed_path).status_code == 404  # the calendar URL ends too
    statuses = {p.status for p in _prompts(app, patient.client_id)}
    assert PromptStatus.PLANNED not in statuses and PromptStatus.SENT not in statuses
    assert all(not a.active for a in _rows(app, Assignment, client_id=uuid.UUID(patient.client_id)))
    # The dashboard hides them behind a filter; the record stays and can be exported.
    dashboard = text(browser.get("/"))
    assert "Show discharged clients (1)" in dashboard
    assert f'/clients/{patient.client_id}"' not in dashboard.split("clients-heading")[1]
    listed = text(browser.get("/?show=discharged"))
    assert "Discharged clients" in listed and f"/clients/{patient.client_id}" in listed
    page = text(browser.get(f"/clients/{patient.client_id}"))
    assert "Discharged on" in page and "Download the record" in page
    export = browser.get(f"/api/v1/clients/{patient.client_id}/export?format=json")
    assert export.status_code == 200
    # No practice can be assigned until they are readmitted.
    again = assign(browser, token, patient)
    assert again.status_code == 409 and "readmit" in text(again)


def test_readmission_restores_sign_in_but_not_prompts(app, client, therapist, patient):
    browser, token = web_session(app, therapist)
    assign(browser, token, patient)
    browser.post(f"/clients/{patient.client_id}/discharge", data={"csrf_token": token})
    back = browser.post(f"/clients/{patient.client_id}/readmit", data={"csrf_token": token})
    assert back.status_code == 303
    login = client.post(
        "/api/v1/auth/token", json={"email": patient.email, "password": patient.password}
    )
    assert login.status_code == 201
    assert all(not a.active for a in _rows(app, Assignment, client_id=uuid.UUID(patient.client_id)))
    assert "Show discharged clients" not in text(browser.get("/"))


def test_erasing_a_discharged_client_needs_their_name(app, therapist, patient):
    browser, token = web_session(app, therapist)
    early = browser.post(
        f"/clients/{patient.client_id}/erase", data={"csrf_token": token, "confirm": "patient"}
    )
    assert early.status_code == 303
    assert record(app, Client, id=uuid.UUID(patient.client_id)) is not None
    browser.post(f"/clients/{patient.client_id}/discharge", data={"csrf_token": token})
    name = record(app, Client, id=uuid.UUID(patient.client_id)).display_name
    wrong = browser.post(
        f"/clients/{patient.client_id}/erase", data={"csrf_token": token, "confirm": "someone"}
    )
    assert wrong.status_code == 422 and 'value="someone"' in text(wrong)
    assert record(app, Client, id=uuid.UUID(patient.client_id)) is not None
    gone = browser.post(
        f"/clients/{patient.client_id}/erase",
        data={"csrf_token": token, "confirm": f"  {name.upper()} "},
    )
    assert gone.status_code == 303
    assert record(app, Client, id=uuid.UUID(patient.client_id)) is None


def test_another_therapists_client_is_404_on_every_caseload_page(app, therapist, patient):
    other = make_person(app, "therapist", "alex@example.org")
    browser, token = web_session(app, other)
    cid = patient.client_id
    assert browser.get(f"/clients/{cid}/edit").status_code == 404
    assert browser.get(f"/clients/{cid}/discharge").status_code == 404
    for path in ("invitation", "break", "break/end", "discharge", "readmit", "erase"):
        assert browser.post(f"/clients/{cid}/{path}", data={"csrf_token": token}).status_code == 404
    assert record(app, Client, id=uuid.UUID(cid)).discharged_at is None


def test_every_caseload_page_leaves_an_audit_entry(app, therapist):
    browser, token = web_session(app, therapist)
    _add(browser, token)
    (client,) = _rows(app, Client, display_name="Kai Moreno")
    cid = client.id
    browser.post(f"/clients/{cid}/invitation", data={"csrf_token": token})
    details = {
        "display_name": "Kai M.",
        "script_name": "Kai",
        "spoken_name": "",
        "email": "kai.m@example.org",
        "timezone": "Europe/Berlin",
        "quiet_start": "",
        "quiet_end": "",
        "voice": "gmw/en",
    }
    browser.post(f"/clients/{cid}/edit", data={"csrf_token": token, **details})
    today = utcnow().date()
    browser.post(
        f"/clients/{cid}/break",
        data={"csrf_token": token, "break_start": str(today), "break_end": str(today)},
    )
    browser.post(f"/clients/{cid}/break/end", data={"csrf_token": token})
    browser.post(f"/clients/{cid}/discharge", data={"csrf_token": token})
    browser.post(f"/clients/{cid}/readmit", data={"csrf_token": token})
    actions = {e.action for e in _rows(app, AuditEvent, client_id=cid)}
    expected = {
        "client.create",
        "client.invite",
        "client.update",
        "client.email",
        "client.break",
        "client.break_end",
        "client.discharge",
        "client.readmit",
    }
    assert expected <= actions, expected - actions
    here, token = web_session(app, therapist)
    here.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": therapist.password,
            "password": "another-long-password",
            "password_again": "another-long-password",
        },
    )
    own = {e.action for e in _rows(app, AuditEvent, actor_id=uuid.UUID(therapist.id))}
    assert "auth.password_change" in own


def test_a_therapist_cannot_move_the_email_of_a_client_who_has_a_password(app, therapist, patient):
    browser, token = web_session(app, therapist)
    form = text(browser.get(f"/clients/{patient.client_id}/edit"))
    assert 'name="email"' not in form and "only they can change it" in form
    fields = {
        "display_name": "patient",
        "script_name": "",
        "spoken_name": "",
        "email": "someone-else@example.org",
        "timezone": "Europe/Berlin",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "voice": "gmw/en",
    }
    browser.post(f"/clients/{patient.client_id}/edit", data={"csrf_token": token, **fields})
    (user,) = _rows(app, User, id=uuid.UUID(patient.id))
    assert user.email == patient.email
    from care.clients import logins
    from care.db import session_scope
    from care.errors import Conflict
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        owner = session.get(User, uuid.UUID(therapist.id))
        record_ = session.get(Client, uuid.UUID(patient.client_id))
        try:
            logins.change_login_email(session, owner, record_, "someone-else@example.org")
        except Conflict as problem:
            assert "only they" in problem.message
        else:
            raise AssertionError("the command moved a login that has a password")


def test_a_discharged_client_gets_no_new_login_or_invitation(app, therapist):
    browser, token = web_session(app, therapist)
    _add(browser, token, email="")
    (client,) = _rows(app, Client, display_name="Kai Moreno")
    browser.post(f"/clients/{client.id}/discharge", data={"csrf_token": token})
    details = {
        "display_name": "Kai Moreno",
        "script_name": "Kai",
        "spoken_name": "",
        "email": "kai@example.org",
        "timezone": "America/Chicago",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "voice": "gmw/en",
    }
    refused = browser.post(f"/clients/{client.id}/edit", data={"csrf_token": token, **details})
    assert refused.status_code == 422 and "readmit" in text(refused)
    assert _rows(app, User, email="kai@example.org") == []
    again = browser.post(f"/clients/{client.id}/invitation", data={"csrf_token": token})
    assert "readmit" in text(browser.get(again.headers["Location"]))


def test_an_alert_keeps_its_clients_name_in_the_discharged_view(app, client, therapist, patient):
    browser, token = web_session(app, therapist)
    _add(browser, token, email="")
    (other,) = _rows(app, Client, display_name="Kai Moreno")
    browser.post(f"/clients/{other.id}/discharge", data={"csrf_token": token})
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    page = text(browser.get("/?show=discharged"))
    alerts = page.split('id="alerts"')[1].split("</ol>")[0]
    name = record(app, Client, id=uuid.UUID(patient.client_id)).display_name
    assert f'href="/clients/{patient.client_id}">{name}</a>' in alerts


def test_characters_no_database_stores_are_explained_on_every_form(app, therapist):
    browser, token = web_session(app, therapist)
    response = _add(browser, token, display_name="Kai\x00Moreno")
    assert response.status_code == 422 and "cannot be saved" in text(response)
    assert _rows(app, Client, display_name="Kai Moreno") == []
    forgot = app.test_client()
    token = csrf_of(text(forgot.get("/forgot")))
    answer = forgot.post("/forgot", data={"csrf_token": token, "email": "a\x00@example.org"})
    assert answer.status_code == 422


def test_the_therapist_is_warned_of_a_name_the_voice_cannot_say(app, therapist):
    browser, token = web_session(app, therapist)
    _add(browser, token)
    (client,) = _rows(app, Client, display_name="Kai Moreno")
    assert 'id="name-warning"' not in text(browser.get(f"/clients/{client.id}/edit"))
    fields = {
        "display_name": "Kai Moreno",
        "script_name": "محمد",
        "spoken_name": "",
        "email": "kai@example.org",
        "timezone": "Europe/Berlin",
        "quiet_start": "",
        "quiet_end": "",
        "voice": "gmw/en",
    }
    assert browser.post(
        f"/clients/{client.id}/edit", data={"csrf_token": token, **fields}
    ).status_code in (302, 303)
    edit = text(browser.get(f"/clients/{client.id}/edit"))
    assert 'id="name-warning"' in edit and "How the name sounds" in edit
    fields["spoken_name"] = "Mohammad"
    browser.post(f"/clients/{client.id}/edit", data={"csrf_token": token, **fields})
    assert 'id="name-warning"' not in text(browser.get(f"/clients/{client.id}/edit"))
