"""The therapist pages on the server side: status codes, tenancy, CSRF, forms that explain
themselves and keep what was typed, and what each page shows."""

import re
import uuid

import pytest
from sqlmodel import select

from care.tables import Alert, Assignment, Client, DoseAction
from tests.conftest import make_person
from tests.reports import practise


def csrf_of(page: str) -> str:
    """The form token on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def web_session(app, person):
    """A test client signed in through the login form; returns (client, csrf token)."""
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": person.email, "password": person.password, "csrf_token": token}
    )
    assert response.status_code == 302
    return browser, csrf_of(browser.get("/").get_data(as_text=True))


def record(app, model, **where):
    """One row read fresh from the database."""
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        statement = select(model)
        for key, value in where.items():
            statement = statement.where(getattr(model, key) == value)
        row = session.exec(statement).first()
        if row is not None:
            session.expunge(row)
        return row


def client_row(app, patient) -> Client:
    """The patient's client record."""
    return record(app, Client, id=uuid.UUID(patient.client_id))


def text(response) -> str:
    """The page as text."""
    return response.get_data(as_text=True)


ASSIGN = {
    "practice_id": "self-compassion-break",
    "start_level": "1",
    "min_level": "1",
    "max_level": "4",
    "note": "The break we tried on Tuesday.",
    "active": "on",
    "time": ["08:30", "19:00", "", ""],
    "weekday": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    "min_spacing_minutes": "60",
    "jitter_minutes": "0",
    "expiry_minutes": "180",
    "rrule": "",
}


def assign(browser, token, patient, **changes):
    """POST the assignment form (save unless told otherwise)."""
    data = {**ASSIGN, "csrf_token": token, "action": "save", **changes}
    return browser.post(f"/clients/{patient.client_id}/assignments/new", data=data)


# Access control


THERAPIST_PAGES = [
    "/catalogue",
    "/catalogue/self-compassion-break",
    "/own-practice",
    "/crisis-resources",
]


