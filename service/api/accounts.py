"""Tokens, invitations, the signed-in user, and the admin's management of therapists."""

import uuid
from datetime import timedelta

from flask import current_app, g
from sqlmodel import select

from care import audit
from care.accounts import credentials, tokens, totp
from care.accounts import users as accounts
from care.clients import commands as clients
from care.paging import paginate, parse_time_and_id
from care.schemas import UserCreate, UserUpdate
from care.tables import User
from service import auth, db, mail, signin
from service.api import api
from service.api.framework import PUBLIC, SIGNED_IN
from service.api.problems import ApiProblem
from service.api.schemas import (
    EmailChange,
    EmailChangeSent,
    EmailConfirm,
    InvitationAccept,
    ListQuery,
    Page,
    PasswordChange,
    ResetConfirm,
    ResetRequest,
    ResetRequested,
    TokenOut,
    TokenRequest,
)
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
    """The same 401 answers an unknown email, a wrong password, a wrong code and a disabled
    account; a right password for an account with a second factor but no `code` answers 401
    titled "Code needed" (ask for the code and send all three again); after too many
    refusals (per account and per address) 429 with Retry-After."""
    session = db.session()
    try:
        user = signin.sign_in(session, body.email, body.password, body.code)
    except totp.CodeNeeded as needed:
        raise ApiProblem(401, str(needed), title="Code needed") from None
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
    before_second_factor=True,
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
    errors=(404, 409),
)
def accept_invitation(body: InvitationAccept):
    """Turns a one-time invitation into a usable login."""
    session = db.session()
    try:
        user = accounts.accept_invitation(session, body.token, body.password)
    except accounts.ClaimUsed:
        session.commit()  # the code is used up and the try audited
        raise
    session.commit()
    return user_out(user)


@api.operation(
    "POST",
    "/me/password",
    summary="Change your password",
    tags=["me"],
    roles=SIGNED_IN,
    body=PasswordChange,
    response=None,
    status=204,
)
def change_password(user: User, body: PasswordChange):
    """Every other session and token of the account ends; the token (or web session) of
    this request keeps working, and the owner gets an email saying the password changed."""
    session = db.session()
    credentials.change_password(
        session,
        user,
        body.current_password,
        body.password,
        keep_token=g.get("token"),
        keep_session=auth.this_session_id(),
    )
    session.commit()
    mail.password_changed(user)
    return None, 204


@api.operation(
    "POST",
    "/me/email",
    summary="Change your sign-in email",
    tags=["me"],
    roles=SIGNED_IN,
    body=EmailChange,
    response=UserOut,
    errors=(409, 429),
    also={202: EmailChangeSent},
)
def change_email(user: User, body: EmailChange):
    """Where this hearth sends email (the usual case): 202, and a link goes to the new
    address; the email changes when it is opened (`POST /auth/email/confirm`). The answer
    is the same whether or not the address has an account (its owner is told instead).
    Where it sends none: the email changes at once (200), 409 when the address cannot be
    used. Either way the old address is told and every other session and token ends."""
    session = db.session()
    if mail.configured():
        request = credentials.request_email_change(session, user, body.current_password, body.email)
        session.commit()
        mail.email_change_requested(request)
        sent = EmailChangeSent(
            email=request.new,
            expires_at=request.expires_at,
            detail=f"a link is on its way to {request.new}; your email changes when it is opened",
        )
        return sent, 202
    old = credentials.change_email(
        session,
        user,
        body.current_password,
        body.email,
        keep_token=g.get("token"),
        keep_session=auth.this_session_id(),
    )
    session.commit()
    mail.email_changed(user, old)
    return user_out(user)


@api.operation(
    "POST",
    "/auth/email/confirm",
    summary="Confirm a new sign-in email",
    tags=["auth"],
    roles=PUBLIC,
    body=EmailConfirm,
    response=UserOut,
    errors=(404, 409),
)
def confirm_email(body: EmailConfirm):
    """The code from the link sent to the new address, with that address: the account
    moves to it, the old address is told, and every session and token of the account ends."""
    session = db.session()
    user, old = credentials.confirm_email_change(session, body.token, body.email)
    session.commit()
    mail.email_changed(user, old)
    return user_out(user)


@api.operation(
    "POST",
    "/auth/password-reset",
    summary="Ask for a password reset link by email",
    tags=["auth"],
    roles=PUBLIC,
    body=ResetRequest,
    response=ResetRequested,
    status=202,
)
def request_password_reset(body: ResetRequest):
    """Always 202, whether or not the address has an account; the link (to `/reset`) works
    once, for 30 minutes, and at most three are sent an hour. `email_available` is false when
    this deployment cannot send email at all."""
    if not mail.configured():
        detail = (
            "this hearth cannot send email, so no reset link can come; ask your therapist (or "
            "whoever looks after hearth where you work) for a new invitation"
        )
        return ResetRequested(detail=detail, email_available=False), 202
    mail.reset_soon(body.email)
    detail = "if this address belongs to an account, a reset link is on its way"
    return ResetRequested(detail=detail, email_available=True), 202


@api.operation(
    "POST",
    "/auth/password-reset/confirm",
    summary="Choose a new password with a reset code",
    tags=["auth"],
    roles=PUBLIC,
    body=ResetConfirm,
    response=UserOut,
    errors=(404,),
)
def confirm_password_reset(body: ResetConfirm):
    """Uses the code up and ends every session and token of the account; sign in again."""
    session = db.session()
    user = credentials.reset_password(session, body.token, body.password)
    session.commit()
    mail.password_changed(user)
    return user_out(user)


@api.operation(
    "GET",
    "/me",
    summary="The signed-in user",
    tags=["me"],
    roles=SIGNED_IN,
    response=Me,
    before_second_factor=True,
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
