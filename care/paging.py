"""Keyset pagination with opaque cursors, shared by every list in the service."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session

from care.errors import Invalid

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass
class Page:
    """One page of rows and the cursor for the next page (None on the last page)."""

    items: list[Any]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor from the sort key of the last row served."""
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    """The sort key inside a cursor, or Invalid naming the parameter."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != count:
            raise ValueError
        return [str(v) for v in values]
    except ValueError:
        raise Invalid(
            "cursor is not one this service issued; start again without a cursor", field="cursor"
        ) from None


def paginate(session: Session, statement, columns, *, limit: int, cursor: str | None, parse):
    """Run a select ordered by `columns` (ascending, unique together), one page at a time.

    `parse` turns the cursor's strings back into column values.
    """
    if cursor:
        values = parse(decode_cursor(cursor, len(columns)))
        statement = statement.where(_after(columns, values))
    rows = list(session.exec(statement.order_by(*columns).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, c.key) for c in columns])
    return Page(rows, next_cursor)


def parse_time_and_id(values: list[str]) -> list:
    """Cursor values for the common (created_at, id) sort key."""
    import uuid

    try:
        return [datetime.fromisoformat(values[0]), uuid.UUID(values[1])]
    except ValueError:
        raise Invalid("cursor is damaged; start again without a cursor", field="cursor") from None


def _after(columns, values):
    # (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), portable across SQLite and PostgreSQL.
    first, *rest = columns
    if not rest:
        return first > values[0]
    return or_(first > values[0], and_(first == values[0], _after(rest, values[1:])))
