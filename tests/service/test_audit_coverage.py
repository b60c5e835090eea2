"""Every clinical read and write leaves an audit entry naming the client, and the audit log is
readable by admins (everything) and by a therapist (their own clients) through the API.

The list of clinical operations is computed from the app's operation registry, so a new
endpoint that reaches a client's record fails this test until it has an example below."""

import uuid

from sqlmodel import func, select

from care.db import session_scope
from care.tables import AuditEvent
from service.api import api
from tests.records import sent_prompt

# Operations that name a client-owned object in the path, write as a client, or list a
# therapist's clients or alerts are clinical.
OWNED = ("{client_id}", "{assignment_id}", "{session_id}", "{prompt_id}", "{alert_id}")
NOT_CLINICAL = {
    # The client's own reads are not logged as reads; these are the client's GETs.
    "me",
    "my_dose",
    "my_crisis_resources",
    "my_prompts",
    "my_assignments",
}


def clinical_operations() -> set[str]:
    """The operation ids the audit must cover."""
    chosen = set()
    for op in api.operations:
        staff = "therapist" in op.audience.roles
        client_write = op.audience.roles == ("client",) and op.method != "GET"
        owned = any(part in op.path for part in OWNED)
        listing = op.path in ("/clients", "/alerts") and op.method == "GET"
        if (staff and (owned or listing)) or client_write:
            chosen.add(op.operation_id)
    return chosen - NOT_CLINICAL


def _count(app, client_id: str) -> int:
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        return session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.client_id == uuid.UUID(client_id))
        ).one()


def test_every_clinical_operation_leaves_an_entry(app, client, therapist, patient):
    t, p = therapist.headers, patient.headers
    cid = patient.client_id
    state: dict = {}
    seen: dict[str, int] = {}

    def call(operation_id, method, url, headers, body=None, status=(200, 201, 204)):
        before = _count(app, cid)
        response = client.open(url, method=method, headers=headers, json=body)
        assert response.status_code in status, (operation_id, response.get_data(as_text=True))
        seen[operation_id] = _count(app, cid) - before
        return response

    def assignment(response):
        state["assignment"] = response.json["id"]

    assignment(
        call(
            "create_assignment",
            "POST",
            f"/api/v1/clients/{cid}/assignments",
            t,
            {"practice_id": "self-compassion-break", "schedule": {"times": ["09:00"]}},
        )
    )
    call("get_client", "GET", f"/api/v1/clients/{cid}", t)
    call("list_clients", "GET", "/api/v1/clients", t)
    call("update_client", "PATCH", f"/api/v1/clients/{cid}", t, {"script_name": "Sam"})
    call("reinvite_client", "POST", f"/api/v1/clients/{cid}/invitation", t, status=(201, 409))
    call("list_assignments", "GET", f"/api/v1/clients/{cid}/assignments", t)
    call(
        "update_assignment",
        "PATCH",
        f"/api/v1/assignments/{state['assignment']}",
        t,
        {"note": "Go gently."},
    )
    call("client_prompts", "GET", f"/api/v1/clients/{cid}/prompts", t)
    prompt_id = sent_prompt(app, cid, state["assignment"])
    call("open_prompt", "POST", f"/api/v1/me/prompts/{prompt_id}/opened", p)
    call(
        "preview_schedule",
        "POST",
        f"/api/v1/clients/{cid}/schedule/preview",
        t,
        {"schedule": {"times": ["10:00"]}},
    )
    call("get_dose", "GET", f"/api/v1/clients/{cid}/dose", t)
    call("dose_history", "GET", f"/api/v1/clients/{cid}/dose/history", t)
    call("set_dose", "PUT", f"/api/v1/clients/{cid}/dose", t, {"max_level": 4})
    call("client_reports", "GET", f"/api/v1/clients/{cid}/reports", t)
    call("client_audit", "GET", f"/api/v1/clients/{cid}/audit", t)
    started = call(
        "start_session",
        "POST",
        "/api/v1/me/sessions",
        p,
        {"assignment_id": state["assignment"], "pre_distress": 4},
    )
    call(
        "finish_session",
        "POST",
        f"/api/v1/me/sessions/{started.json['id']}/finish",
        p,
        {"post_distress": 3},
    )
    call("my_preferences", "PATCH", "/api/v1/me/preferences", p, {"reminders": True})
    call("create_calendar", "POST", "/api/v1/me/calendar", p, status=(200, 201))
    call("revoke_calendar", "DELETE", "/api/v1/me/calendar", p)
    call("create_checkin", "POST", "/api/v1/me/checkins", p, {"distress": 9})  # a crisis: on hold
    alerts = call("list_alerts", "GET", "/api/v1/alerts", t).json["items"]
    call("ack_alert", "POST", f"/api/v1/alerts/{alerts[0]['id']}/ack", t)
    call(
        "release_hold",
        "POST",
        f"/api/v1/clients/{cid}/hold/release",
        t,
        {"note": "We spoke; safe to go on."},
    )
    call("delete_assignment", "DELETE", f"/api/v1/assignments/{state['assignment']}", t)
    call(
        "set_break",
        "PUT",
        f"/api/v1/clients/{cid}/break",
        t,
        {"start": "2099-07-01", "end": "2099-07-14"},
    )
    call("end_break", "DELETE", f"/api/v1/clients/{cid}/break", t)
    call("discharge_client", "POST", f"/api/v1/clients/{cid}/discharge", t)
    call("readmit_client", "POST", f"/api/v1/clients/{cid}/readmit", t)
    call("export_client", "GET", f"/api/v1/clients/{cid}/export?format=json", t)
    call("erase_client", "DELETE", f"/api/v1/clients/{cid}", t, {"confirm": "sam"})

    known = {op.operation_id for op in api.operations}
    renamed = set(seen) - known
    assert not renamed, f"operation ids in this test that no longer exist: {sorted(renamed)}"
    missing = clinical_operations() - set(seen)
    assert not missing, f"clinical operations without an example in this test: {sorted(missing)}"
    silent = sorted(name for name, added in seen.items() if added < 1)
    assert not silent, f"these left no audit entry for the client: {silent}"


