"""Assignments, reports and the dose through the API, as therapist and client, on both
databases: the rules of CLINICAL.md as a person using hearth would notice them."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlmodel import select

from care.db import session_scope
from care.tables import Alert, AuditEvent, CheckIn, Client, PracticeSession
from care.types import utcnow
from practices.language import language_problems
from tests.reports import practise


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def _assign(client, therapist, patient, **fields):
    body = {"practice_id": "self-compassion-break", **fields}
    return client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )


def _practise(client, patient, assignment_id, pre, post, backdraft=()):
    return practise(client, patient, pre, post, backdraft, assignment_id=assignment_id)


def _patch(client, therapist, patient, **fields):
    response = client.patch(
        f"/api/v1/clients/{patient.client_id}", headers=therapist.headers, json=fields
    )
    assert response.status_code == 200, response.json


@contextmanager
def _session(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        yield session


def test_assign_start_and_finish_a_practice(client, therapist, patient):
    assignment = _assign(client, therapist, patient, note="After dinner is a good time")
    assert assignment.status_code == 201
    started, finished = _practise(client, patient, assignment.json["id"], pre=4, post=3)
    # Level 1 is lukewarm (CLINICAL.md section 4): the entry practice plays, not the opening of
    # the assigned practice.
    assert started["practice_id"] == "watching-kindness" and started["level"] == 1
    assert started["substituted"] is True
    assert started["note"] == "After dinner is a good time"
    assert started["links"]["script"].endswith("level=1&format=html")
    assert finished["dose"]["level"] == 1 and finished["crisis"] is None
    assert "Thank you" in finished["reply"]
    assert client.get(started["links"]["script"], headers=patient.headers).status_code == 200


def test_below_the_assignments_minimum_the_entry_practice_stands_in(client, therapist, patient):
    assignment = _assign(client, therapist, patient, start_level=3, min_level=3, max_level=4)
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment.json["id"], "pre_distress": 2},
    ).json
    assert started["substituted"] is True and started["practice_id"] == "watching-kindness"


@pytest.mark.parametrize(
    ("flags", "practice", "words"),
    [
        ({"dissociation": True}, "compassionate-friend", "R1"),
        ({"self_harm": True}, "kind-letter", "self harm"),
        ({"low_mentalizing": True}, "grief-break", "low mentalizing"),
        ({}, "fierce-break-provide", "R8"),
        ({}, "equanimity-for-therapists", "for therapists"),
    ],
)
def test_gated_practices_are_refused_with_the_rule(
    client, therapist, patient, flags, practice, words
):
    if flags:
        _patch(client, therapist, patient, **flags)
    body = _problem(_assign(client, therapist, patient, practice_id=practice), 422)
    assert words in body["detail"]
    assert body["errors"][0]["field"] == "practice_id"


def test_yang_is_assignable_once_the_client_is_ready(client, therapist, patient):
    _patch(client, therapist, patient, yang_ready=True)
    assert (
        _assign(client, therapist, patient, practice_id="fierce-break-protect").status_code == 201
    )


def _practise_entry(client, patient):
    practise(client, patient, 3, 3)


def test_other_to_self_imagery_is_never_a_first_practice(client, therapist, patient):
    """R6: the hardest direction comes last; once the client has practised it may be assigned."""
    body = _problem(
        _assign(
            client,
            therapist,
            patient,
            practice_id="compassionate-friend",
            start_level=2,
            min_level=2,
        ),
        422,
    )
    assert "R6" in body["detail"] and body["errors"][0]["field"] == "practice_id"
    # Safe-person priming is the prelude before imagery, never a practice of its own.
    body = _problem(_assign(client, therapist, patient, practice_id="safe-person-priming"), 422)
    assert "prelude" in body["detail"] and body["errors"][0]["field"] == "practice_id"
    _practise_entry(client, patient)
    made = _assign(
        client, therapist, patient, practice_id="compassionate-friend", start_level=2, min_level=2
    )
    assert made.status_code == 201, made.json


def test_a_new_flag_pauses_a_gated_assignment(client, therapist, patient):
    _practise_entry(client, patient)
    made = _assign(
        client, therapist, patient, practice_id="compassionate-friend", start_level=2, min_level=2
    ).json
    _patch(client, therapist, patient, suicidality=True)
    listed = client.get(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers
    ).json["items"]
    assert [a["active"] for a in listed if a["id"] == made["id"]] == [False]
    refused = client.patch(
        f"/api/v1/assignments/{made['id']}", headers=therapist.headers, json={"active": True}
    )
    assert "R1" in _problem(refused, 422)["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_level": 4, "max_level": 2}, "min_level"),
        ({"start_level": 5, "max_level": 3}, "start_level"),
        ({"practice_id": "watching-kindness", "start_level": 3, "min_level": 3}, "min_level"),
        ({"practice_id": "giving-and-receiving", "max_level": 1, "start_level": 1}, "max_level"),
        ({"practice_id": "watching-kindness", "max_level": 1, "start_level": 1}, None),
    ],
)
def test_assignment_bounds_must_make_sense(client, therapist, patient, fields, field):
    # Only entry practices offer level 1 (lukewarm); a non-entry practice capped at 1 would
    # never play, so it is refused.
    if field is None:
        assert _assign(client, therapist, patient, **fields).status_code == 201
        return
    body = _problem(_assign(client, therapist, patient, **fields), 422)
    assert field in [e["field"] for e in body["errors"]]


def test_unknown_practice_is_404(client, therapist, patient):
    _problem(_assign(client, therapist, patient, practice_id="no-such-practice"), 404)


@pytest.mark.parametrize("distress", [-1, 3.5, "5", None, 8.5])
def test_distress_must_be_a_whole_number_from_0_to_10(client, patient, distress):
    """Refused, naming the field (11 and above are heard as a crisis: tests/service/
    test_crisis_heard.py)."""
    body = _problem(
        client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": distress}),
        422,
    )
    assert body["errors"][0]["field"] == "distress"


def test_finishing_twice_is_409_and_another_clients_session_is_404(app, client, therapist, patient):
    from tests.conftest import make_person

    other = make_person(app, "client", "other@example.org", therapist=therapist)
    assignment = _assign(client, therapist, patient).json
    started, _ = _practise(client, patient, assignment["id"], 3, 3)
    again = client.post(
        f"/api/v1/me/sessions/{started['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 2},
    )
    assert "already finished" in _problem(again, 409)["detail"]
    fresh = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    ).json
    stolen = client.post(
        f"/api/v1/me/sessions/{fresh['id']}/finish",
        headers=other.headers,
        json={"post_distress": 1},
    )
    _problem(stolen, 404)
    _problem(
        client.post(
            "/api/v1/me/sessions",
            headers=other.headers,
            json={"assignment_id": assignment["id"], "pre_distress": 3},
        ),
        404,
    )


def test_another_therapists_client_is_404_everywhere(client, therapist, other_therapist, patient):
    base = f"/api/v1/clients/{patient.client_id}"
    for method, url, body in [
        ("get", f"{base}/dose", None),
        ("get", f"{base}/dose/history", None),
        ("put", f"{base}/dose", {"max_level": 3}),
        ("get", f"{base}/reports", None),
        ("post", f"{base}/hold/release", {"note": "x"}),
        ("get", f"{base}/assignments", None),
        ("post", f"{base}/assignments", {"practice_id": "soothing-touch"}),
    ]:
        response = getattr(client, method)(url, headers=other_therapist.headers, json=body)
        _problem(response, 404)


def test_client_cannot_use_therapist_endpoints(client, patient):
    _problem(client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=patient.headers), 403)
    _problem(client.get("/api/v1/alerts", headers=patient.headers), 403)


def test_rough_session_steps_down_at_once_and_reaches_the_therapist(client, therapist):
    created = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        json={"display_name": "Lee", "email": "lee@example.org", "start_level": 3},
    ).json
    client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": created["invitation"]["token"], "password": "lees-password-1"},
    )
    token = client.post(
        "/api/v1/auth/token", json={"email": "lee@example.org", "password": "lees-password-1"}
    ).json["token"]
    lee = {"Authorization": f"Bearer {token}"}
    assignment = client.post(
        f"/api/v1/clients/{created['id']}/assignments",
        headers=therapist.headers,
        json={"practice_id": "self-compassion-break", "start_level": 3},
    ).json
    started = client.post(
        "/api/v1/me/sessions",
        headers=lee,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    ).json
    assert started["level"] == 3
    finished = client.post(
        f"/api/v1/me/sessions/{started['id']}/finish", headers=lee, json={"post_distress": 7}
    ).json
    assert finished["dose"]["level"] == 2  # one step down, at once (R3)
    assert "cold hands" in finished["reply"]
    dose = client.get(f"/api/v1/clients/{created['id']}/dose", headers=therapist.headers).json
    assert dose["level"] == 2 and any(r["rule"] == "R3" for r in dose["reasons"])
    alerts = client.get("/api/v1/alerts?status=open", headers=therapist.headers).json["items"]
    assert any(a["severity"] == "routine" and "rough session" in a["message"] for a in alerts)


def test_crisis_rating_holds_shows_resources_and_alerts_urgently(client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 5},
    ).json
    finished = client.post(
        f"/api/v1/me/sessions/{started['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 9},
    ).json
    assert finished["crisis"]["items"] and "emergency" in finished["crisis"]["items"][0]["text"]
    assert finished["dose"]["on_hold"] is True and finished["dose"]["level"] == 0
    assert finished["dose"]["reasons"] == []  # clinical reasons are for the therapist
    alerts = client.get("/api/v1/alerts?status=open", headers=therapist.headers).json["items"]
    assert any(a["severity"] == "urgent" and a["kind"] == "crisis" for a in alerts)
    blocked = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 2},
    )
    assert "check-in" in _problem(blocked, 409)["detail"]
    assert client.get("/api/v1/me/crisis-resources", headers=patient.headers).status_code == 200
    released = client.post(
        f"/api/v1/clients/{patient.client_id}/hold/release",
        headers=therapist.headers,
        json={"note": "Spoke by phone; safe."},
    )
    assert released.status_code == 200 and released.json["on_hold"] is False
    assert released.json["level"] == 1
    _problem(
        client.post(
            f"/api/v1/clients/{patient.client_id}/hold/release",
            headers=therapist.headers,
            json={"note": "again"},
        ),
        409,
    )


@pytest.mark.parametrize("body", [{"distress": 3, "safety_concern": True}, {"distress": 10}])
def test_checkin_crisis_and_safety_concern_hold(client, therapist, patient, body):
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json=body)
    assert response.status_code == 201 and response.json["crisis"] is not None
    assert client.get("/api/v1/me/dose", headers=patient.headers).json["on_hold"] is True


def test_client_facing_replies_follow_the_language_rules(client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    replies = [
        _practise(client, patient, assignment["id"], 3, 3)[1]["reply"],
        _practise(client, patient, assignment["id"], 3, 8, ["body", "thoughts"])[1]["reply"],
        client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 2}).json[
            "reply"
        ],
        client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9}).json[
            "reply"
        ],
    ]
    for reply in replies:
        assert language_problems(reply) == [], reply


def test_report_is_kept_when_the_decision_fails(app, client, therapist, patient, monkeypatch):
    from care.dose import record as dose

    real = dose.decide

    def broken(*args, **kwargs):
        raise RuntimeError("policy crashed")

    monkeypatch.setattr(dose, "decide", broken)
    response = client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    assert response.status_code == 201 and response.json["crisis"] is not None
    with _session(app) as session:
        assert len(session.exec(select(CheckIn)).all()) == 1
        assert session.exec(select(Alert).where(Alert.severity == "urgent")).first()
    monkeypatch.setattr(dose, "decide", real)
    history = client.get(
        f"/api/v1/clients/{patient.client_id}/dose/history", headers=therapist.headers
    ).json["items"]
    assert history[-1]["event"] == "CheckIn" and history[-1]["on_hold"] is True


def test_steady_sessions_on_three_days_step_up_once_with_reasons(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    import uuid

    with _session(app) as session:  # three steady sessions, one a day, starting 5 days ago
        record = session.get(Client, uuid.UUID(patient.client_id))
        record.created_at = utcnow() - timedelta(days=6)
        for days_ago in (5, 4, 3):
            at = utcnow() - timedelta(days=days_ago)
            session.add(
                PracticeSession(
                    client_id=record.id,
                    practice_id="self-compassion-break",
                    level=1,
                    status="finished",
                    started_at=at,
                    finished_at=at + timedelta(minutes=5),
                    pre_distress=3,
                    post_distress=2,
                    assignment_id=uuid.UUID(assignment["id"]),
                )
            )
        from care.tables import DoseAction

        for action in session.exec(select(DoseAction)):
            action.at = utcnow() - timedelta(days=6)
    dose = client.get(f"/api/v1/clients/{patient.client_id}/dose", headers=therapist.headers)
    assert dose.json["level"] == 2
    history = client.get(
        f"/api/v1/clients/{patient.client_id}/dose/history", headers=therapist.headers
    ).json["items"]
    ups = [h for h in history if any(r["rule"] == "R2" for r in h["reasons"]) and h["changed"]]
    assert len(ups) == 1 and "1 to 2" in ups[0]["reasons"][0]["text"]


def test_therapist_pins_bounds_and_pauses(client, therapist, patient):
    url = f"/api/v1/clients/{patient.client_id}/dose"
    pinned = client.put(url, headers=therapist.headers, json={"pinned_level": 3})
    assert pinned.status_code == 200 and pinned.json["level"] == 3
    assert pinned.json["pinned_level"] == 3
    body = _problem(
        client.put(url, headers=therapist.headers, json={"min_level": 4, "max_level": 2}), 422
    )
    assert body["errors"][0]["field"] == "min_level"
    assert client.get(url, headers=therapist.headers).json["level"] == 3  # nothing changed
    paused = client.put(url, headers=therapist.headers, json={"paused": True}).json
    assert paused["paused"] is True and paused["prompts_per_day"] == 0
    unpinned = client.put(
        url, headers=therapist.headers, json={"pinned_level": None, "paused": False}
    ).json
    assert unpinned["pinned_level"] is None and unpinned["paused"] is False


def test_reports_range_and_audit(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    _practise(client, patient, assignment["id"], 4, 3)
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 5})
    url = f"/api/v1/clients/{patient.client_id}/reports"
    everything = client.get(url, headers=therapist.headers).json
    assert len(everything["sessions"]) == 1 and len(everything["checkins"]) == 1
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert (
        client.get(url, headers=therapist.headers, query_string={"from": future}).json["sessions"]
        == []
    )
    body = _problem(
        client.get(
            url,
            headers=therapist.headers,
            query_string={"from": future, "to": utcnow().isoformat()},
        ),
        422,
    )
    assert "swap" in body["detail"]
    with _session(app) as session:
        actions = {e.action for e in session.exec(select(AuditEvent))}
    assert {"read:api.client_reports", "assignment.create"} <= actions


def test_alerts_acknowledge_once(client, therapist, patient):
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    alert = client.get("/api/v1/alerts", headers=therapist.headers).json["items"][0]
    acked = client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=therapist.headers)
    assert acked.status_code == 200 and acked.json["status"] == "acknowledged"
    assert (
        "already acknowledged"
        in _problem(
            client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=therapist.headers), 409
        )["detail"]
    )
    assert client.get("/api/v1/alerts?status=open", headers=therapist.headers).json["items"] == []


def test_default_crisis_resources_are_an_unconfirmed_placeholder(client, therapist, patient):
    for who in (therapist, patient):
        path = "/api/v1/crisis-resources" if who is therapist else "/api/v1/me/crisis-resources"
        seen = client.get(path, headers=who.headers).json
        assert seen["source"] == "default" and seen["confirmed"] is False
        labels = [item["label"] for item in seen["items"]]
        assert "Crisis line" in labels  # a placeholder entry, with no number made up for it
        assert all(item["phone"] is None for item in seen["items"])
        words = " ".join(item["text"] for item in seen["items"])
        assert "cannot reach them quickly" in words and "do not wait" in words
        assert "emergency number" in words


def test_crisis_resources_per_therapist(client, therapist, patient):
    body = {
        "intro": "Help is close.",
        "items": [{"label": "Crisis line", "phone": "+49 800 111 0111", "text": "Day and night."}],
    }
    assert (
        client.put("/api/v1/crisis-resources", headers=therapist.headers, json=body).status_code
        == 200
    )
    seen = client.get("/api/v1/me/crisis-resources", headers=patient.headers).json
    assert seen["source"] == "therapist" and seen["items"][0]["phone"] == "+49 800 111 0111"
    assert seen["confirmed"] is True
    bad = {"intro": "x", "items": [{"label": "Site", "url": "javascript:alert(1)"}]}
    body = _problem(
        client.put("/api/v1/crisis-resources", headers=therapist.headers, json=bad), 422
    )
    assert body["errors"][0]["field"].startswith("items.0.url")


def test_abandoned_session_cannot_be_finished(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    ).json
    import uuid

    with _session(app) as session:
        row = session.get(PracticeSession, uuid.UUID(started["id"]))
        row.started_at = utcnow() - timedelta(hours=7)
    client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 3},
    )
    late = client.post(
        f"/api/v1/me/sessions/{started['id']}/finish",
        headers=patient.headers,
        json={"post_distress": 2},
    )
    assert "stayed open too long" in _problem(late, 409)["detail"]


def test_delete_assignment_keeps_its_sessions(app, client, therapist, patient):
    assignment = _assign(client, therapist, patient).json
    _practise(client, patient, assignment["id"], 3, 3)
    assert (
        client.delete(
            f"/api/v1/assignments/{assignment['id']}", headers=therapist.headers
        ).status_code
        == 204
    )
    assert client.get("/api/v1/me/assignments", headers=patient.headers).json["items"] == []
    reports = client.get(
        f"/api/v1/clients/{patient.client_id}/reports", headers=therapist.headers
    ).json
    assert len(reports["sessions"]) == 1
