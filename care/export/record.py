"""A client's record as portable documents: JSON, CSV (a ZIP of one file per table) and a FHIR R4
Bundle. One function loads the rows; the builders are plain functions over that snapshot."""

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from care.clients import logins
from care.tables import (
    Alert,
    Assignment,
    CheckIn,
    Client,
    DoseAction,
    DoseDecision,
    PracticeSession,
    Prompt,
)
from care.types import utcnow
from practices import Library

FORMAT_NAME = "hearth.client-record"
FORMAT_VERSION = 1
# Columns stored as JSON text: exported as parsed values in JSON, compact JSON text in CSV.
JSON_COLUMNS = {"schedule", "settings", "reasons", "inputs"}
# Columns that mean nothing outside this server (the login is exported as an email).
# The pending address is shown as the email, as the therapist sees it (care/clients/logins.py).
HIDDEN_COLUMNS = {"user_id", "pending_email"}
# A spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The CSV files of the ZIP, in order, with the model that gives their columns.
TABLES: tuple[tuple[str, type[SQLModel]], ...] = (
    ("assignments", Assignment),
    ("practice_sessions", PracticeSession),
    ("checkins", CheckIn),
    ("dose_actions", DoseAction),
    ("dose_decisions", DoseDecision),
    ("alerts", Alert),
)
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DISTRESS_TEXT = "Distress rating (0-10)"


@dataclass(frozen=True)
class Record:
    """Everything hearth holds about one client, loaded at one moment."""

    client: Client
    email: str | None
    exported_at: datetime
    assignments: list[Assignment] = field(default_factory=list)
    practice_sessions: list[PracticeSession] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    dose_actions: list[DoseAction] = field(default_factory=list)
    dose_decisions: list[DoseDecision] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    prompts: dict[str, int] = field(default_factory=dict)  # how many prompts in each status
    practice_titles: dict[str, str] = field(default_factory=dict)

    def title(self, practice_id: str) -> str:
        """The practice's title, or its id when the library no longer has it."""
        return self.practice_titles.get(practice_id, practice_id)


def load_record(session: Session, client: Client, library: Library | None = None) -> Record:
    """Load a client's whole record (the caller has checked that it may)."""

    def rows(model, order):
        return list(
            session.exec(select(model).where(model.client_id == client.id).order_by(*order))
        )

    record = Record(
        client=client,
        email=logins.login_email(session, client),
        exported_at=utcnow(),
        assignments=rows(Assignment, [Assignment.created_at, Assignment.id]),
        practice_sessions=rows(PracticeSession, [PracticeSession.started_at, PracticeSession.id]),
        checkins=rows(CheckIn, [CheckIn.at, CheckIn.id]),
        dose_actions=rows(DoseAction, [DoseAction.at, DoseAction.id]),
        dose_decisions=rows(DoseDecision, [DoseDecision.at, DoseDecision.id]),
        alerts=rows(Alert, [Alert.created_at, Alert.id]),
        prompts=dict(
            session.exec(
                select(Prompt.status, func.count())
                .where(Prompt.client_id == client.id)
                .group_by(Prompt.status)
                .order_by(Prompt.status)
            ).all()
        ),
    )
    if library is not None:
        ids = {a.practice_id for a in record.assignments}
        ids |= {s.practice_id for s in record.practice_sessions}
        record.practice_titles.update({i: library.get(i).title for i in ids if i in library})
    return record


def _plain(value):
    """A JSON-ready value: ids and times as strings, times of day as HH:MM."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def _columns(model: type[SQLModel]) -> list[str]:
    return [name for name in model.model_fields if name not in HIDDEN_COLUMNS]


def _row(obj: SQLModel) -> dict:
    out = {}
    for name in _columns(type(obj)):
        value = getattr(obj, name)
        out[name] = json.loads(value) if name in JSON_COLUMNS and value else _plain(value)
    return out


def _client(record: Record) -> dict:
    out = _row(record.client)
    out["email"] = record.email
    return out


def to_json(record: Record) -> dict:
    """The record as one JSON document (every stored column, JSON columns parsed)."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": record.exported_at.isoformat(),
        "client": _client(record),
        **{name: [_row(r) for r in getattr(record, name)] for name, _ in TABLES},
        "prompts": {"total": sum(record.prompts.values()), "by_status": dict(record.prompts)},
    }


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: formulas are neutralised with a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif not isinstance(value, str):
        return str(_plain(value))
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv(header: list[str], rows: Iterable[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in header])
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def csv_files(record: Record) -> dict[str, bytes]:
    """One CSV file per table, each with a header row even when it has no rows."""
    files = {"client.csv": _csv([*_columns(Client), "email"], [_client(record)])}
    for name, model in TABLES:
        rows = [_row(r) for r in getattr(record, name)]
        files[f"{name}.csv"] = _csv(_columns(model), rows)
    files["prompts.csv"] = _csv(
        ["status", "count"], [{"status": s, "count": n} for s, n in record.prompts.items()]
    )
    return files


def to_csv(record: Record) -> bytes:
    """The record as a ZIP of CSV files (UTF-8, header rows, formulas neutralised)."""
    buffer = io.BytesIO()
    stamp = record.exported_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in csv_files(record).items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# FHIR R4 ------------------------------------------------------------------------------------


