"""Request and response shapes that belong to the HTTP face only (the care shapes live in care)."""

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from care.paging import DEFAULT_LIMIT, MAX_LIMIT
from care.schemas import Email, Strict
from care.vocab import PASSWORD_MIN_LENGTH

T = TypeVar("T")


class ListQuery(Strict):
    """The pagination convention of every list: a limit and an opaque cursor."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None, Field(max_length=500, description="next_cursor of the previous page")
    ] = None


class Page(BaseModel, Generic[T]):
    """One page of a list; follow next_cursor until it is null."""

    items: list[T]
    next_cursor: str | None


def slice_page(items: list, query: ListQuery, key) -> tuple[list, str | None]:
    """One page of an in-memory list already in its final order; the cursor holds the key of
    the last item served (for lists that are small and fully loaded anyway)."""
    from care.paging import decode_cursor, encode_cursor

    if query.cursor:
        after = decode_cursor(query.cursor, 1)[0]
        keys = [str(key(item)) for item in items]
        items = items[keys.index(after) + 1 :] if after in keys else []
    page = items[: query.limit]
    more = len(items) > query.limit
    return page, (encode_cursor([key(page[-1])]) if more and page else None)


class TokenRequest(Strict):
    """Credentials to exchange for a bearer token."""

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=200)]
    label: Annotated[str, Field(max_length=100, description="e.g. the device name")] = ""
    code: Annotated[
        str | None,
        Field(
            max_length=12,
            description="the 6-digit code of the account's authenticator app, for an account "
            "with a second factor (without it such an account answers 401 with the title "
            "'Code needed')",
        ),
    ] = None


class TokenOut(BaseModel):
    """A bearer token; shown once, store it safely."""

    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime


class InvitationAccept(Strict):
    """Accept an invitation by choosing a password."""

    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=200)]


class PasswordChange(Strict):
    """Change one's own password: the current one and the new one."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=200)]


class EmailChange(Strict):
    """Change one's own sign-in email: the current password and the new address."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email


class EmailConfirm(Strict):
    """Open the link sent to a new address: its code and the address it was sent to."""

    token: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email


class EmailChangeSent(BaseModel):
    """A move of one's email that waits for the new address: a link was sent there."""

    email: str = Field(description="the new address, where the link was sent")
    expires_at: datetime = Field(description="when the link stops working")
    detail: str


class ResetRequest(Strict):
    """Ask for a password reset link by email."""

    email: Annotated[str, Field(min_length=3, max_length=320)]


class ResetRequested(BaseModel):
    """The same answer whether or not the address has an account."""

    detail: str
    email_available: bool = Field(
        description="false when this deployment cannot send email: no link can come; the "
        "person asks their therapist (or whoever runs hearth) for a new invitation"
    )


class ResetConfirm(Strict):
    """Choose a new password with the code from a reset link."""

    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=200)]


class BreakIn(Strict):
    """A practice break: the first and last local day with no prompts (both included)."""

    start: date
    end: date


class Health(BaseModel):
    """Whether the service can do its work."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]
    speech: Literal["ok", "unavailable"] = "ok"
    scheduler: Literal["ok", "stale", "not running"] = "not running"
    scheduler_beat_at: datetime | None = None
    detail: str = ""


def local_time(at: datetime, timezone: str) -> str:
    """A moment as a person reads it on their own clock, e.g. "Tue 03 Mar 18:30"."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M")