def test_admins_read_and_filter_the_log(client, admin, therapist, patient):
    client.get(f"/api/v1/clients/{patient.client_id}/prompts", headers=therapist.headers)
    everything = client.get("/api/v1/audit?limit=200", headers=admin.headers)
    assert everything.status_code == 200
    reads = [e for e in everything.json["items"] if e["action"] == "read:api.client_prompts"]
    assert reads and reads[0]["actor"] == therapist.email
    assert reads[0]["actor_role"] == "therapist" and reads[0]["client_id"] == patient.client_id
    by_actor = client.get(
        f"/api/v1/audit?actor_id={therapist.id}&client_id={patient.client_id}",
        headers=admin.headers,
    ).json["items"]
    assert by_actor and all(e["actor_id"] == therapist.id for e in by_actor)
    family = client.get("/api/v1/audit?action=client.", headers=admin.headers).json["items"]
    assert family and all(e["action"].startswith("client.") for e in family)
    paged = client.get("/api/v1/audit?limit=1", headers=admin.headers).json
    second = client.get(
        f"/api/v1/audit?limit=1&cursor={paged['next_cursor']}", headers=admin.headers
    ).json
    assert second["items"][0]["id"] > paged["items"][0]["id"]
    wrong = client.get(
        "/api/v1/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        headers=admin.headers,
    )
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "until"


def test_a_therapist_sees_who_reached_their_client_and_nobody_else_does(
    client, therapist, other_therapist, patient, admin
):
    client.get(f"/api/v1/clients/{patient.client_id}", headers=therapist.headers)
    own = client.get(f"/api/v1/clients/{patient.client_id}/audit", headers=therapist.headers)
    assert own.status_code == 200
    assert any(e["actor"] == therapist.email for e in own.json["items"])
    assert all(e["client_id"] == patient.client_id for e in own.json["items"])
    url = f"/api/v1/clients/{patient.client_id}/audit"
    assert client.get(url, headers=other_therapist.headers).status_code == 404
    assert client.get("/api/v1/audit", headers=therapist.headers).status_code == 403
    assert client.get("/api/v1/audit", headers=patient.headers).status_code == 403


def test_reaching_for_another_tenants_objects_is_audited(app, client, therapist, patient):
    from tests.conftest import make_person
    from tests.service.web.test_therapist_pages import web_session

    stranger = make_person(app, "therapist", "alex@example.org")
    cid = patient.client_id
    assignment = client.post(
        f"/api/v1/clients/{cid}/assignments",
        headers=therapist.headers,
        json={"practice_id": "watching-kindness"},
    ).json["id"]
    assert client.get(f"/api/v1/clients/{cid}", headers=stranger.headers).status_code == 404
    assert (
        client.patch(
            f"/api/v1/assignments/{assignment}", headers=stranger.headers, json={"note": "x"}
        ).status_code
        == 404
    )
    browser, _ = web_session(app, stranger)
    assert browser.get(f"/clients/{cid}").status_code == 404
    from care.db import session_scope
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        refused = [
            (e.action, e.outcome, str(e.client_id))
            for e in session.exec(
                select(AuditEvent).where(AuditEvent.actor_id == uuid.UUID(stranger.id))
            )
            if e.outcome == "denied"
        ]
    assert refused.count(("client.reach", "denied", cid)) == 2  # the API and the page
    assert ("assignment.reach", "denied", cid) in refused
    # The client's own therapist sees who reached for the record.
    log = client.get(f"/api/v1/clients/{cid}/audit", headers=therapist.headers).json["items"]
    assert any(item["action"] == "client.reach" for item in log)