def test_pages_need_sign_in(client, patient):
    for path in [*THERAPIST_PAGES, f"/clients/{patient.client_id}", "/admin/therapists"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_a_client_and_an_admin_get_403_on_therapist_pages(app, patient, admin):
    admin.password = "a-long-test-password"
    for person in (patient, admin):
        browser, _ = web_session(app, person)
        for path in [
            *THERAPIST_PAGES,
            f"/clients/{patient.client_id}",
            f"/clients/{patient.client_id}/assignments/new",
        ]:
            response = browser.get(path)
            assert response.status_code == 403, (person.role, path)
            assert "Not available to you" in text(response)


def test_another_therapists_client_is_404_everywhere(app, therapist, other_therapist, patient):
    mine, token = web_session(app, therapist)
    assert assign(mine, token, patient).status_code == 302
    assignment = record(app, Assignment, client_id=uuid.UUID(patient.client_id))
    theirs, token = web_session(app, other_therapist)
    cid = patient.client_id
    for path in [
        f"/clients/{cid}",
        f"/clients/{cid}/assignments/new",
        f"/assignments/{assignment.id}/edit",
        f"/catalogue/assign?client={cid}&practice=soothing-touch",
    ]:
        response = theirs.get(path)
        assert response.status_code == 404, path
        assert "Nothing here" in text(response) and "Sam" not in text(response)
    for path in [
        f"/clients/{cid}/settings",
        f"/clients/{cid}/hold/release",
        f"/clients/{cid}/assignments/new",
        f"/assignments/{assignment.id}/edit",
        f"/assignments/{assignment.id}/active",
        f"/assignments/{assignment.id}/remove",
    ]:
        response = theirs.post(path, data={**ASSIGN, "csrf_token": token, "dissociation": "on"})
        assert response.status_code == 404, path
    assert not client_row(app, patient).flag_dissociation
    assert record(app, Assignment, id=assignment.id).deleted_at is None
    assert theirs.get(f"/clients/{uuid.uuid4()}").status_code == 404


def test_stale_forms_explain_themselves_and_save_nothing(app, therapist, patient):
    browser, _ = web_session(app, therapist)
    cid = patient.client_id
    refused = [
        browser.post(f"/clients/{cid}/settings", data={"dissociation": "on", "max_level": "3"}),
        browser.post(f"/clients/{cid}/assignments/new", data={**ASSIGN, "action": "save"}),
        browser.post("/crisis-resources", data={"intro": "Hi", "label-0": "Line"}),
        browser.post(
            f"/clients/{cid}/settings", data={"dissociation": "on", "csrf_token": "forged"}
        ),
    ]
    for response in refused:
        assert response.status_code == 400
        assert "nothing was saved" in text(response)
    row = client_row(app, patient)
    assert not row.flag_dissociation and row.max_level == 5
    assert record(app, Assignment, client_id=uuid.UUID(cid)) is None
    assert "You have not set your own yet" in text(browser.get("/crisis-resources"))


# Dashboard and alerts


def test_dashboard_puts_the_urgent_alert_on_top(app, client, therapist, patient):
    from care.db import session_scope
    from care.safety import alerts
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        record_ = session.get(Client, uuid.UUID(patient.client_id))
        alerts.raise_alert(
            session, record_, severity="routine", kind="dose", message="A routine note."
        )
    assert (
        client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    ).status_code == 201
    browser, _ = web_session(app, therapist)
    page = text(browser.get("/"))
    assert "Your dashboard" in page
    urgent, routine = page.index("badge-urgent"), page.index("A routine note.")
    assert urgent < routine < page.index('id="clients-heading"')
    assert "reported distress 9/10 in a check-in" in page
    assert "On hold: no practice prompts" in page
    assert "9 at a check-in" in page
    assert "0 practices finished · 0 prompts sent · practised on 0 of 14 days" in page
    assert "streak" not in page.lower()


def test_acknowledging_an_alert_removes_it_from_the_dashboard(app, client, therapist, patient):
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    browser, token = web_session(app, therapist)
    alert = record(app, Alert, client_id=uuid.UUID(patient.client_id))
    response = browser.post(f"/alerts/{alert.id}/ack", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = text(browser.get("/"))
    assert "Alert acknowledged." in page and "No open alerts." in page
    again = browser.post(f"/alerts/{alert.id}/ack", data={"csrf_token": token, "back": "client"})
    assert again.status_code == 302
    assert "already acknowledged" in text(browser.get("/"))
    assert record(app, Alert, id=alert.id).acknowledged_by == uuid.UUID(therapist.id)


def test_another_therapists_alert_cannot_be_acknowledged(app, client, other_therapist, patient):
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    alert = record(app, Alert, client_id=uuid.UUID(patient.client_id))
    browser, token = web_session(app, other_therapist)
    assert browser.post(f"/alerts/{alert.id}/ack", data={"csrf_token": token}).status_code == 404
    assert record(app, Alert, id=alert.id).status == "open"


# The client page


def _practise(client, patient, pre: int, post: int, backdraft=()):
    assignments = client.get("/api/v1/me/assignments", headers=patient.headers).json["items"]
    practise(client, patient, pre, post, backdraft, assignment_id=assignments[0]["id"])


def test_client_page_shows_chart_sessions_and_dose_history(app, client, therapist, patient):
    browser, token = web_session(app, therapist)
    assert assign(browser, token, patient).status_code == 302
    _practise(client, patient, 4, 3)
    _practise(client, patient, 5, 7, ["emotions"])
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 3})
    page = text(browser.get(f"/clients/{patient.client_id}"))
    assert '<svg viewBox="0 0 640 280" role="img" aria-labelledby="chart-title chart-desc"' in page
    assert '<title id="chart-title">Distress over the last 30 days</title>' in page
    assert "2 practices, rated on average 4.5 before and 5.0 after" in page
    assert "The chart as a table" in page and "Date (Europe/Berlin)" in page
    assert "Distress (0 to 10)" in page
    assert "Backdraft: emotions" in page and "+2" in page
    assert "Practice finished: 5 before, 7 after; backdraft: emotions" in page
    assert "(R3)" in page and "Changes to the dose and notices to you" in page
    assert "A kind pause for a hard moment" in page
    assert "08:30, 19:00 on every day" in page
    every = text(browser.get(f"/clients/{patient.client_id}?history=all&days=14"))
    assert "Check-in: 3" in every and "Every dose decision" in every
    assert "Distress over the last 14 days" in every
    assert browser.get(f"/clients/{patient.client_id}?days=oops").status_code == 200


