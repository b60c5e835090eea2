"""Tokens, invitations, the signed-in user, and the admin's management of therapists."""

import uuid
from datetime import timedelta

from flask import current_app, g
from sqlmodel import select

from care import audit
from care.accounts import tokens
from care.accounts import users as accounts
from care.clients import commands as clients
from care.paging import paginate, parse_time_and_id
from care.schemas import UserCreate, UserUpdate
from care.tables import User
from service import db, signin
from service.api import api
from service.api.framework import PUBLIC, SIGNED_IN
from service.api.problems import ApiProblem
from service.api.schemas import InvitationAccept, ListQuery, Page, TokenOut, TokenRequest
from service.api.shapes import clients as shapes
from service.api.shapes.clients import Me, UserOut

WRONG_CREDENTIALS = "the email or password is not right, or the account is disabled"


def user_out(user: User) -> UserOut:
    """The public view of a user."""
    return UserOut.model_validate(user, from_attributes=True)


@api.operation(
    "POST",
    "/auth/token",
    summary="Exchange email and password for a token",
    tags=["auth"],
    roles=PUBLIC,
    body=TokenRequest,
    response=TokenOut,
    status=201,
    errors=(401, 429),
)
def create_token(body: TokenRequest):
    """The same 401 answers an unknown email, a wrong password and a disabled account; after
    too many refusals (per account and per address) 429 with Retry-After."""
    session = db.session()
    try:
        user = signin.sign_in(session, body.email, body.password)
    except signin.SignInPaused as paused:
        raise ApiProblem(
            429, str(paused), headers={"Retry-After": str(paused.retry_after)}
        ) from None
    if user is None:
        raise ApiProblem(401, WRONG_CREDENTIALS)
    ttl = timedelta(hours=current_app.config["HEARTH_SETTINGS"].token_ttl_hours)
    secret, token = tokens.issue(session, user, ttl=ttl, label=body.label)
    session.commit()
    return TokenOut(token=secret, expires_at=token.expires_at), 201


@api.operation(
    "DELETE",
    "/auth/token",
    summary="Revoke the token used for this request",
    tags=["auth"],
    roles=SIGNED_IN,
    response=None,
    status=204,
    errors=(409,),
)
def revoke_token(user: User):
    """Only a bearer token can be revoked this way; a web session signs out on the web page."""
    token = g.get("token")
    if token is None:
        raise ApiProblem(
            409, "this request was not made with a bearer token; sign out on the web page instead"
        )
    session = db.session()
    tokens.revoke(session, token)
    audit.record(
        session, "auth.revoke_token", actor_id=user.id, target_type="token", target_id=token.id
    )
    session.commit()
    return None, 204


@api.operation(
    "POST",
    "/auth/invitations/accept",
    summary="Choose a password for an invitation",
    tags=["auth"],
    roles=PUBLIC,
    body=InvitationAccept,
    response=UserOut,
    errors=(404,),
)
def accept_invitation(body: InvitationAccept):
    """Turns a one-time invitation into a usable login."""
    session = db.session()
    user = accounts.accept_invitation(session, body.token, body.password)
    session.commit()
    return user_out(user)


@api.operation(
    "GET", "/me", summary="The signed-in user", tags=["me"], roles=SIGNED_IN, response=Me
)
def me(user: User):
    """A client also sees their own settings (not the therapist's clinical notes on them)."""
    session = db.session()
    record = clients.for_user(session, user) if user.role == "client" else None
    return Me(**user_out(user).model_dump(), client=shapes.to_self(record) if record else None)


@api.operation(
    "GET",
    "/therapists",
    summary="List therapists",
    tags=["admin"],
    roles=("admin",),
    query=ListQuery,
    response=Page[UserOut],
)
def list_therapists(user: User, query: ListQuery):
    """All therapist accounts, oldest first."""
    page = paginate(
        db.session(),
        select(User).where(User.role == "therapist"),
        [User.created_at, User.id],
        limit=query.limit,
        cursor=query.cursor,
        parse=parse_time_and_id,
    )
    return Page[UserOut](items=[user_out(u) for u in page.items], next_cursor=page.next_cursor)


@api.operation(
    "POST",
    "/therapists",
    summary="Create a therapist account",
    tags=["admin"],
    roles=("admin",),
    body=UserCreate,
    response=UserOut,
    status=201,
    errors=(409,),
)
def create_therapist(user: User, body: UserCreate):
    """Without a password the therapist gets no login until one is set (CLI or invitation)."""
    session = db.session()
    created = accounts.create_user(
        session,
        email=body.email,
        role="therapist",
        name=body.name,
        password=body.password,
        actor_id=user.id,
    )
    session.commit()
    return user_out(created), 201


@api.operation(
    "PATCH",
    "/therapists/{therapist_id}",
    summary="Rename or disable a therapist",
    tags=["admin"],
    roles=("admin",),
    body=UserUpdate,
    response=UserOut,
)
def update_therapist(user: User, therapist_id: uuid.UUID, body: UserUpdate):
    """Disabling a therapist also revokes their tokens; their clients' records are kept."""
    session = db.session()
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    therapist = accounts.update_therapist(session, user, therapist_id, changes)
    session.commit()
    return user_out(therapist)
