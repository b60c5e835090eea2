"""What every client page needs: the signed-in client's record, their zone, practice lengths."""

from zoneinfo import ZoneInfo

from flask import g

from care.clients import commands as clients
from care.errors import NotFound
from care.tables import Client
from service import db


def own_client() -> Client:
    """The signed-in client's record (a login without one gets a calm 404)."""
    client = clients.for_user(db.session(), g.page_user)
    if client is None:
        raise NotFound("no practice record belongs to this sign-in yet; please ask your therapist")
    return client


def client_zone(client: Client) -> ZoneInfo:
    """The client's IANA zone, for local dates and times."""
    return ZoneInfo(client.timezone)


def practice_minutes(practice, level: int) -> int:
    """A practice variant's length in whole minutes (at least one)."""
    return practice.variant(level).minutes