def test_client_page_without_ratings_is_calm(app, therapist, patient):
    browser, _ = web_session(app, therapist)
    page = text(browser.get(f"/clients/{patient.client_id}"))
    assert "No ratings in the last 30 days." in page
    assert "No practices assigned yet." in page and "<svg viewBox" not in page
    # The form offers the ranges the policy checks (care.vocab): levels 1-5, thresholds 1-10.
    for name in ("window_threshold", "crisis_threshold"):
        assert f'name="{name}" min="1" max="10"' in page
    assert page.count('<option value="5"') == 3 and '<option value="6"' not in page


def test_settings_save_flags_readiness_and_bounds(app, therapist, patient):
    browser, token = web_session(app, therapist)
    data = {
        "csrf_token": token,
        "dissociation": "on",
        "yang_ready": "on",
        "start_level": "1",
        "min_level": "1",
        "max_level": "3",
        "window_threshold": "6",
        "crisis_threshold": "9",
    }
    response = browser.post(f"/clients/{patient.client_id}/settings", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("#settings")
    row = client_row(app, patient)
    assert row.flag_dissociation and row.yang_ready and row.max_level == 3
    assert row.window_threshold == 6 and not row.flag_self_harm
    assert "Settings saved." in text(browser.get(f"/clients/{patient.client_id}"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"min_level": "4", "max_level": "2"}, "min_level", "The lowest level (4) is above"),
        ({"window_threshold": "9"}, "window_threshold", "the crisis threshold (9)"),
        # Thresholds run from 1 to 10 (THRESHOLD_RANGE): a 0 would call every rating rough.
        ({"crisis_threshold": "eleven"}, "crisis_threshold", "Use a whole number from 1 to 10."),
        ({"window_threshold": "0"}, "window_threshold", "Use a whole number from 1 to 10."),
        ({"max_level": "7"}, "max_level", "Choose a level from 1 to 5."),
    ],
)
def test_settings_errors_sit_next_to_the_field_and_keep_entries(
    app, therapist, patient, changes, field, message
):
    browser, token = web_session(app, therapist)
    data = {
        "csrf_token": token,
        "self_harm": "on",
        "start_level": "2",
        "min_level": "1",
        "max_level": "5",
        "window_threshold": "7",
        "crisis_threshold": "9",
        **changes,
    }
    response = browser.post(f"/clients/{patient.client_id}/settings", data=data)
    page = text(response)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', page)
    assert error and message in error[1], page[page.find("error-summary") :][:600]
    assert re.search(rf'aria-describedby="[^"]*err-{field}" aria-invalid="true"', page)
    assert 'id="flag-self_harm" name="self_harm" checked' in page  # the other entries stay
    assert '<option value="2" selected>2</option>' in page
    row = client_row(app, patient)
    assert not row.flag_self_harm and row.start_level == 1  # nothing half-saved


def test_hold_release_needs_a_note_and_restarts_low(app, client, therapist, patient):
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    browser, token = web_session(app, therapist)
    page = text(browser.get(f"/clients/{patient.client_id}"))
    assert "On hold since" in page and "Release the hold" in page
    url = f"/clients/{patient.client_id}/hold/release"
    empty = browser.post(url, data={"csrf_token": token, "note": "  "})
    assert empty.status_code == 422 and "Write a short note for the record" in text(empty)
    assert client_row(app, patient).on_hold
    done = browser.post(url, data={"csrf_token": token, "note": "Spoke by phone; safe."})
    assert done.status_code == 302
    row = client_row(app, patient)
    assert not row.on_hold and row.dose_level == 1
    action = record(app, DoseAction, client_id=row.id, kind="release")
    assert action.note == "Spoke by phone; safe."
    page = text(browser.get(f"/clients/{patient.client_id}?history=all"))
    assert "Hold released by rowan: “Spoke by phone; safe.”" in page
    again = browser.post(url, data={"csrf_token": token, "note": "Twice"})
    assert again.status_code == 422 and "not on hold" in text(again)


# Assignments


