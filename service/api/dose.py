"""The therapist's view and control of a client's dose, holds, reports and alerts (R10, R11)."""

import json
import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import select

from care import audit
from care.clients import commands as clients
from care.dose import commands as dose_commands
from care.dose import record as dose
from care.errors import Invalid
from care.safety import alerts, crisis
from care.schemas.practice import DoseSettingsIn, HoldRelease
from care.tables import CheckIn, Client, PracticeSession, User
from service import db
from service.api import api
from service.api.me_reports import dose_out
from service.api.schemas import ListQuery, Page
from service.api.shapes.practice import (
    AlertOut,
    CheckInOut,
    CrisisOut,
    DoseHistoryItem,
    DoseOut,
    ReasonOut,
    ReportsOut,
    SessionOut,
)
from service.planning import replan

THERAPIST = ("therapist",)


class ClientDose(DoseOut):
    """The current dose with the therapist's settings beside it."""

    pinned_level: int | None
    start_level: int
    min_level: int
    max_level: int
    window_threshold: int
    crisis_threshold: int


def _client_dose(client: Client, decision) -> ClientDose:
    base = dose_out(client, decision).model_dump()
    return ClientDose(
        **base,
        pinned_level=client.pinned_level,
        start_level=client.start_level,
        min_level=client.min_level,
        max_level=client.max_level,
        window_threshold=client.window_threshold,
        crisis_threshold=client.crisis_threshold,
    )


def _latest(session, client: Client):
    latest, _, _ = dose.decide(session, client)
    session.commit()
    return latest


@api.operation(
    "GET",
    "/clients/{client_id}/dose",
    summary="A client's dose and why",
    tags=["dose"],
    roles=THERAPIST,
    response=ClientDose,
)
def get_dose(user: User, client_id: uuid.UUID):
    """The current decision with its reasons in plain words."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    return _client_dose(client, _latest(session, client))


@api.operation(
    "GET",
    "/clients/{client_id}/dose/history",
    summary="Every dose decision",
    tags=["dose"],
    roles=THERAPIST,
    query=ListQuery,
    response=Page[DoseHistoryItem],
)
def dose_history(user: User, client_id: uuid.UUID, query: ListQuery):
    """Oldest first: what happened, what the policy decided, and which rule fired (R11)."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    _latest(session, client)
    page = dose.history(session, client, limit=query.limit, cursor=query.cursor)
    audit.record(
        session,
        "dose.history",
        actor_id=user.id,
        target_type="client",
        target_id=client.id,
        client_id=client.id,
    )
    session.commit()
    items = [
        DoseHistoryItem(
            id=row.id,
            level=row.level,
            prompts_per_day=row.prompts_per_day,
            on_hold=row.on_hold,
            paused=row.paused,
            at=row.at,
            changed=row.changed,
            event=row.event,
            inputs=json.loads(row.inputs),
            reasons=[ReasonOut(**r) for r in json.loads(row.reasons)],
        )
        for row in page.items
    ]
    return Page[DoseHistoryItem](items=items, next_cursor=page.next_cursor)


@api.operation(
    "PUT",
    "/clients/{client_id}/dose",
    summary="Pin, bound or pause the dose",
    tags=["dose"],
    roles=THERAPIST,
    body=DoseSettingsIn,
    response=ClientDose,
)
def set_dose(user: User, client_id: uuid.UUID, body: DoseSettingsIn):
    """The policy works inside these bounds; `pinned_level: null` unpins. Nothing changes when
    any value is out of line with the others."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    fields = {k: getattr(body, k) for k in body.model_fields_set}
    paused = fields.pop("paused", None)
    latest = dose_commands.change(session, user, client, fields, paused=paused)
    session.commit()
    replan(client)
    return _client_dose(client, latest)


@api.operation(
    "POST",
    "/clients/{client_id}/hold/release",
    summary="Lift a safety hold",
    tags=["dose"],
    roles=THERAPIST,
    body=HoldRelease,
    response=ClientDose,
    errors=(409,),
)
def release_hold(user: User, client_id: uuid.UUID, body: HoldRelease):
    """Only the therapist lifts a hold (R5); the client restarts low and warms up again."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    latest = dose_commands.release_hold(session, user, client, body.note)
    session.commit()
    replan(client)
    return _client_dose(client, latest)


class ReportsQuery(BaseModel):
    """A time range (ISO 8601 with a UTC offset); both ends optional."""

    model_config = {"extra": "forbid"}

    from_: Annotated[AwareDatetime | None, Field(alias="from")] = None
    to: AwareDatetime | None = None


