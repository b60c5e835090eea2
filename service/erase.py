"""Erasing a client for good, for both faces: the care record's rows (care.erasure), then what
outlives a commit elsewhere, namely SQLite's write-ahead log and the rendered captions and
timelines that carry the client's names or touch phrase."""

import logging
import uuid

from care import erasure
from care.clients import commands as clients
from care.db import checkpoint
from care.tables import User
from service import db, media

log = logging.getLogger("hearth.erase")


def erase(user: User, client_id: uuid.UUID):
    """Erase the client and commit; then checkpoint the WAL and clear their media. Returns
    what care.erasure counted."""
    session = db.session()
    client = clients.get_for_therapist(session, user, client_id)
    words = [w for w in (client.script_name, client.spoken_name, client.touch_alternative) if w]
    erased = erasure.erase_client(session, user, client_id)
    session.commit()
    try:
        checkpoint(db.engine())
    except Exception:  # a busy reader may hold the WAL; the next checkpoint folds it in
        log.warning("the write-ahead log could not be checkpointed after an erasure")
    try:
        media.store().remove_mentioning(words)
    except OSError:
        log.warning("rendered media of an erased client could not all be removed")
    return erased