def test_preview_shows_the_next_prompts_in_local_time_and_saves_nothing(app, therapist):
    patient = make_person(
        app, "client", "kiri@example.org", therapist=therapist, timezone="Pacific/Auckland"
    )
    browser, token = web_session(app, therapist)
    form = text(browser.get(f"/clients/{patient.client_id}/assignments/new"))
    assert "Pacific/Auckland" in form and 'value="08:30"' in form
    response = assign(browser, token, patient, action="preview", time=["07:45", "", "", ""])
    page = text(response)
    assert response.status_code == 200
    assert "Next prompts in kiri's local time (Pacific/Auckland)" in page
    times = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert len(times) == 3
    assert all(iso.endswith(("+12:00", "+13:00")) for iso, _ in times)
    assert all(label.endswith("07:45") for _, label in times)
    assert "at the current dose of 1 prompt a day" in page
    assert "The break we tried on Tuesday." in page  # entries kept
    assert record(app, Assignment, client_id=uuid.UUID(patient.client_id)) is None


def test_assigning_saves_and_plans_prompts(app, therapist, patient):
    browser, token = web_session(app, therapist)
    response = assign(browser, token, patient)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clients/{patient.client_id}#assignments")
    saved = record(app, Assignment, client_id=uuid.UUID(patient.client_id))
    assert saved.practice_id == "self-compassion-break" and saved.max_level == 4
    assert '"times": ["08:30", "19:00"]' in saved.schedule
    page = text(browser.get(f"/clients/{patient.client_id}"))
    assert "A kind pause for a hard moment is assigned." in page
    # At level 1 the prompts invite the lukewarm entry practice (CLINICAL.md section 4).
    assert re.search(r"<li>\w{3} \d\d \w{3} (08:30|19:00) · Noticing kindness around you", page)


def test_a_note_that_breaks_the_language_rules_is_refused_on_the_form(app, therapist, patient):
    browser, token = web_session(app, therapist)
    refused = assign(browser, token, patient, note="You failed again, so try harder this week.")
    page = text(refused)
    assert refused.status_code == 422
    assert re.search(r'id="err-note">[^<]*please reword it', page)
    assert "failed" in page
    assert record(app, Assignment, client_id=uuid.UUID(patient.client_id)) is None


def test_the_safe_person_prelude_is_offered_for_imagery_only(app, therapist, patient):
    browser, token = web_session(app, therapist)
    form = text(browser.get(f"/clients/{patient.client_id}/assignments/new"))
    assert 'name="prelude"' in form
    assert 'value="safe-person-priming"' not in form  # a prelude, never assigned on its own
    refused = assign(browser, token, patient, prelude="on")
    page = text(refused)
    assert refused.status_code == 422
    assert 'id="prelude"' in page and "takes no safe-person prelude" in page
    assert record(app, Assignment, client_id=uuid.UUID(patient.client_id)) is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"practice_id": ""}, "practice_id", "Choose a practice from the list."),
        ({"practice_id": "no-such-thing"}, "practice_id", "Choose a practice from the list."),
        ({"start_level": "5", "max_level": "3"}, "start_level", "The starting level (5)"),
        ({"weekday": []}, "schedule.weekdays", "Choose at least one day of the week."),
        ({"time": ["", "", "", ""]}, "schedule.times", "Add at least one time of day"),
        ({"time": ["08:30", "08:45", "", ""]}, "schedule.times", "08:45"),
        ({"time": ["23:30", "", "", ""]}, "schedule.times", "quiet hours"),
        ({"time": ["8.30", "", "", ""]}, "schedule.times", "is not a time of day"),
        ({"expiry_minutes": "5"}, "schedule.expiry_minutes", "from 10 to 1440"),
        ({"rrule": "FREQ=SOMETIMES"}, "schedule.rrule", "FREQ"),
        ({"note": "x" * 2001}, "note", "under 2,000 characters"),
    ],
)
def test_assignment_errors_sit_next_to_the_field(app, therapist, patient, changes, field, message):
    browser, token = web_session(app, therapist)
    response = assign(browser, token, patient, **changes)
    page = text(response)
    assert response.status_code == 422
    eid = "err-" + field.replace(".", "-")
    error = re.search(rf'<p class="field-error" id="{eid}">([^<]+)</p>', page)
    assert error and message in error[1], re.findall(r'class="field-error"[^>]*>[^<]+', page)
    assert 'class="error-summary" role="alert"' in page
    if "note" not in changes:
        assert "The break we tried on Tuesday." in page
    assert record(app, Assignment, client_id=uuid.UUID(patient.client_id)) is None


