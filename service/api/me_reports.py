"""A client's own reports: check-ins, practice sessions, the dose and crisis resources."""

import uuid

from care.clients import commands as clients
from care.errors import NotFound
from care.reports import commands as reports
from care.reports import replies
from care.safety import crisis
from care.schemas.practice import CheckInCreate, SessionFinish, SessionStart
from care.tables import Client, User
from service import db
from service.api import api
from service.api.shapes.practice import (
    CheckInOut,
    CrisisOut,
    DoseOut,
    LandingOut,
    Links,
    PreludeOut,
    ReasonOut,
    SessionFinishedOut,
    SessionStartedOut,
)
from service.library import library

CLIENT = ("client",)


def own_record(user: User) -> Client:
    """The signed-in client's record."""
    record = clients.for_user(db.session(), user)
    if record is None:
        raise NotFound("no client record belongs to this login; ask your therapist")
    return record


def dose_out(client: Client, decision, *, for_client: bool = False) -> DoseOut:
    """The dose (the cached one when no decision is at hand). The reasons are written for the
    therapist in clinical words, so a client's copy leaves them out."""
    if decision is None:
        return DoseOut(
            level=client.dose_level,
            prompts_per_day=client.dose_prompts,
            on_hold=client.on_hold,
            paused=client.dose_paused,
            at=client.dose_updated_at,
            changed=False,
            reasons=[],
        )
    return DoseOut(
        level=decision.level,
        prompts_per_day=decision.prompts_per_day,
        on_hold=decision.on_hold,
        paused=decision.paused,
        at=decision.at,
        changed=decision.changed,
        reasons=[]
        if for_client
        else [ReasonOut(rule=r.rule, text=r.text) for r in decision.reasons],
    )


def crisis_out(client: Client) -> CrisisOut:
    """The crisis resources for this client's therapist."""
    resources = crisis.for_therapist(db.session(), client.therapist_id)
    return CrisisOut.model_validate(resources.model_dump(mode="json"))


def _heard(user: User, raw: object):
    """(client, check-in row, reply, decision) when a refused report carried crisis signs."""
    client = own_record(user)
    heard = reports.hear_crisis(db.session(), client, raw)
    return None if heard is None else (client, *heard)


def _checkin_heard(user: User, raw: object):
    heard = _heard(user, raw)
    if heard is None:
        return None
    client, row, reply, decision = heard
    return _checkin_out(client, row, reply, decision, True), 201


def _start_heard(user: User, raw: object):
    heard = _heard(user, raw)
    if heard is None:
        return None
    client, row, _reply, decision = heard
    return SessionStartedOut(
        id=row.id,
        practice_id="",
        practice_title="",
        level=0,
        substituted=False,
        note="",
        links=Links(script="", audio=None, captions=None),
        dose=dose_out(client, decision, for_client=True),
        crisis=crisis_out(client),
    ), 201


def _finish_heard(user: User, raw: object, session_id: uuid.UUID):
    heard = _heard(user, raw)
    if heard is None:
        return None
    client, _row, reply, decision = heard
    return SessionFinishedOut(
        id=session_id,
        reply=reply.text,
        dose=dose_out(client, decision, for_client=True),
        crisis=crisis_out(client),
    )


def _checkin_out(client: Client, row, reply, decision, is_crisis: bool) -> CheckInOut:
    return CheckInOut(
        id=row.id,
        at=row.at,
        distress=row.distress,
        reply=reply.text,
        dose=dose_out(client, decision, for_client=True),
        crisis=crisis_out(client) if is_crisis else None,
    )


@api.operation(
    "POST",
    "/me/checkins",
    summary="Check in with a distress rating",
    tags=["me"],
    roles=CLIENT,
    body=CheckInCreate,
    response=CheckInOut,
    status=201,
    rescue=_checkin_heard,
)
def create_checkin(user: User, body: CheckInCreate):
    """A rating at or above the crisis threshold, or a safety concern, returns the crisis
    resources in this same response and alerts the therapist at once (R5)."""
    client = own_record(user)
    row, reply, decision, is_crisis = reports.check_in(db.session(), client, body)
    return _checkin_out(client, row, reply, decision, is_crisis), 201


@api.operation(
    "POST",
    "/me/sessions",
    summary="Start a practice",
    tags=["me"],
    roles=CLIENT,
    body=SessionStart,
    response=SessionStartedOut,
    status=201,
    errors=(404, 409),
    rescue=_start_heard,
)
def start_session(user: User, body: SessionStart):
    """Records the rating before and returns the practice and level the current dose chooses
    (the entry practice stands in below the assignment's lowest level)."""
    client = own_record(user)
    started = reports.start_session(db.session(), library(), client, body)
    practice, level = started.practice, started.level
    prelude = None
    if started.prelude is not None:
        first = started.prelude
        prelude = PreludeOut(
            practice_id=first.id,
            practice_title=first.title,
            level=first.levels[0],
            links=_links(first, first.levels[0]),
        )
    return SessionStartedOut(
        id=started.row.id,
        practice_id=practice.id if practice else "",
        practice_title=practice.title if practice else "",
        level=level,
        substituted=started.substituted,
        note=started.note,
        links=_links(practice, level),
        dose=dose_out(client, started.decision, for_client=True),
        crisis=crisis_out(client) if started.crisis else None,
        warmth_note=started.warmth_note,
        prelude=prelude,
    ), 201


def _links(practice, level: int) -> Links:
    """Where an app fetches this practice's script, audio and captions at this level."""
    if practice is None:
        return Links(script="", audio=None, captions=None)
    base = f"/api/v1/practices/{practice.id}"
    return Links(
        script=f"{base}/script?level={level}&format=html",
        audio=None if practice.text_only else f"{base}/audio?level={level}&format=mp3",
        captions=None if practice.text_only else f"{base}/captions.vtt?level={level}",
    )


@api.operation(
    "POST",
    "/me/sessions/{session_id}/finish",
    summary="Finish a practice",
    tags=["me"],
    roles=CLIENT,
    body=SessionFinish,
    response=SessionFinishedOut,
    errors=(409,),
    rescue=_finish_heard,
)
def finish_session(user: User, session_id: uuid.UUID, body: SessionFinish):
    """Records the rating after and any backdraft; replies kindly and returns the next dose."""
    client = own_record(user)
    finished = reports.finish_session(db.session(), client, session_id, body)
    reply = finished.reply
    landing = None
    if reply.landing:
        grounding = replies.GROUNDING_PRACTICE
        landing = LandingOut(
            intro=replies.GROUNDING_INTRO,
            steps=list(reply.grounding),
            practice_id=grounding if grounding in library() else None,
            help_url="/api/v1/me/crisis-resources",
            next_shorter=reply.next_shorter,
        )
    return SessionFinishedOut(
        id=finished.row.id if finished.row is not None else session_id,
        reply=reply.text,
        rough=reply.rough,
        landing=landing,
        dose=dose_out(client, finished.decision, for_client=True),
        crisis=crisis_out(client) if finished.crisis else None,
    )


@api.operation(
    "GET", "/me/dose", summary="My current dose", tags=["me"], roles=CLIENT, response=DoseOut
)
def my_dose(user: User):
    """Level and prompts a day (the reasons are for the therapist's eyes)."""
    client = own_record(user)
    out = dose_out(client, None)
    return out


@api.operation(
    "GET",
    "/me/crisis-resources",
    summary="Crisis resources",
    tags=["me"],
    roles=CLIENT,
    response=CrisisOut,
)
def my_crisis_resources(user: User):
    """Always available, whatever the dose."""
    return crisis_out(own_record(user))