@api.operation(
    "GET",
    "/clients/{client_id}/reports",
    summary="A client's reports",
    tags=["dose"],
    roles=THERAPIST,
    query=ReportsQuery,
    response=ReportsOut,
)
def client_reports(user: User, client_id: uuid.UUID, query: ReportsQuery):
    """Practice sessions and check-ins in the range, oldest first. Every read is audited."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    if query.from_ and query.to and query.from_ > query.to:
        raise Invalid("'from' is after 'to'; swap them", field="from")
    sessions = select(PracticeSession).where(PracticeSession.client_id == client.id)
    checkins = select(CheckIn).where(CheckIn.client_id == client.id)
    if query.from_:
        sessions = sessions.where(PracticeSession.started_at >= query.from_)
        checkins = checkins.where(CheckIn.at >= query.from_)
    if query.to:
        sessions = sessions.where(PracticeSession.started_at <= query.to)
        checkins = checkins.where(CheckIn.at <= query.to)
    out = ReportsOut(
        sessions=[
            SessionOut(
                id=s.id,
                practice_id=s.practice_id,
                level=s.level,
                substituted=s.substituted,
                status=s.status,
                started_at=s.started_at,
                finished_at=s.finished_at,
                pre_distress=s.pre_distress,
                post_distress=s.post_distress,
                backdraft=[f for f in s.backdraft.split(",") if f],
                safety_concern=s.safety_concern,
                note=s.note,
            )
            for s in session.exec(sessions.order_by(PracticeSession.started_at))
        ],
        checkins=[
            CheckInOut(id=c.id, at=c.at, distress=c.distress, reply="", dose=None)
            for c in session.exec(checkins.order_by(CheckIn.at))
        ],
    )
    session.commit()
    return out


class AlertQuery(ListQuery):
    """Which alerts."""

    status: Literal["open", "acknowledged"] | None = None


def alert_out(session, alert) -> AlertOut:
    """An alert with its client's name."""
    client = session.get(Client, alert.client_id)
    return AlertOut(
        id=alert.id,
        client_id=alert.client_id,
        client_name=client.display_name if client else "",
        created_at=alert.created_at,
        severity=alert.severity,
        kind=alert.kind,
        message=alert.message,
        status=alert.status,
        acknowledged_at=alert.acknowledged_at,
    )


@api.operation(
    "GET",
    "/alerts",
    summary="Your alerts",
    tags=["alerts"],
    roles=THERAPIST,
    query=AlertQuery,
    response=Page[AlertOut],
)
def list_alerts(user: User, query: AlertQuery):
    """Alerts about your clients, oldest first within the chosen status."""
    session = db.session()
    page = alerts.list_for_therapist(
        session, user, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return Page[AlertOut](
        items=[alert_out(session, a) for a in page.items], next_cursor=page.next_cursor
    )


@api.operation(
    "POST",
    "/alerts/{alert_id}/ack",
    summary="Acknowledge an alert",
    tags=["alerts"],
    roles=THERAPIST,
    response=AlertOut,
    errors=(409,),
)
def ack_alert(user: User, alert_id: uuid.UUID):
    """Records who acknowledged it and when."""
    session = db.session()
    alert = alerts.acknowledge(session, user, alert_id)
    session.commit()
    return alert_out(session, alert)


class CrisisIn(BaseModel):
    """Crisis resources to show your clients."""

    model_config = {"extra": "forbid"}

    intro: Annotated[str, Field(min_length=1, max_length=1000)]
    items: list[crisis.ResourceItem] = Field(min_length=1, max_length=20)


@api.operation(
    "GET",
    "/crisis-resources",
    summary="The crisis resources your clients see",
    tags=["alerts"],
    roles=("therapist", "admin"),
    response=CrisisOut,
)
def get_crisis_resources(user: User):
    """A therapist's own, else the deployment's, else the neutral default."""
    therapist_id = user.id if user.role == "therapist" else None
    resources = crisis.for_therapist(db.session(), therapist_id)
    return CrisisOut.model_validate(resources.model_dump(mode="json"))


@api.operation(
    "PUT",
    "/crisis-resources",
    summary="Set crisis resources",
    tags=["alerts"],
    roles=("therapist", "admin"),
    body=CrisisIn,
    response=CrisisOut,
)
def put_crisis_resources(user: User, body: CrisisIn):
    """A therapist sets them for their clients; an admin sets the deployment's default."""
    session = db.session()
    resources = crisis.save(session, user, body.intro, body.items)
    session.commit()
    return CrisisOut.model_validate(resources.model_dump(mode="json"))