def test_gated_practices_are_refused_with_the_rule(app, therapist, patient):
    browser, token = web_session(app, therapist)
    settings = {
        "csrf_token": token,
        "dissociation": "on",
        **{k: v for k, v in [("start_level", "1"), ("min_level", "1"), ("max_level", "5")]},
        "window_threshold": "7",
        "crisis_threshold": "9",
    }
    browser.post(f"/clients/{patient.client_id}/settings", data=settings)
    form = text(browser.get(f"/clients/{patient.client_id}/assignments/new"))
    assert re.search(r"Kind friend[^<]*· not available now|· not available now", form)
    gated = assign(browser, token, patient, practice_id="compassionate-friend")
    page = text(gated)
    assert gated.status_code == 422
    error = re.search(r'<p class="field-error" id="err-practice_id">([^<]+)</p>', page)
    assert "needs a stable client (R1)" in error[1] and "dissociation" in error[1]
    fierce = assign(browser, token, patient, practice_id="fierce-break-protect")
    assert "mark the client ready first" in text(fierce)
    assert record(app, Assignment, client_id=uuid.UUID(patient.client_id)) is None


def test_edit_pause_resume_and_end_an_assignment(app, therapist, patient):
    browser, token = web_session(app, therapist)
    assign(browser, token, patient)
    saved = record(app, Assignment, client_id=uuid.UUID(patient.client_id))
    edit = f"/assignments/{saved.id}/edit"
    form = text(browser.get(edit))
    assert 'value="19:00"' in form and "Save changes" in form and "practice_id" not in form
    changed = browser.post(
        edit,
        data={**ASSIGN, "csrf_token": token, "action": "save", "max_level": "2", "time": ["07:00"]},
    )
    assert changed.status_code == 302
    saved = record(app, Assignment, id=saved.id)
    assert saved.max_level == 2 and '"times": ["07:00"]' in saved.schedule
    bad = browser.post(
        edit, data={**ASSIGN, "csrf_token": token, "action": "save", "min_level": "5"}
    )
    assert bad.status_code == 422 and record(app, Assignment, id=saved.id).min_level == 1
    assert "<h1>A kind pause for a hard moment for sam</h1>" in text(bad)
    many = ["07:00", "09:00", "11:00", "13:00", "15:00", "17:00"]
    browser.post(edit, data={**ASSIGN, "csrf_token": token, "action": "save", "time": many})
    form = text(browser.get(edit))
    assert 'id="time-6" name="time" value="17:00"' in form  # none dropped on the next edit
    pause = browser.post(f"/assignments/{saved.id}/active", data={"csrf_token": token})
    assert pause.status_code == 302 and not record(app, Assignment, id=saved.id).active
    assert "Resume this assignment" in text(browser.get(edit))
    resume = browser.post(
        f"/assignments/{saved.id}/active", data={"csrf_token": token, "active": "1"}
    )
    assert resume.status_code == 302 and record(app, Assignment, id=saved.id).active
    end = browser.post(f"/assignments/{saved.id}/remove", data={"csrf_token": token})
    assert end.status_code == 302
    assert record(app, Assignment, id=saved.id).deleted_at is not None
    assert browser.get(edit).status_code == 404


def test_resuming_a_gated_assignment_after_a_flag_explains_why_not(app, therapist, patient):
    browser, token = web_session(app, therapist)
    assign(browser, token, patient, practice_id="kind-letter")
    saved = record(app, Assignment, client_id=uuid.UUID(patient.client_id))
    settings = {
        "csrf_token": token,
        "suicidality": "on",
        "start_level": "1",
        "min_level": "1",
        "max_level": "5",
        "window_threshold": "7",
        "crisis_threshold": "9",
    }
    browser.post(f"/clients/{patient.client_id}/settings", data=settings)
    assert not record(app, Assignment, id=saved.id).active  # paused by the flag (R1)
    resume = browser.post(
        f"/assignments/{saved.id}/active", data={"csrf_token": token, "active": "1"}
    )
    assert resume.status_code == 422 and "suicidality" in text(resume)
    assert not record(app, Assignment, id=saved.id).active


