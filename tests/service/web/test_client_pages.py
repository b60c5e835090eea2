"""The client pages on the server side: who may see them, the plain-form practice flow (rate,
practise, rate again, reply), the hold page, history, settings, CSRF refusal and kind words."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from care.tables import CheckIn, Client, PracticeSession, Prompt
from tests.conftest import make_person

# ---------------------------------------------------------------------------------------------
# Helpers (the browser tests in tests/web use them too)


def csrf(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def sign_in(client, person) -> None:
    """Sign in through the login form (a cookie session, as a browser has)."""
    token = csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": person.email, "password": person.password, "csrf_token": token}
    )
    assert response.status_code == 302


def assign(client, therapist, patient, practice="watching-kindness", note="") -> str:
    """Assign a practice through the API; returns the assignment id."""
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": practice, "note": note, "schedule": {"times": ["08:30"]}},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def sent_prompt(app, patient, assignment_id: str, *, expired: bool = False) -> str:
    """A prompt that has just been sent (as the dispatcher leaves it); returns its id."""
    from service import db

    now = datetime.now(UTC)
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        prompt = Prompt(
            client_id=uuid.UUID(patient.client_id),
            assignment_id=uuid.UUID(assignment_id),
            slot=f"test-{uuid.uuid4().hex[:8]}",
            scheduled_at=now - timedelta(minutes=2),
            expires_at=now + (timedelta(minutes=-1) if expired else timedelta(hours=2)),
            practice_id="watching-kindness",
            level=1,
            status="expired" if expired else "sent",
            sent_at=now - timedelta(minutes=1),
            idempotency_key=uuid.uuid4().hex,
        )
        session.add(prompt)
        session.commit()
        return str(prompt.id)


def _rows(app, model, **where):
    from service import db

    with app.app_context(), Session(db.engine()) as session:
        statement = select(model)
        for key, value in where.items():
            statement = statement.where(getattr(model, key) == value)
        return list(session.exec(statement))


def _client_row(app, patient) -> Client:
    return _rows(app, Client, id=uuid.UUID(patient.client_id))[0]


def _start(client, assignment_id, rating, prompt_id=None):
    page = client.get(f"/practice/{assignment_id}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "assignment_id": assignment_id, "pre_distress": rating}
    if prompt_id:
        data["prompt_id"] = prompt_id
    return client.post("/practice/start", data=data)


FORBIDDEN_WORDS = ("self-compassion", "self compassion", "streak", "missed", "failed", "forget")


def _calm(page: str) -> str:
    """Checks every client page must pass: kind words, and nothing the CSP would block."""
    lower = page.lower()
    for word in FORBIDDEN_WORDS:
        assert word not in lower, word
    assert not re.search(r"<script(?![^>]*\ssrc=)", page), "inline script"
    assert not re.search(r"\sstyle=", page), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    return page


@pytest.fixture
def signed_in(client, patient):
    sign_in(client, patient)
    return client


# ---------------------------------------------------------------------------------------------
# Access


CLIENT_PAGES = ["/help", "/history", "/settings"]


def test_client_pages_need_sign_in_and_the_client_role(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    prompt = sent_prompt(app, patient, assignment)
    pages = [*CLIENT_PAGES, f"/practice/{assignment}", f"/practice/prompt/{prompt}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == f"/login?next={path}"
    sign_in(client, therapist)
    for path in pages:
        assert client.get(path).status_code == 403, path


def test_another_clients_practice_prompt_and_session_are_not_found(app, client, therapist, patient):
    other = make_person(app, "client", "kim@example.org", therapist=therapist)
    assignment = assign(client, therapist, other)
    prompt = sent_prompt(app, other, assignment)
    sign_in(client, other)
    started = _start(client, assignment, "3")
    session_path = started.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf(client.get("/").get_data(as_text=True))})
    sign_in(client, patient)
    for path in (f"/practice/{assignment}", f"/practice/prompt/{prompt}", session_path):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Nothing here" in response.get_data(as_text=True)
    token = csrf(client.get("/help").get_data(as_text=True))
    refused = client.post(
        "/practice/start",
        data={"csrf_token": token, "assignment_id": assignment, "pre_distress": "3"},
    )
    assert refused.status_code == 404
    finish = client.post(f"{session_path}/finish", data={"csrf_token": token, "post_distress": 2})
    assert finish.status_code == 404
    assert client.get("/practice/not-a-uuid").status_code == 404


# ---------------------------------------------------------------------------------------------
# Home


def test_home_shows_practices_inbox_and_the_help_link(app, client, therapist, patient):
    assignment = assign(client, therapist, patient, note="Try it after breakfast.")
    prompt = sent_prompt(app, patient, assignment)
    sign_in(client, patient)
    page = _calm(client.get("/").get_data(as_text=True))
    assert "Today's practices" in page and "Noticing kindness around you" in page
    assert "Try it after breakfast." in page
    assert f'href="/practice/{assignment}"' in page
    assert f'href="/practice/prompt/{prompt}"' in page
    assert page.count('href="/help"') >= 2  # the nav and the help box
    assert "client.css" in page
    assert page.count("cold hands can ache") == 1  # said once


def test_the_warning_about_warmth_is_given_once_before_the_first_practice(
    app, client, therapist, patient
):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    assert "cold hands can ache" in client.get("/").get_data(as_text=True)
    started = _start(client, assignment, 4)
    player = client.get(started.headers["Location"]).get_data(as_text=True)
    finished = client.post(
        started.headers["Location"] + "/finish",
        data={"csrf_token": csrf(player), "post_distress": 3},
    )
    assert finished.status_code == 200
    assert "cold hands can ache" not in _calm(client.get("/").get_data(as_text=True))


def test_home_without_practices_is_calm(signed_in):
    page = _calm(signed_in.get("/").get_data(as_text=True))
    assert "has not shared a practice with you yet" in page and "Nothing waiting" in page


# ---------------------------------------------------------------------------------------------
# The player


def test_prompt_link_opens_the_prompt_and_asks_for_a_rating(app, client, therapist, patient):
    assignment = assign(client, therapist, patient, note="Go gently.")
    prompt = sent_prompt(app, patient, assignment)
    sign_in(client, patient)
    response = client.get(f"/practice/prompt/{prompt}")
    page = _calm(response.get_data(as_text=True))
    assert response.status_code == 200
    # Eleven choices and none chosen: the answer is never pulled toward a starting number.
    radio = r'<input type="radio" id="pre_distress-(\d+)" name="pre_distress"[^>]*>'
    choices = re.findall(radio, page)
    assert choices == [str(n) for n in range(11)]
    assert 'name="pre_distress" value="5" checked' not in page and " checked" not in page
    assert "<legend>How much distress are you feeling right now?</legend>" in page
    assert "the worst imaginable" in page
    assert f'name="prompt_id" value="{prompt}"' in page and "Go gently." in page
    assert "client-rating.js" in page
    row = _rows(app, Prompt, id=uuid.UUID(prompt))[0]
    assert row.status == "opened" and row.opened_at is not None


def test_a_closed_prompt_explains_itself_kindly(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    prompt = sent_prompt(app, patient, assignment, expired=True)
    sign_in(client, patient)
    response = client.get(f"/practice/prompt/{prompt}")
    assert response.status_code == 410
    assert "completely fine" in _calm(response.get_data(as_text=True))


def test_the_whole_practice_with_plain_forms(app, client, therapist, patient):
    assignment = assign(client, therapist, patient, note="Just notice.")
    prompt = sent_prompt(app, patient, assignment)
    sign_in(client, patient)
    started = _start(client, assignment, "4", prompt)
    assert started.status_code == 303
    player_path = started.headers["Location"]
    page = _calm(client.get(player_path).get_data(as_text=True))
    assert '<audio controls preload="metadata"' in page
    assert '<source src="/api/v1/practices/watching-kindness/audio?level=1&amp;format=mp3"' in page
    assert '<track kind="captions" srclang="en" label="Captions"' in page and "default>" in page
    assert '<article class="practice"' in page and "Just notice." in page
    assert "Touch, only if you like" in page
    assert 'name="post_distress"' in page and 'value="4"' in page  # starts at the rating before
    for key in ("thoughts", "emotions", "body", "behaviour"):
        assert f'<label for="backdraft-{key}">' in page
    finished = client.post(
        f"{player_path}/finish",
        data={"csrf_token": csrf(page), "post_distress": "3", "note": "Calmer."},
    )
    reply = _calm(finished.get_data(as_text=True))
    assert finished.status_code == 200 and "Thank you for taking this time" in reply
    row = _rows(app, PracticeSession, client_id=uuid.UUID(patient.client_id))[0]
    assert (row.status, row.pre_distress, row.post_distress, row.note) == (
        "finished",
        4,
        3,
        "Calmer.",
    )
    assert _rows(app, Prompt, id=uuid.UUID(prompt))[0].status == "completed"
    again = client.get(player_path)
    assert again.status_code == 409 and "complete" in again.get_data(as_text=True)


def test_backdraft_gets_the_warming_up_reply(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    player = _start(client, assignment, "3").headers["Location"]
    token = csrf(client.get(player).get_data(as_text=True))
    reply = client.post(
        f"{player}/finish",
        data={"csrf_token": token, "post_distress": "3", "backdraft": ["emotions", "body"]},
    ).get_data(as_text=True)
    assert "cold hands" in _calm(reply) and "aches in the body, strong feelings" in reply


def test_a_bad_rating_is_explained_next_to_the_field_and_nothing_is_saved(
    app, client, therapist, patient
):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    # ("11" and "9.5" are heard as a crisis: see the test after the help page's.)
    # "¹" and "²" pass str.isdigit() but are not numbers int() can read.
    for bad in ("", "eleven", "-1", "4.5", "8.5", "¹", "²"):
        response = _start(client, assignment, bad)
        page = _calm(response.get_data(as_text=True))
        assert response.status_code == 422, bad
        assert '<p class="field-error" id="pre_distress-error">' in page
        assert 'aria-describedby="pre_distress-hint pre_distress-error"' in page
        assert 'aria-invalid="true"' in page
    assert _rows(app, PracticeSession) == []


def test_finish_errors_keep_the_other_entries(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    player = _start(client, assignment, "5").headers["Location"]
    token = csrf(client.get(player).get_data(as_text=True))
    response = client.post(
        f"{player}/finish",
        data={
            "csrf_token": token,
            "post_distress": "twelve",
            "backdraft": ["thoughts", "nonsense"],
            "note": "x" * 2001,
            "safety_concern": "",
        },
    )
    page = _calm(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="post_distress-error"' in page and 'id="backdraft-error"' in page
    assert 'id="note-error"' in page and "2,001" in page
    assert 'value="thoughts" checked' in page and "x" * 2001 in page
    assert _rows(app, PracticeSession)[0].status == "started"
    fixed = client.post(
        f"{player}/finish",
        data={"csrf_token": token, "post_distress": "4", "backdraft": ["thoughts"]},
    )
    assert fixed.status_code == 200 and "thoughts or beliefs" in fixed.get_data(as_text=True)


def test_a_crisis_rating_before_shows_the_hold_page(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    response = _start(client, assignment, "9")
    page = _calm(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Help is here" in page and "Emergency services" in page
    assert "your therapist has been told" in page
    assert _client_row(app, patient).on_hold
    # Afterwards every way into a practice leads to the hold page, calmly.
    again = _calm(client.get(f"/practice/{assignment}").get_data(as_text=True))
    assert "Help is here" in again and "Practices are resting for now" in again
    home = _calm(client.get("/").get_data(as_text=True))
    assert "Practices are resting for now" in home and "Begin" not in home


def test_a_safety_concern_after_the_practice_shows_the_hold_page(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    player = _start(client, assignment, "3").headers["Location"]
    token = csrf(client.get(player).get_data(as_text=True))
    response = client.post(
        f"{player}/finish",
        data={"csrf_token": token, "post_distress": "3", "safety_concern": "yes"},
    )
    assert "Emergency services" in _calm(response.get_data(as_text=True))
    assert _client_row(app, patient).on_hold


def test_a_paused_practice_is_explained(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    client.patch(
        f"/api/v1/assignments/{assignment}", headers=therapist.headers, json={"active": False}
    )
    sign_in(client, patient)
    response = client.get(f"/practice/{assignment}")
    assert response.status_code == 409
    assert "paused this practice" in _calm(response.get_data(as_text=True))


def test_a_text_only_practice_has_no_audio(app, client, therapist, patient):
    pinned = client.put(
        f"/api/v1/clients/{patient.client_id}/dose",
        headers=therapist.headers,
        json={"pinned_level": 2},
    )
    assert pinned.status_code == 200, pinned.json
    assignment = assign(client, therapist, patient, practice="kind-letter")
    client.patch(
        f"/api/v1/assignments/{assignment}", headers=therapist.headers, json={"start_level": 2}
    )
    sign_in(client, patient)
    player = _start(client, assignment, "2").headers["Location"]
    page = _calm(client.get(player).get_data(as_text=True))
    assert "<audio" not in page and '<article class="practice"' in page


# ---------------------------------------------------------------------------------------------
# Help and check-ins


def test_help_page_and_check_in(app, signed_in, patient):
    page = _calm(signed_in.get("/help").get_data(as_text=True))
    assert "Help is here" in page and "Emergency services" in page and "Your therapist" in page
    token = csrf(page)
    bad = signed_in.post(
        "/help/checkin", data={"csrf_token": token, "distress": "ten", "note": "hi"}
    )
    assert bad.status_code == 422 and ">hi</textarea>" in bad.get_data(as_text=True)
    ok = signed_in.post("/help/checkin", data={"csrf_token": token, "distress": "3"})
    assert "Thank you for checking in" in _calm(ok.get_data(as_text=True))
    crisis = signed_in.post(
        "/help/checkin", data={"csrf_token": token, "distress": "2", "safety_concern": "yes"}
    )
    assert "your therapist has been told" in _calm(crisis.get_data(as_text=True))
    assert len(_rows(app, CheckIn)) == 2 and _client_row(app, patient).on_hold


@pytest.mark.parametrize(
    "form",
    [
        {"distress": "", "safety_concern": "yes"},
        {"distress": "ten", "safety_concern": "yes"},
        {"distress": "11"},
        {"distress": "9.5", "note": "x" * 3000},
    ],
)
def test_a_crisis_on_the_help_page_is_heard_however_it_is_written(app, signed_in, patient, form):
    token = csrf(signed_in.get("/help").get_data(as_text=True))
    response = signed_in.post("/help/checkin", data={"csrf_token": token, **form})
    assert response.status_code == 200
    assert "your therapist has been told" in _calm(response.get_data(as_text=True))
    assert len(_rows(app, CheckIn)) == 1 and _client_row(app, patient).on_hold


@pytest.mark.parametrize("rating", ["11", "9.5", "100"])
def test_a_crisis_rating_before_practice_is_heard_however_it_is_written(
    app, signed_in, therapist, patient, rating
):
    assignment = assign(signed_in, therapist, patient)
    response = _start(signed_in, assignment, rating)
    assert response.status_code == 200
    assert "your therapist has been told" in _calm(response.get_data(as_text=True))
    assert _client_row(app, patient).on_hold


# ---------------------------------------------------------------------------------------------
# History


def test_history_draws_the_ratings_and_marks_practice_days(app, client, therapist, patient):
    sign_in(client, patient)
    empty = _calm(client.get("/history").get_data(as_text=True))
    assert "Once you have done a practice" in empty and "<svg" not in empty
    assignment = assign(client, therapist, patient)
    for before, after in (("6", "4"), ("5", "5")):
        player = _start(client, assignment, before).headers["Location"]
        token = csrf(client.get(player).get_data(as_text=True))
        client.post(f"{player}/finish", data={"csrf_token": token, "post_distress": after})
    page = _calm(client.get("/history").get_data(as_text=True))
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert '<title id="chart-title">' in page and '<desc id="chart-desc">' in page
    assert page.count('class="point-pre"') == 2 and page.count('class="point-post"') == 2
    assert ": before 6</title>" in page and ": after 4</title>" in page
    assert "<caption>Your ratings, before and after each practice</caption>" in page
    assert page.count('class="practised') == 1  # one day, marked once, never counted
    assert 'aria-current="date"' in page
    bogus = client.get("/history?month=1999-01")  # clamped to the first month of care
    assert bogus.status_code == 200


def test_history_chart_keeps_gaps_and_scales():
    from service.web.shared.charts import history_chart

    when = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    entries = [
        {"when": when, "title": "A", "pre": 10, "post": 0},
        {"when": when + timedelta(days=1), "title": "A", "pre": 9, "post": None},
        {"when": when + timedelta(days=2), "title": "A", "pre": 4, "post": 2},
    ]
    chart = history_chart(entries)
    top, bottom = chart["top"], chart["height"] - chart["bottom"]
    assert chart["points"][0]["pre_y"] == top and chart["points"][0]["post_y"] == bottom
    assert chart["post_path"].count("M") == 2  # the line breaks where no rating after exists
    assert "from 1 May to 3 May" in chart["desc"]
    assert history_chart([]) is None


# ---------------------------------------------------------------------------------------------
# Settings


def _settings(**changes):
    data = {
        "script_name": "Sam",
        "touch_alternative": "a warm mug",
        "timezone": "Europe/Lisbon",
        "quiet_start": "21:30",
        "quiet_end": "07:15",
        "email_prompts": "yes",
        "voice": "gmw/en-us",
        "speech_rate": "120",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_save_and_show_again(app, signed_in, patient):
    page = _calm(signed_in.get("/settings").get_data(as_text=True))
    for field in ("script_name", "timezone", "quiet_start", "quiet_end", "voice", "speech_rate"):
        assert f'<label for="{field}">' in page, field
    assert '<option value="Europe/Berlin" selected>' in page
    from media.speech.voices import default_voice

    sample = "/api/v1/practices/watching-kindness/audio?level=1&amp;format=mp3&amp;voice="
    assert sample + default_voice() in page  # the entry practice: always shared with the client
    response = signed_in.post("/settings", data={"csrf_token": csrf(page), **_settings()})
    assert response.status_code == 303 and response.headers["Location"] == "/settings?saved=1"
    row = _client_row(app, patient)
    assert (row.script_name, row.touch_alternative, row.timezone) == (
        "Sam",
        "a warm mug",
        "Europe/Lisbon",
    )
    assert (row.quiet_start.strftime("%H:%M"), row.quiet_end.strftime("%H:%M")) == (
        "21:30",
        "07:15",
    )
    assert (row.email_prompts, row.reminders, row.voice, row.speech_rate) == (
        True,
        False,
        "gmw/en-us",
        120,
    )
    shown = _calm(signed_in.get("/settings?saved=1").get_data(as_text=True))
    assert "Your settings are saved." in shown and 'value="Sam"' in shown
    assert "voice=gmw/en-us&amp;rate=120" in shown
    cleared = signed_in.post(
        "/settings",
        data={"csrf_token": csrf(page), **_settings(script_name="", quiet_start="", quiet_end="")},
    )
    assert cleared.status_code == 303
    row = _client_row(app, patient)
    assert row.script_name is None and row.quiet_start is None and row.quiet_end is None
    assert row.email_prompts is True


def test_settings_errors_are_next_to_each_field_and_keep_entries(app, signed_in, patient):
    token = csrf(signed_in.get("/settings").get_data(as_text=True))
    data = _settings(
        script_name="{Sam}",
        timezone="Mars/Olympus",
        quiet_start="25:00",
        voice="robot",
        speech_rate="¹²⁰",
        touch_alternative="my cat",
    )
    response = signed_in.post("/settings", data={"csrf_token": token, **data})
    page = _calm(response.get_data(as_text=True))
    assert response.status_code == 422
    for field in ("script_name", "timezone", "quiet_start", "voice", "speech_rate"):
        assert f'id="{field}-error"' in page, field
    assert 'value="my cat"' in page and 'value="07:15"' in page and 'value="¹²⁰"' in page
    assert "Nothing is saved yet" in page and '<option value="robot"' not in page
    row = _client_row(app, patient)
    assert row.timezone == "Europe/Berlin" and row.touch_alternative is None
    one_end = signed_in.post(
        "/settings", data={"csrf_token": token, **_settings(quiet_end="")}
    ).get_data(as_text=True)
    assert 'id="quiet_end-error"' in one_end and "both ends" in one_end
    same = signed_in.post(
        "/settings", data={"csrf_token": token, **_settings(quiet_end="21:30")}
    ).get_data(as_text=True)
    assert "whole day" in same


def test_saving_unchanged_settings_keeps_defaults_and_the_therapists_choices(
    app, client, therapist, patient
):
    from media.speech.voices import default_voice

    sign_in(client, patient)
    page = client.get("/settings").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "timezone": "Europe/Berlin", "voice": default_voice()}
    data.update(quiet_start="22:00", quiet_end="07:00", speech_rate="140", email_prompts="yes")
    assert client.post("/settings", data=data).status_code == 303
    row = _client_row(app, patient)
    assert row.voice is None and row.speech_rate is None  # still "the calm default"
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"voice": "roa/fr", "speech_rate": 90},
    )
    page = client.get("/settings").get_data(as_text=True)
    assert '<option value="roa/fr" selected>' in page and 'value="90"' in page
    data.update(voice="roa/fr", speech_rate="90", csrf_token=csrf(page))
    assert client.post("/settings", data=data).status_code == 303
    row = _client_row(app, patient)
    assert (row.voice, row.speech_rate) == ("roa/fr", 90)


def test_a_safety_concern_is_never_held_up_by_a_form_problem(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    player = _start(client, assignment, "4").headers["Location"]
    token = csrf(client.get(player).get_data(as_text=True))
    response = client.post(
        f"{player}/finish",
        data={"csrf_token": token, "post_distress": "", "safety_concern": "yes"},
    )
    assert "Emergency services" in _calm(response.get_data(as_text=True))
    assert _client_row(app, patient).on_hold
    (checkin,) = _rows(app, CheckIn)
    assert checkin.safety_concern and checkin.distress == 4


# ---------------------------------------------------------------------------------------------
# CSRF


def test_every_client_form_refuses_a_stale_token_and_saves_nothing(app, client, therapist, patient):
    assignment = assign(client, therapist, patient)
    sign_in(client, patient)
    player = _start(client, assignment, "4").headers["Location"]
    posts = {
        "/practice/start": {"assignment_id": assignment, "pre_distress": "3"},
        f"{player}/finish": {"post_distress": "2"},
        "/help/checkin": {"distress": "2"},
        "/settings": _settings(),
    }
    for path, data in posts.items():
        for token in (None, "stale-token-from-yesterday"):
            sent = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=sent)
            assert response.status_code == 400, path
            assert "nothing was saved" in response.get_data(as_text=True)
    sessions = _rows(app, PracticeSession)
    assert len(sessions) == 1 and sessions[0].status == "started"
    assert _rows(app, CheckIn) == []
    assert _client_row(app, patient).timezone == "Europe/Berlin"


def test_a_name_the_voice_cannot_say_is_flagged_and_the_client_writes_how_it_sounds(
    app, signed_in, patient
):
    page = _calm(signed_in.get("/settings").get_data(as_text=True))
    assert 'id="name-warning"' not in page
    flagged = signed_in.post(
        "/settings", data={"csrf_token": csrf(page), **_settings(script_name="Nguyễn 🌻")}
    )
    assert flagged.status_code == 303
    shown = _calm(signed_in.get("/settings").get_data(as_text=True))
    assert 'id="name-warning"' in shown and "ễ 🌻" in shown
    saved = signed_in.post(
        "/settings",
        data={
            "csrf_token": csrf(shown),
            **_settings(script_name="Nguyễn 🌻", spoken_name="Nwin"),
        },
    )
    assert saved.status_code == 303
    row = _client_row(app, patient)
    assert (row.script_name, row.spoken_name) == ("Nguyễn 🌻", "Nwin")
    calm = _calm(signed_in.get("/settings").get_data(as_text=True))
    assert 'id="name-warning"' not in calm  # the voice now says the spoken name
    refused = signed_in.post(
        "/settings",
        data={"csrf_token": csrf(calm), **_settings(spoken_name="\u200b\u3164")},
    )
    assert refused.status_code == 422  # invisible-only names are refused
    assert _client_row(app, patient).spoken_name == "Nwin"