def _urn(base_url: str, kind: str, key: object) -> str:
    # Stable ids: exporting the same record twice gives the same fullUrls.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base_url}/{kind}/{key}')}"


def _entry(full_url: str, resource: dict) -> dict:
    resource = {"resourceType": resource.pop("resourceType"), "id": full_url[9:], **resource}
    return {"fullUrl": full_url, "resource": resource}


def _identifier(base_url: str, kind: str, value: object) -> list[dict]:
    return [{"system": f"{base_url}/{kind}", "value": str(value)}]


def _patient(record: Record, base_url: str, url: str) -> dict:
    client = record.client
    patient = {
        "resourceType": "Patient",
        "identifier": _identifier(base_url, "clients", client.id),
        "active": True,
        "name": [{"text": client.display_name}],
    }
    if record.email:
        patient["telecom"] = [{"system": "email", "value": record.email}]
    return _entry(url, patient)


def _observation(
    base_url: str, patient: str, key: str, kind: str, value: int, at: datetime, method: str
) -> dict:
    return _entry(
        _urn(base_url, kind, key),
        {
            "resourceType": "Observation",
            "identifier": _identifier(base_url, kind, key),
            "status": "final",
            "category": [
                {
                    "coding": [
                        {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                    ]
                }
            ],
            # Text only: no LOINC code is certain to mean this 0-10 self-rating.
            "code": {"text": DISTRESS_TEXT},
            "subject": {"reference": patient},
            "effectiveDateTime": at.isoformat(),
            "valueInteger": value,
            "method": {"text": method},
        },
    )


def _observations(record: Record, base_url: str, patient: str) -> list[dict]:
    entries = []
    for row in record.checkins:
        entry = _observation(
            base_url, patient, str(row.id), "checkins", row.distress, row.at, "Check-in"
        )
        if row.note:
            entry["resource"]["note"] = [{"text": row.note}]
        entries.append(entry)
    for row in record.practice_sessions:
        title = record.title(row.practice_id)
        entries.append(
            _observation(
                base_url,
                patient,
                f"{row.id}/pre",
                "practice-sessions",
                row.pre_distress,
                row.started_at,
                f"Before practice: {title} (level {row.level})",
            )
        )
        if row.post_distress is not None:
            entries.append(
                _observation(
                    base_url,
                    patient,
                    f"{row.id}/post",
                    "practice-sessions",
                    row.post_distress,
                    row.finished_at or row.started_at,
                    f"After practice: {title} (level {row.level})",
                )
            )
    return entries


def _assignment_states(assignment: Assignment) -> tuple[str, str, str]:
    """CarePlan, CarePlan activity and Task status of an assignment."""
    if assignment.deleted_at is not None:
        return "revoked", "stopped", "cancelled"
    if not assignment.active:
        return "on-hold", "on-hold", "on-hold"
    return "active", "in-progress", "in-progress"


def _plan_and_task(record: Record, base_url: str, patient: str, a: Assignment) -> list[dict]:
    title = record.title(a.practice_id)
    plan_status, activity_status, task_status = _assignment_states(a)
    practice = {
        "coding": [{"system": f"{base_url}/practices", "code": a.practice_id, "display": title}],
        "text": title,
    }
    levels = f"levels {a.min_level} to {a.max_level}, starting at {a.start_level}"
    description = f"Home practice '{title}' ({levels})"
    notes = [{"text": a.note}] if a.note else []
    period = {"start": a.created_at.isoformat()}
    if a.deleted_at is not None:
        period["end"] = a.deleted_at.isoformat()
    plan_url = _urn(base_url, "careplans", a.id)
    plan = {
        "resourceType": "CarePlan",
        "identifier": _identifier(base_url, "assignments", a.id),
        "status": plan_status,
        "intent": "plan",
        "title": title,
        "description": description,
        "subject": {"reference": patient},
        "period": period,
        "created": a.created_at.isoformat(),
        "activity": [
            {
                "detail": {
                    "kind": "Task",
                    "code": practice,
                    "status": activity_status,
                    "description": description,
                }
            }
        ],
    }
    task = {
        "resourceType": "Task",
        "identifier": _identifier(base_url, "assignments", a.id),
        "basedOn": [{"reference": plan_url}],
        "status": task_status,
        "intent": "plan",
        "code": practice,
        "description": f"Do the home practice '{title}' when prompted ({levels})",
        "for": {"reference": patient},
        "authoredOn": a.created_at.isoformat(),
        "lastModified": max(a.updated_at, a.created_at).isoformat(),
    }
    if notes:
        plan["note"] = notes
        task["note"] = notes
    return [_entry(plan_url, plan), _entry(_urn(base_url, "tasks", a.id), task)]


def to_fhir(record: Record, base_url: str) -> dict:
    """The record as a FHIR R4 Bundle of type collection: the Patient, one Observation per
    distress rating, and a CarePlan with a Task for each assignment."""
    base_url = base_url.rstrip("/")
    patient = _urn(base_url, "clients", record.client.id)
    entries = [_patient(record, base_url, patient)]
    entries += _observations(record, base_url, patient)
    for assignment in record.assignments:
        entries += _plan_and_task(record, base_url, patient, assignment)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{patient}/{record.exported_at.isoformat()}")),
        "type": "collection",
        "timestamp": record.exported_at.isoformat(),
        "entry": entries,
    }
