"""The read half of the audit log: every request that reached a client's record leaves one
entry per client when it succeeds (writes are recorded by care where they happen too).

care notes each client reached (care.audit.note_access, at the record's gateways); this module
opens the notes when a request starts and writes them when it ends well, for every client that
no entry of the request names yet. A client reading their own record is not logged as a read
(their own writes, check-ins and sessions, are)."""

import logging

from flask import Flask, g, request

from care import audit
from service import auth, db
from service.security import logged_path

log = logging.getLogger("hearth.audit")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    """Open the notes at the start of each request and write them at its end."""

    @app.before_request
    def open_notes():
        g.audit_tokens = audit.begin_collecting()

    @app.after_request
    def write_notes(response):
        if "audit_tokens" in g and audit.refusals():
            _write_refusals(response.status_code)
        if "audit_tokens" in g and response.status_code < 400:
            # Clients whose request recorded its own entry (a change, an explicit read) need
            # no second one.
            accessed = audit.unrecorded()
            if accessed:
                _write(accessed, response.status_code)
        return response

    @app.teardown_request
    def close_notes(_error=None):
        tokens = g.pop("audit_tokens", None)
        if tokens is not None:
            audit.end_collecting(tokens)


def _write_refusals(status: int) -> None:
    """Write the refused reaches for other tenants' objects, after the refused request."""
    session = db.session()
    try:
        if status >= 400:
            session.rollback()  # the refused request keeps nothing
        for entry in audit.refusals():
            audit.record(session, **entry)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write a refused reach", extra={"path": logged_path(request.path)})


def _write(accessed: set, status: int) -> None:
    user = auth.current_user()
    if user is None:
        return
    write = request.method in UNSAFE
    if user.role == "client" and not write:
        return
    kind = "write" if write else "read"
    endpoint = request.endpoint or request.path
    session = db.session()
    try:
        for client_id in sorted(accessed, key=str):
            audit.record(
                session,
                f"{kind}:{endpoint}",
                actor_id=user.id,
                target_type="client",
                target_id=client_id,
                client_id=client_id,
                detail=f"{request.method} {logged_path(request.path)} -> {status}",
            )
        session.commit()
    except Exception:  # the answer already stands; a lost audit row must be loud, not fatal
        session.rollback()
        log.exception("could not write the access log", extra={"path": logged_path(request.path)})
