"""Issue 13 on the client's web pages: the warmth note before the first practice on every path
(the home page, the rate page opened from the home page or from an email link, an entry
practice opened on its own), a lukewarm start that says what plays, the safe landing after a
rough session, the hold's answer for a session finished while held, and the safe-person
prelude on the player."""

import re

from tests.service.web.test_client_pages import _calm, assign, csrf, sent_prompt, sign_in

WARMTH = "cold hands can ache"


def _finish(client, session_url, post, backdraft=()):
    page = client.get(session_url).get_data(as_text=True)
    data = {"csrf_token": csrf(page), "post_distress": str(post), "backdraft": list(backdraft)}
    return client.post(session_url + "/finish", data=data)


def _begin(client, rate_url, rating=3):
    page = client.get(rate_url).get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    form["pre_distress"] = str(rating)
    started = client.post("/practice/start", data=form)
    assert started.status_code == 303, started.get_data(as_text=True)
    return started.headers["Location"]


def _paths(app, client, therapist, patient):
    assignment = assign(client, therapist, patient, practice="self-compassion-break")
    prompt = sent_prompt(app, patient, assignment)
    return {
        "home": "/",
        "rate page": f"/practice/{assignment}",
        "email link": f"/practice/prompt/{prompt}",
        "entry practice": "/practice/open/watching-kindness",
    }


def test_the_warmth_note_is_on_every_path_to_the_first_practice(app, client, therapist, patient):
    paths = _paths(app, client, therapist, patient)
    sign_in(client, patient)
    for name, url in paths.items():
        page = _calm(client.get(url).get_data(as_text=True))
        assert page.count(WARMTH) == 1, name
    _finish(client, _begin(client, "/practice/open/watching-kindness"), 2)
    assert WARMTH not in client.get("/").get_data(as_text=True)
    assert WARMTH not in client.get(paths["rate page"]).get_data(as_text=True)


def test_level_1_says_which_gentle_practice_stands_in(client, therapist, patient):
    assignment = assign(client, therapist, patient, practice="self-compassion-break")
    sign_in(client, patient)
    rate = _calm(client.get(f"/practice/{assignment}").get_data(as_text=True))
    assert "<h1>Noticing kindness around you</h1>" in rate
    assert "A kind pause for a hard moment" in rate and "starts with this short, easy one" in rate
    home = _calm(client.get("/").get_data(as_text=True))
    assert "this starts with a short, easy practice" in home
    assert "About 1 minute" in home


def test_a_rough_session_gets_the_warmth_note_again_and_a_safe_landing(client, therapist, patient):
    sign_in(client, patient)
    _finish(client, _begin(client, "/practice/open/watching-kindness"), 2)
    reply = _finish(client, _begin(client, "/practice/open/watching-kindness"), 8, ["emotions"])
    page = _calm(reply.get_data(as_text=True))
    assert reply.status_code == 200
    assert "cold hands ache" in page  # said again after a rough session
    assert "A moment to land" in page and "Press your feet into the floor" in page
    assert 'href="/help"' in page and "people you can reach right now" in page
    assert "stays short and light" in page  # at level 1 already: honest about the next one


def test_a_steady_session_has_no_landing(client, therapist, patient):
    sign_in(client, patient)
    reply = _finish(client, _begin(client, "/practice/open/watching-kindness"), 2)
    page = reply.get_data(as_text=True)
    assert "A moment to land" not in page and "cold hands" not in page


def test_the_landing_offers_the_grounding_practice(client, therapist, patient):
    sign_in(client, patient)
    reply = _finish(client, _begin(client, "/practice/open/watching-kindness"), 8)
    page = reply.get_data(as_text=True)
    assert 'href="/practice/open/grounding"' in page
    rate = client.get("/practice/open/grounding")
    assert rate.status_code == 200
    player = client.get(_begin(client, "/practice/open/grounding"))
    assert player.status_code == 200


def test_only_entry_practices_open_on_their_own(client, patient):
    sign_in(client, patient)
    for practice in ("self-compassion-break", "compassionate-friend", "no-such-practice"):
        assert client.get(f"/practice/open/{practice}").status_code == 404


def test_a_session_finished_while_held_elsewhere_shows_the_hold_page(client, therapist, patient):
    sign_in(client, patient)
    session_url = _begin(client, "/practice/open/watching-kindness")
    page = client.get(session_url).get_data(as_text=True)
    held = client.post(
        "/api/v1/me/checkins", headers=patient.headers, json={"distress": 10}
    )  # the app, on another device
    assert held.status_code == 201
    finished = client.post(
        session_url + "/finish", data={"csrf_token": csrf(page), "post_distress": "3"}
    )
    text = _calm(finished.get_data(as_text=True))
    assert "Practices are paused for now" in text and "Practices are resting for now" in text


def test_the_help_page_says_what_to_do_if_the_therapist_cannot_be_reached(client, patient):
    sign_in(client, patient)
    page = _calm(client.get("/help").get_data(as_text=True))
    assert "If you cannot reach your therapist quickly, do not wait for them" in page


def test_no_client_page_promises_that_the_therapist_will_call(client, therapist, patient):
    sign_in(client, patient)
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 10})
    for url in ("/", "/help"):
        page = _calm(client.get(url).get_data(as_text=True)).lower()
        assert "has been told" in page
        for promise in ("will check in", "will call", "will contact", "checks in with you"):
            assert promise not in page, (url, promise)


def test_showing_what_plays_writes_nothing(app, client, therapist, patient):
    import uuid

    from sqlmodel import Session, func, select

    from care.tables import CheckIn, DoseDecision
    from service import db

    assignment = assign(client, therapist, patient, practice="self-compassion-break")
    sign_in(client, patient)

    def decisions() -> int:
        with app.app_context(), Session(db.engine()) as session:
            return session.exec(select(func.count()).select_from(DoseDecision)).one()

    with app.app_context(), Session(db.engine()) as session:
        # A report not yet decided (as a crashed decision would leave it).
        session.add(CheckIn(client_id=uuid.UUID(patient.client_id), distress=3))
        session.commit()
    before = decisions()
    for url in ("/", f"/practice/{assignment}"):
        assert client.get(url).status_code == 200
    assert decisions() == before  # page views read; the next report decides
