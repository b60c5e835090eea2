"""The practice library as the service sees it: the app's loaded library and who may see what."""

from flask import current_app

from care.models import Client, User
from practices import Library, Personalisation, Practice, UnknownPractice


def library() -> Library:
    """The library loaded (and validated) at start."""
    return current_app.extensions["hearth.library"]


def visible_to(user: User, practice: Practice) -> bool:
    """Clients see client practices; therapists and admins see all (their own area included)."""
    return user.role != "client" or practice.audience == "client"


def get_visible(user: User, practice_id: str) -> Practice:
    """A practice the user may see; anything else is UnknownPractice (a 404)."""
    practice = library().get(practice_id)
    if not visible_to(user, practice):
        raise UnknownPractice(practice_id)
    return practice


def personalisation(client: Client | None) -> Personalisation | None:
    """The client's own name and touch alternative for scripts."""
    if client is None:
        return None
    return Personalisation(name=client.script_name, touch=client.touch_alternative)
