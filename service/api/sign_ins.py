"""Where the signed-in person is signed in (browser sessions and app tokens), and ending one."""

import uuid
from datetime import datetime
from typing import Literal

from flask import g
from pydantic import BaseModel

from care.accounts import sessions as web_sessions
from care.tables import User
from service import auth, db
from service.api import api
from service.api.framework import SIGNED_IN


class SignInOut(BaseModel):
    """One browser session or app token of the signed-in person."""

    id: uuid.UUID
    kind: Literal["web", "token"]
    label: str
    address: str
    created_at: datetime
    last_used_at: datetime | None
    current: bool


class SignInList(BaseModel):
    """Every open sign-in, newest first."""

    items: list[SignInOut]


@api.operation(
    "GET",
    "/me/sign-ins",
    summary="Where you are signed in",
    tags=["me"],
    roles=SIGNED_IN,
    response=SignInList,
)
def list_sign_ins(user: User):
    """Browser sessions (ended by sign-out, 2 hours unused or 12 hours after sign-in, by
    default) and live app tokens; `current` marks the one making this request."""
    token = g.get("token")
    rows = web_sessions.sign_ins(
        db.session(),
        user,
        auth.lifetimes(),
        current_session=auth.this_session_id(),
        current_token=token.id if token else None,
    )
    return SignInList(items=[SignInOut(**vars(r)) for r in rows])


@api.operation(
    "DELETE",
    "/me/sign-ins/{sign_in_id}",
    summary="End one of your sign-ins",
    tags=["me"],
    roles=SIGNED_IN,
    response=None,
    status=204,
    errors=(404,),
)
def end_sign_in(user: User, sign_in_id: uuid.UUID):
    """Ends a browser session or revokes an app token at once (the current one too)."""
    session = db.session()
    web_sessions.end_sign_in(session, user, sign_in_id)
    session.commit()
    return None, 204
