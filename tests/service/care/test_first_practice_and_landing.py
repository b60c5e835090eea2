"""Issue 13 through the API, as a companion app sees it: the warmth note before the very first
practice (CLINICAL.md section 2, rule 3), the safe landing after a rough session, the hold's
answer for a session finished while a hold was set elsewhere, the safe-person prelude before
imagery, and rows stored at a level the library no longer offers."""

from care.reports.replies import GROUNDING_STEPS, WARMTH_NOTE
from practices.language import language_problems
from tests.records import sent_prompt
from tests.reports import practise


def _assign(client, therapist, patient, **fields):
    body = {"practice_id": "self-compassion-break", **fields}
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )
    return response


def _start(client, patient, **target):
    response = client.post(
        "/api/v1/me/sessions", headers=patient.headers, json={**target, "pre_distress": 3}
    )
    assert response.status_code == 201, response.json
    return response.json


def _finish(client, patient, session_id, post, backdraft=()):
    response = client.post(
        f"/api/v1/me/sessions/{session_id}/finish",
        headers=patient.headers,
        json={"post_distress": post, "backdraft": list(backdraft)},
    )
    assert response.status_code == 200, response.json
    return response.json


def _pin(client, therapist, patient, level):
    url = f"/api/v1/clients/{patient.client_id}/dose"
    response = client.put(url, headers=therapist.headers, json={"pinned_level": level})
    assert response.status_code == 200, response.json