# Catalogue, own practice, crisis resources


def test_catalogue_lists_client_practices_with_gates(app, therapist):
    browser, _ = web_session(app, therapist)
    page = text(browser.get("/catalogue"))
    assert "A kind pause for a hard moment" in page and "Stability gate (R1)" in page
    assert "Yang readiness (R8)" in page and "equanimity-for-therapists" not in page


def test_practice_preview_has_script_levels_and_audio(app, therapist, patient):
    browser, _ = web_session(app, therapist)
    page = text(browser.get("/catalogue/self-compassion-break?level=3"))
    assert '<article class="practice"' in page and 'data-level="3"' in page
    assert "/api/v1/practices/self-compassion-break/audio?level=3&amp;format=mp3" in page
    assert 'preload="none"' in page and 'aria-current="page">3<' in page
    assert "sam</option>" in page  # the assign-to list holds the therapist's clients
    fallback = text(browser.get("/catalogue/self-compassion-break?level=99"))
    assert 'data-level="1"' in fallback or 'data-level="2"' in fallback
    text_only = text(browser.get("/catalogue/kind-letter"))
    assert "<audio" not in text_only and '<article class="practice"' in text_only
    assert browser.get("/catalogue/no-such-practice").status_code == 404
    jump = browser.get(f"/catalogue/assign?client={patient.client_id}&practice=soothing-touch")
    assert jump.status_code == 302 and "practice=soothing-touch" in jump.headers["Location"]
    form = text(browser.get(jump.headers["Location"]))
    assert '<option value="soothing-touch" selected>' in form
    assert browser.get("/catalogue/assign?client=not-a-uuid").status_code == 404


def test_own_practice_area_has_the_therapist_practice_and_player(app, therapist):
    browser, _ = web_session(app, therapist)
    page = text(browser.get("/own-practice"))
    assert "Steady breathing for a hard session" in page
    assert "/api/v1/practices/equanimity-for-therapists/audio?level=2" in page
    assert "captions.vtt" in page and '<article class="practice"' in page
    assert 'data-level="3"' in text(browser.get("/own-practice?level=3"))


def test_crisis_resources_form_saves_and_reaches_the_client(app, client, therapist, patient):
    browser, token = web_session(app, therapist)
    page = text(browser.get("/crisis-resources"))
    assert "neutral default" in page and "Emergency services" in page
    assert 'id="unconfirmed"' in page and "not yet confirmed" in page
    bad = {
        "csrf_token": token,
        "intro": "Please reach out now.",
        "label-0": "Crisis line",
        "text-0": "Open day and night.",
        "phone-0": "call me maybe",
        "url-0": "",
        "label-1": "",
        "text-1": "A row without a name",
        "phone-1": "",
        "url-1": "",
    }
    refused = browser.post("/crisis-resources", data=bad)
    page = text(refused)
    assert refused.status_code == 422
    assert re.search(r'id="err-phone-0">Use digits', page)
    assert re.search(r'id="err-label-1">Give this entry a name', page)
    assert 'value="Crisis line"' in page and "A row without a name" in page
    good = {**bad, "phone-0": "+44 116 123", "url-0": "https://example.org/help", "text-1": ""}
    assert browser.post("/crisis-resources", data=good).status_code == 302
    mine = client.get("/api/v1/me/crisis-resources", headers=patient.headers).json
    assert mine["source"] == "therapist" and mine["items"][0]["phone"] == "+44 116 123"
    saved = text(browser.get("/crisis-resources"))
    assert "Crisis resources saved." in saved and 'id="unconfirmed"' not in saved
    empty = browser.post("/crisis-resources", data={"csrf_token": token, "intro": ""})
    assert empty.status_code == 422 and "Write a short introduction" in text(empty)


def test_the_audio_preview_plays_with_the_web_session(app, therapist):
    from media.speech import voices

    if voices.availability() is not None:
        pytest.skip("espeak-ng is not installed (make test installs it)")
    browser, _ = web_session(app, therapist)
    page = text(browser.get("/catalogue/watching-kindness?level=1"))
    source = re.search(r'<audio controls preload="none"[^>]* src="([^"]+)"', page)[1]
    with browser.get(source.replace("&amp;", "&")) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
        assert len(audio.data) > 1000
