"""A second factor on the API: one's own (set up, confirm, turn off) for therapists and
admins, and the admin's rule and reset. The same care commands as the pages'."""

import uuid
from typing import Annotated

from flask import g
from pydantic import BaseModel, Field

from care.accounts import second_factor, totp
from care.schemas import Strict
from care.tables import User
from service import auth, db, mail
from service.api import api

STAFF = ("therapist", "admin")
Code = Annotated[str, Field(min_length=1, max_length=12, description="the app's 6-digit code")]


class SecondFactorOut(BaseModel):
    """Whether one's second factor is on, and whether this hearth requires one."""

    enabled: bool
    required: bool
    setting_up: bool = Field(description="a key was made and waits for its first code")


class SecondFactorKey(BaseModel):
    """A new key for an authenticator app; shown once, while setting up."""

    key: str = Field(description="the base32 key, to type by hand")
    app_link: str = Field(description="the otpauth:// link, also the content of a QR code")


class ConfirmIn(Strict):
    """Turn a new second factor on: the current password and a first code from the app."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    code: Code


class TurnOff(Strict):
    """Turn one's second factor off: the current password and a current code."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    code: Code


class PolicyOut(BaseModel):
    """The deployment's sign-in rules."""

    second_factor_required: bool = Field(description="therapists and admins must use one")


class PolicyIn(Strict):
    """Change the deployment's sign-in rules."""

    second_factor_required: bool


def _state(user: User) -> SecondFactorOut:
    return SecondFactorOut(
        enabled=totp.enabled(user),
        required=second_factor.required(db.session(), user),
        setting_up=second_factor.pending_key(user) is not None,
    )


@api.operation(
    "GET",
    "/me/second-factor",
    summary="Your second factor",
    tags=["me"],
    roles=STAFF,
    response=SecondFactorOut,
    before_second_factor=True,
)
def get_second_factor(user: User):
    """Whether it is on, and whether this hearth requires one."""
    return _state(user)


@api.operation(
    "POST",
    "/me/second-factor",
    summary="Start setting up a second factor",
    tags=["me"],
    roles=STAFF,
    response=SecondFactorKey,
    status=201,
    errors=(409,),
    before_second_factor=True,
)
def start_second_factor(user: User):
    """A new key (any unconfirmed one is replaced); it is on once a first code confirms it.
    409 while one is already on."""
    session = db.session()
    key = second_factor.begin(session, user)
    session.commit()
    return SecondFactorKey(key=key, app_link=second_factor.app_link(user)), 201


@api.operation(
    "POST",
    "/me/second-factor/confirm",
    summary="Turn the second factor on with a first code",
    tags=["me"],
    roles=STAFF,
    body=ConfirmIn,
    response=SecondFactorOut,
    errors=(409,),
    before_second_factor=True,
)
def confirm_second_factor(user: User, body: ConfirmIn):
    """Every other session and token ends (this one keeps working); the owner is told."""
    session = db.session()
    second_factor.confirm(
        session,
        user,
        body.current_password,
        body.code,
        keep_token=g.token.id if g.get("token") else None,
        keep_session=auth.this_session_id(),
    )
    session.commit()
    mail.second_factor_changed(user, on=True)
    return _state(user)


@api.operation(
    "POST",
    "/me/second-factor/off",
    summary="Turn your second factor off",
    tags=["me"],
    roles=STAFF,
    body=TurnOff,
    response=SecondFactorOut,
    errors=(409,),
)
def turn_off_second_factor(user: User, body: TurnOff):
    """409 while this hearth requires one (an admin can reset it for a new phone)."""
    session = db.session()
    second_factor.turn_off(session, user, body.current_password, body.code)
    session.commit()
    mail.second_factor_changed(user, on=False)
    return _state(user)


@api.operation(
    "DELETE",
    "/users/{user_id}/second-factor",
    summary="Reset someone's second factor",
    tags=["admin"],
    roles=("admin",),
    response=None,
    status=204,
)
def reset_second_factor(user: User, user_id: uuid.UUID):
    """For a therapist or admin who lost their phone: every session and token of theirs ends,
    they are told, and they set up a new one after their next sign-in."""
    session = db.session()
    person = second_factor.reset(session, user, user_id)
    session.commit()
    mail.second_factor_changed(person, on=None)
    return None, 204


@api.operation(
    "GET",
    "/admin/sign-in-policy",
    summary="The sign-in rules",
    tags=["admin"],
    roles=("admin",),
    response=PolicyOut,
)
def get_policy(user: User):
    """Whether therapists and admins must use a second factor."""
    required = second_factor.policy(db.session()).second_factor_required
    return PolicyOut(second_factor_required=required)


@api.operation(
    "PUT",
    "/admin/sign-in-policy",
    summary="Change the sign-in rules",
    tags=["admin"],
    roles=("admin",),
    body=PolicyIn,
    response=PolicyOut,
    errors=(409,),
)
def put_policy(user: User, body: PolicyIn):
    """Requiring a second factor: 409 until the admin has one themselves. Staff without one
    are told by email and then sent to set it up before anything else (pages and API alike;
    alert emails keep coming)."""
    session = db.session()
    changed = second_factor.set_required(session, user, body.second_factor_required)
    session.commit()
    if body.second_factor_required and changed:
        mail.second_factor_required(second_factor.staff_without(session))
    return PolicyOut(second_factor_required=body.second_factor_required)
