"""A client's record out of hearth (JSON, CSV, FHIR R4), and the client erased for good."""

import json
import uuid
from typing import Annotated, Literal

from flask import Response, current_app
from pydantic import Field

from care import audit, erasure
from care.clients import commands as clients
from care.errors import Invalid
from care.export import record as export
from care.schemas import Strict
from care.tables import User
from service import db
from service.api import api
from service.api.framework import THERAPIST
from service.erase import erase
from service.library import library

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "application/zip",
    "fhir": "application/fhir+json",
}
EXTENSIONS = {"json": "json", "csv": "zip", "fhir": "fhir.json"}


class ExportQuery(Strict):
    """Which document to export."""

    format: Annotated[
        Literal["json", "csv", "fhir"],
        Field(
            description="json: every stored field; csv: a ZIP with one CSV file per table; "
            "fhir: a FHIR R4 Bundle (Patient, Observations, CarePlans, Tasks)"
        ),
    ] = "json"


class EraseConfirm(Strict):
    """The client's display name, typed out, so that no slip erases the wrong person."""

    confirm: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="The client's display name exactly as in their record "
            "(letter case and surrounding spaces do not matter)",
        ),
    ]


_EXPORT_RESPONSE = {
    "description": "The record as a download (Content-Disposition: attachment).",
    "headers": {
        "Content-Disposition": {
            "schema": {"type": "string"},
            "description": "attachment; filename=hearth-client-<id>-<date>.<ext>",
        }
    },
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
        "application/fhir+json": {"schema": {"type": "object"}},
    },
}


@api.operation(
    "GET",
    "/clients/{client_id}/export",
    summary="Export a client's record",
    tags=["clients"],
    roles=THERAPIST,
    query=ExportQuery,
    response=_EXPORT_RESPONSE,
)
def export_client(user: User, client_id: uuid.UUID, query: ExportQuery):
    """The whole record: the client, assignments, sessions, check-ins, dose actions and
    decisions with their reasons, alerts and a count of prompts. CSV cells that a spreadsheet
    would run as formulas start with a single quote. Every export is audited."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    record = export.load_record(session, client, library())
    if query.format == "csv":
        body = export.to_csv(record)
    else:
        document = (
            export.to_json(record)
            if query.format == "json"
            else export.to_fhir(record, current_app.config["HEARTH_SETTINGS"].base_url)
        )
        body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    audit.record(
        session,
        "client.export",
        actor_id=user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
        detail=f"format={query.format}",
    )
    session.commit()
    day = record.exported_at.strftime("%Y%m%d")
    name = f"hearth-client-{client.id}-{day}.{EXTENSIONS[query.format]}"
    return Response(
        body,
        status=200,
        content_type=MEDIA_TYPES[query.format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@api.operation(
    "DELETE",
    "/clients/{client_id}",
    summary="Erase a client for good",
    tags=["clients"],
    roles=THERAPIST,
    body=EraseConfirm,
    response=None,
    status=204,
    errors=(409,),
)
def erase_client(user: User, client_id: uuid.UUID, body: EraseConfirm):
    """Deletes the client, their login and tokens, and every clinical row (sessions, check-ins,
    dose history, alerts, prompts, calendar feeds, assignments). This cannot be undone: export
    the record first if it must be kept. Send `{"confirm": "<display name>"}`. The audit log
    keeps one entry with counts only. Refused with 409 while a prompt is being sent."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    if not erasure.confirmed(body.confirm, client.display_name):
        raise Invalid(
            'to erase this client for good, send {"confirm": "<display name>"} with the '
            "client's display name exactly as it appears in their record; nothing was erased",
            field="confirm",
        )
    erase(user, client_id)
    return None