def test_the_warmth_note_comes_with_the_first_start_only(client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    first = _start(client, patient, assignment_id=assignment["id"])
    assert first["warmth_note"] == WARMTH_NOTE
    assert "cold hands" in first["warmth_note"] and language_problems(WARMTH_NOTE) == []
    # Starting again before finishing is still before the first practice.
    again = _start(client, patient, assignment_id=assignment["id"])
    assert again["warmth_note"] == WARMTH_NOTE
    _finish(client, patient, again["id"], 2)
    later = _start(client, patient, assignment_id=assignment["id"])
    assert later["warmth_note"] is None


def test_the_warmth_note_also_comes_with_an_entry_practice_started_directly(client, patient):
    started = _start(client, patient, practice_id="watching-kindness")
    assert started["warmth_note"] == WARMTH_NOTE


def test_no_script_carries_the_warmth_warning(client, therapist):
    # The warning lives outside the scripts (said once, where the brief says).
    listed = client.get("/api/v1/practices?limit=100", headers=therapist.headers).json["items"]
    for item in listed:
        for level in [lv["level"] for lv in item["levels"]]:
            url = f"/api/v1/practices/{item['id']}/script?level={level}&format=text"
            text = client.get(url, headers=therapist.headers).get_data(as_text=True).lower()
            assert "cold hands" not in text and "by a fire" not in text, (item["id"], level)


def test_a_rough_session_lands_safely(client, therapist, patient):
    _pin(client, therapist, patient, 3)
    assignment = _assign(client, therapist, patient, start_level=3).json
    started = _start(client, patient, assignment_id=assignment["id"])
    assert started["level"] == 3
    finished = _finish(client, patient, started["id"], 8, backdraft=["emotions"])
    assert finished["rough"] is True and finished["crisis"] is None
    assert "cold hands" in finished["reply"]  # the warmth note again, after a rough session
    assert "shorter" in finished["reply"]
    landing = finished["landing"]
    assert landing["steps"] == list(GROUNDING_STEPS) and landing["next_shorter"] is True
    assert landing["help_url"] == "/api/v1/me/crisis-resources"
    assert client.get(landing["help_url"], headers=patient.headers).status_code == 200
    assert landing["practice_id"] == "grounding"
    # The grounding practice can be played at once, assigned or not.
    grounding = _start(client, patient, practice_id=landing["practice_id"])
    assert grounding["practice_id"] == "grounding"
    for text in [finished["reply"], landing["intro"], *landing["steps"]]:
        assert language_problems(text) == [], text
    nxt = _start(client, patient, assignment_id=assignment["id"])
    assert nxt["level"] < started["level"]


def test_a_steady_session_has_no_landing(client, therapist, patient):
    _, finished = practise(client, patient, 4, 3)
    assert finished["rough"] is False and finished["landing"] is None
    assert "cold hands" not in finished["reply"]


def test_a_session_finished_while_held_elsewhere_gets_the_holds_answer(client, therapist, patient):
    started = _start(client, patient, practice_id="watching-kindness")
    checkin = client.post(
        "/api/v1/me/checkins", headers=patient.headers, json={"distress": 9}
    )  # another device, a moment later
    assert checkin.status_code == 201 and checkin.json["crisis"] is not None
    finished = _finish(client, patient, started["id"], 3)
    assert finished["crisis"] is not None and finished["crisis"]["items"]
    assert (
        "paused" in finished["reply"]
        and "Thank you for taking this time" not in (finished["reply"])
    )
    assert finished["dose"]["on_hold"] is True


def test_the_prelude_plays_before_imagery_when_the_therapist_asks(client, therapist, patient):
    practise(client, patient, 3, 2)  # other-to-self imagery never comes first (R6)
    _pin(client, therapist, patient, 2)
    refused = _assign(client, therapist, patient, prelude=True)
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "prelude" and "imagery" in refused.json["detail"]
    made = _assign(
        client,
        therapist,
        patient,
        practice_id="compassionate-friend",
        start_level=2,
        min_level=2,
        prelude=True,
    )
    assert made.status_code == 201, made.json
    assert made.json["prelude"] is True
    started = _start(client, patient, assignment_id=made.json["id"])
    assert started["practice_id"] == "compassionate-friend"
    prelude = started["prelude"]
    assert prelude["practice_id"] == "safe-person-priming" and prelude["level"] == 1
    script = client.get(prelude["links"]["script"], headers=patient.headers)
    assert script.status_code == 200
    off = client.patch(
        f"/api/v1/assignments/{made.json['id']}", headers=therapist.headers, json={"prelude": False}
    )
    assert off.status_code == 200 and off.json["prelude"] is False
    assert _start(client, patient, assignment_id=made.json["id"])["prelude"] is None


def test_a_prompt_stored_at_a_level_no_longer_offered_still_lists(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    # Stored before level 1 became entry practices only.
    sent_prompt(
        app, patient.client_id, assignment["id"], practice_id="self-compassion-break", level=1
    )
    listed = client.get("/api/v1/me/prompts", headers=patient.headers)
    assert listed.status_code == 200
    assert [p["minutes"] for p in listed.json["items"]] == [3]
    assert client.get("/").status_code in (200, 302)


def test_an_urgent_alert_names_the_safety_concern_before_the_rating(client, therapist, patient):
    sent = client.post(
        "/api/v1/me/checkins",
        headers=patient.headers,
        json={"distress": 2, "safety_concern": True},
    )
    assert sent.status_code == 201 and sent.json["crisis"] is not None
    alerts = client.get("/api/v1/alerts", headers=therapist.headers).json["items"]
    urgent = [a["message"] for a in alerts if a["severity"] == "urgent"]
    assert urgent
    for message in urgent:
        concern = message.find("harm themselves")
        assert 0 <= concern < message.find("2/10") or "2/10" not in message, message
        assert concern < 80, message  # said at once, not after the numbers


def test_a_note_to_the_client_follows_the_language_rules(client, therapist, patient):
    for note, word in [
        ("You missed two days, try harder.", "missed"),
        ("This self-compassion practice will help.", "self-compassion"),
        ("This will make the pain go away.", "make the pain go away"),
    ]:
        refused = _assign(client, therapist, patient, note=note)
        assert refused.status_code == 422, note
        error = refused.json["errors"][0]
        assert error["field"] == "note" and word in error["message"].lower()
        assert "reword" in error["message"]
    made = _assign(client, therapist, patient, note="After dinner is a good time.")
    assert made.status_code == 201
    url = f"/api/v1/assignments/{made.json['id']}"
    changed = client.patch(url, headers=therapist.headers, json={"note": "Don't forget!"})
    assert changed.status_code == 422 and changed.json["errors"][0]["field"] == "note"
    kept = client.get(f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers)
    assert [a["note"] for a in kept.json["items"]] == ["After dinner is a good time."]
