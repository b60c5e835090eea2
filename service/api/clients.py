"""A therapist's clients."""

import uuid

from flask import current_app

from care.accounts.users import Offer
from care.clients import commands as clients
from care.clients import lifecycle, logins
from care.clients.queries import zone_of
from care.schemas import ClientCreate, ClientUpdate
from care.tables import User
from care.types import utcnow
from service import db, mail
from service.api import api
from service.api.schemas import BreakIn, ListQuery, Page
from service.api.shapes import clients as shapes
from service.api.shapes.clients import ClientCreated, ClientOut, Invitation
from service.library import library
from service.planning import replan

THERAPIST = ("therapist",)


def _check_voice(body) -> None:
    # The voice list comes from the speech engine itself, so an unknown id is caught here
    # rather than at the client's first listen.
    if getattr(body, "voice", None):
        from media.errors import UnknownVoice
        from media.speech.pool import list_voices

        ids = [v.id for v in list_voices()]
        if body.voice.lower() not in ids:
            raise UnknownVoice(body.voice, ids)


def _invitation(offer: Offer, inviter: User) -> Invitation:
    """The invitation as the app hands it over; for an address another account has, its
    owner is told by email (care/clients/logins.py), and the answer is the same."""
    if offer.taken:
        mail.address_taken(offer.to, inviter.name or inviter.email, soon=True)
    base = current_app.config["HEARTH_SETTINGS"].base_url
    return Invitation(
        token=offer.secret,
        accept_url=f"{base}/welcome?code={offer.secret}",
        expires_at=offer.expires_at,
    )


@api.operation(
    "POST",
    "/clients",
    summary="Add a client",
    tags=["clients"],
    roles=THERAPIST,
    body=ClientCreate,
    response=ClientCreated,
    status=201,
    errors=(409,),
)
def create_client(user: User, body: ClientCreate):
    """With an email, a client login is created and a one-time invitation returned."""
    _check_voice(body)
    session = db.session()
    client, offer = clients.create_client(session, user, body)
    session.commit()
    invitation = _invitation(offer, user) if offer else None
    out = shapes.to_out(session, client)
    return ClientCreated(**out.model_dump(), invitation=invitation), 201


@api.operation(
    "GET",
    "/clients",
    summary="List your clients",
    tags=["clients"],
    roles=THERAPIST,
    query=ListQuery,
    response=Page[ClientOut],
)
def list_clients(user: User, query: ListQuery):
    """Only the signed-in therapist's own clients."""
    session = db.session()
    page = clients.list_for_therapist(session, user, limit=query.limit, cursor=query.cursor)
    return Page[ClientOut](
        items=[shapes.to_out(session, c) for c in page.items], next_cursor=page.next_cursor
    )


@api.operation(
    "GET",
    "/clients/{client_id}",
    summary="One of your clients",
    tags=["clients"],
    roles=THERAPIST,
    response=ClientOut,
)
def get_client(user: User, client_id: uuid.UUID):
    """Another therapist's client answers 404."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    return shapes.to_out(session, client)


@api.operation(
    "PATCH",
    "/clients/{client_id}",
    summary="Change a client",
    tags=["clients"],
    roles=THERAPIST,
    body=ClientUpdate,
    response=ClientOut,
)
def update_client(user: User, client_id: uuid.UUID, body: ClientUpdate):
    """Only the fields sent change; a broken rule changes nothing."""
    _check_voice(body)
    session = db.session()
    client = clients.update_client(session, user, client_id, body, library())
    session.commit()
    replan(client)
    return shapes.to_out(session, client)


@api.operation(
    "POST",
    "/clients/{client_id}/invitation",
    summary="A new invitation",
    tags=["clients"],
    roles=THERAPIST,
    response=Invitation,
    status=201,
    errors=(409,),
)
def reinvite_client(user: User, client_id: uuid.UUID):
    """Replaces any earlier invitation of a client who has a login but has not chosen a
    password yet; 409 once they have (they reset a forgotten one themselves)."""
    session = db.session()
    try:
        offer = logins.reinvite(session, user, clients.get_for_therapist(session, user, client_id))
    except logins.RefusedInvitation:
        session.rollback()
        logins.note_refused(session, user, client_id)
        session.commit()
        raise
    session.commit()
    return _invitation(offer, user), 201


@api.operation(
    "PUT",
    "/clients/{client_id}/break",
    summary="Set a practice break",
    tags=["clients"],
    roles=THERAPIST,
    body=BreakIn,
    response=ClientOut,
    errors=(409,),
)
def set_break(user: User, client_id: uuid.UUID, body: BreakIn):
    """No prompts on these local dates (both included) and nothing counted as missed; holds,
    alerts and the dose work as always. Replaces any earlier break."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    today = utcnow().astimezone(zone_of(client)).date()
    client = lifecycle.set_break(session, user, client_id, body.start, body.end, today)
    session.commit()
    replan(client)
    return shapes.to_out(session, client)


@api.operation(
    "DELETE",
    "/clients/{client_id}/break",
    summary="End a practice break",
    tags=["clients"],
    roles=THERAPIST,
    response=ClientOut,
    errors=(409,),
)
def end_break(user: User, client_id: uuid.UUID):
    """Prompts are planned again from now."""
    session = db.session()
    client = lifecycle.end_break(session, user, client_id)
    session.commit()
    replan(client)
    return shapes.to_out(session, client)


@api.operation(
    "POST",
    "/clients/{client_id}/discharge",
    summary="Discharge a client",
    tags=["clients"],
    roles=THERAPIST,
    response=ClientOut,
    errors=(409,),
)
def discharge_client(user: User, client_id: uuid.UUID):
    """Their sign-in, sessions and tokens end, prompts stop and assignments pause; the record
    stays for export until erased. 409 while an alert about them is open."""
    session = db.session()
    client = lifecycle.discharge(session, user, client_id)
    session.commit()
    return shapes.to_out(session, client)


@api.operation(
    "POST",
    "/clients/{client_id}/readmit",
    summary="Readmit a discharged client",
    tags=["clients"],
    roles=THERAPIST,
    response=ClientOut,
    errors=(409,),
)
def readmit_client(user: User, client_id: uuid.UUID):
    """They can sign in again with their password; assignments stay paused until resumed."""
    session = db.session()
    client = lifecycle.readmit(session, user, client_id)
    session.commit()
    return shapes.to_out(session, client)
