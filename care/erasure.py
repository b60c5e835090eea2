"""Erasure: a client and all their clinical data removed for good, leaving only an audit entry
with counts (no names, ratings or notes). The caller commits."""

import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from care import audit
from care.accounts import throttle
from care.clients import commands as clients
from care.clients import logins
from care.errors import Conflict
from care.tables import (
    Alert,
    ApiToken,
    Assignment,
    AuditEvent,
    CalendarFeed,
    CheckIn,
    Client,
    DeliveryLog,
    DoseAction,
    DoseDecision,
    PracticeSession,
    Prompt,
    SignInFailure,
    User,
    WebSession,
)
from care.vocab import PromptStatus

ERASED_DETAIL = "[erased]"
# Children before parents, so every foreign key holds at each step (PostgreSQL checks each
# statement; SQLite runs with foreign_keys=ON). Alerts point at dose decisions; sessions and
# prompts point at assignments.
CLIENT_TABLES = (
    Prompt,
    Alert,
    DoseDecision,
    DoseAction,
    CheckIn,
    PracticeSession,
    CalendarFeed,
    Assignment,
)


@dataclass(frozen=True)
class Erased:
    """How many rows of each table went: counts only, safe to keep in the audit log."""

    client_id: uuid.UUID
    counts: dict[str, int]

    def detail(self) -> str:
        """The counts as `table=n` pairs for the audit entry."""
        return " ".join(f"{name}={n}" for name, n in self.counts.items())


def confirmed(typed: str, display_name: str) -> bool:
    """True when the therapist typed the client's display name (case and spacing aside), the
    confirmation that an erasure is meant."""

    def norm(text: str) -> str:
        return unicodedata.normalize("NFC", text).strip().casefold()

    return bool(norm(typed)) and norm(typed) == norm(display_name)


def erase_client(session: Session, therapist: User, client_id: uuid.UUID) -> Erased:
    """Delete one of this therapist's clients with their login and every row that is theirs.

    Refused (Conflict) while one of their prompts is being sent: the dispatcher holds it and
    would write its outcome after we had gone."""
    client = clients.get_for_therapist(session, therapist, client_id)
    # Lock the client and their prompts: a dispatcher claims prompts with SKIP LOCKED, so it
    # passes these by, and a planner adding a prompt waits for us, then fails on the missing
    # client. (SQLite has no row locks; its single writer makes a late claim fail instead.)
    session.exec(select(Client.id).where(Client.id == client.id).with_for_update()).one()
    statuses = session.exec(
        select(Prompt.status).where(Prompt.client_id == client.id).with_for_update()
    ).all()
    sending = statuses.count(PromptStatus.SENDING)
    if sending:
        raise Conflict(
            f"{sending} practice prompt(s) for this client are being sent right now; "
            "nothing was erased. Try again in a few minutes, when sending has finished"
        )

    user = session.get(User, client.user_id) if client.user_id else None
    counts = {"audit_details_scrubbed": _scrub_audit(session, client, user)}
    prompt_ids = select(Prompt.id).where(Prompt.client_id == client.id)
    counts["delivery_log"] = _delete(session, DeliveryLog, DeliveryLog.prompt_id.in_(prompt_ids))
    for model in CLIENT_TABLES:
        counts[model.__tablename__] = _delete(session, model, model.client_id == client.id)
    # Codes handed over for an address another account has are that account's rows.
    counts["claims"] = _delete(
        session,
        ApiToken,
        (ApiToken.kind == "claim") & (ApiToken.label == logins.claim_label(client)),
    )
    counts["clients"] = _delete(session, Client, Client.id == client.id)
    # Only a client login goes with the client; a user of another role is never erased here.
    if user is not None and user.role == "client":
        counts["api_tokens"] = _delete(session, ApiToken, ApiToken.user_id == user.id)
        counts["web_sessions"] = _delete(session, WebSession, WebSession.user_id == user.id)
        counts["users"] = _delete(session, User, User.id == user.id)
        # Refused sign-ins are kept by a hash of the email; that hash still points at them.
        counts["sign_in_failures"] = _delete(
            session,
            SignInFailure,
            SignInFailure.kind.in_(("account", "notice"))
            & (SignInFailure.key == throttle.account_key(user.email)),
        )
    # The rows are gone underneath these objects; keep them out of any later flush.
    for gone in (client, user):
        if gone is not None and gone in session:
            session.expunge(gone)
    erased = Erased(client_id=client_id, counts=counts)
    audit.record(
        session,
        "client.erase",
        actor_id=therapist.id,
        target_type="client",
        target_id=client_id,
        client_id=client_id,
        detail=erased.detail(),
    )
    return erased


def _delete(session: Session, model, condition) -> int:
    result = session.exec(
        delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _scrub_audit(session: Session, client: Client, user: User | None) -> int:
    """Blank the detail of the client's audit entries that would name them; the entries stay,
    with the client's id as an opaque key. Returns how many were blanked."""
    words = {client.display_name, client.script_name or "", client.pending_email or ""}
    if user is not None:
        words |= {user.email, user.name}
    words = {w.strip().casefold() for w in words if w and len(w.strip()) >= 2}
    ids = [str(client.id), *([str(user.id)] if user is not None else [])]
    about = [AuditEvent.client_id == client.id, AuditEvent.target_id.in_(ids)]
    if user is not None:
        about.append(AuditEvent.actor_id == user.id)
    scrubbed = 0
    for event in session.exec(select(AuditEvent).where(or_(*about))):
        text = event.detail.casefold()
        if event.detail != ERASED_DETAIL and any(word in text for word in words):
            event.detail = ERASED_DETAIL
            session.add(event)
            scrubbed += 1
    session.flush()
    return scrubbed
