"""The practice library as the service sees it: the app's loaded library and who may see what."""

from flask import current_app, g

from care.assignments import commands as assignments
from care.assignments import gates
from care.clients import commands as clients
from care.tables import Client, User
from practices import Library, Personalisation, Practice, UnknownPractice
from service import db


def library() -> Library:
    """The library loaded (and validated) at start."""
    return current_app.extensions["hearth.library"]


def shared_with(user: User) -> frozenset[str]:
    """The practices a client may open: their active assignments', the prelude when one of
    them asks for it, and every entry practice (lukewarm, always open: the ladder climbs
    through them, and the rough-session reply offers grounding).

    Gated practices stay out of sight until the therapist assigns them (R1, R8): a client does
    not meet the fierce practices, or painful material, by browsing. Cached for the request."""
    cached = g.get("hearth_shared_practices")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    session = db.session()
    record = clients.for_user(session, user)
    shared: set[str] = set()
    if record is not None:
        lib = library()
        shared.add(record.entry_practice_id)
        shared.update(p.id for p in lib.all() if gates.entry_problem(p) is None)
        active = assignments.for_client(session, record.id, include_paused=False)
        shared.update(a.practice_id for a in active)
        if any(a.prelude for a in active):
            shared.update(p.id for p in lib.all() if p.prelude)
    g.hearth_shared_practices = (user.id, frozenset(shared))
    return g.hearth_shared_practices[1]


def visible_to(user: User, practice: Practice) -> bool:
    """Clients see the client practices shared with them; therapists and admins see all."""
    if user.role != "client":
        return True
    return practice.audience == "client" and practice.id in shared_with(user)


def get_visible(user: User, practice_id: str) -> Practice:
    """A practice the user may see; anything else is UnknownPractice (a 404)."""
    practice = library().get(practice_id)
    if not visible_to(user, practice):
        raise UnknownPractice(practice_id)
    return practice


def personalisation(client: Client | None, *, spoken: bool = False) -> Personalisation | None:
    """The client's own name and touch alternative for scripts; for speech (`spoken`), the
    name as it sounds when the therapist wrote that down."""
    if client is None:
        return None
    name = (client.spoken_name or client.script_name) if spoken else client.script_name
    return Personalisation(name=name, touch=client.touch_alternative)
