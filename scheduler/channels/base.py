"""What every delivery channel shares: the message it sends and the result it reports; and the
set of channels a dispatcher is given."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from care.vocab import ALERT_SEVERITIES, ROUTINE, Severity

KINDS = ("prompt", "reminder", "alert", "notice")


@dataclass(frozen=True)
class Message:
    """One thing to deliver, already resolved by the caller: no database access from here on."""

    kind: Literal["prompt", "reminder", "alert", "notice"]  # notice: about the account
    prompt_id: str
    idempotency_key: str
    recipient_name: str
    recipient_email: str | None
    practice_title: str
    practice_id: str
    level: int
    minutes: int  # approximate length, for the invitation's wording only
    local_time_text: str  # e.g. "Tuesday 08:30", already in the client's zone
    expires_at: datetime  # aware UTC
    open_url: str  # straight to the practice (or, for alerts, the therapist's dashboard)
    alert_text: str = ""
    client_name: str = ""
    # Optional extras the caller can fill in; texts read well without them.
    severity: Severity = ROUTINE  # alerts only, as care stores it on the alert
    expires_local_text: str = ""  # e.g. "10:30", for the reminder's "still here until ..."
    settings_url: str = ""  # where a client turns these messages off (also List-Unsubscribe)
    # Notices only: their own subject and main link's words (defaults: the sign-in pause).
    subject: str = ""
    button: str = ""

    @classmethod
    def to_staff(
        cls,
        kind: Literal["alert", "notice"],
        *,
        key: str,
        name: str,
        email: str,
        open_url: str,
        text: str,
        now: datetime,
        client_name: str = "",
        severity: Severity = ROUTINE,
        subject: str = "",
        button: str = "",
    ) -> "Message":
        """A message that is not a practice prompt: an alert to a therapist, a notice about
        an account. The practice fields stay empty."""
        return cls(
            kind=kind,
            prompt_id="",
            idempotency_key=key,
            recipient_name=name,
            recipient_email=email,
            practice_title="",
            practice_id="",
            level=0,
            minutes=0,
            local_time_text="",
            expires_at=now,
            open_url=open_url,
            alert_text=text,
            client_name=client_name,
            severity=severity,
            subject=subject,
            button=button,
        )

    def __post_init__(self) -> None:
        # A wrong kind or a naive time would surface much later as a confusing email: stop here.
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {self.kind!r})")
        if self.severity not in ALERT_SEVERITIES:
            raise ValueError(f"severity must be urgent or routine (got {self.severity!r})")
        if self.expires_at.utcoffset() is None:
            raise ValueError("expires_at must be an aware UTC datetime")
        # Any aware time names one instant; normalising keeps payloads in one form (+00:00).
        object.__setattr__(self, "expires_at", self.expires_at.astimezone(UTC))
        if not self.idempotency_key:
            raise ValueError("idempotency_key must not be empty")


@dataclass(frozen=True)
class DeliveryResult:
    """How one delivery attempt went: ok, retry later, or failed for good (with why)."""

    outcome: Literal["ok", "retry", "failed"]
    detail: str = ""
    status_code: int | None = None

    @property
    def ok(self) -> bool:
        """True when the message was handed over."""
        return self.outcome == "ok"


@runtime_checkable
class Channel(Protocol):
    """A way to reach someone; the dispatcher treats all channels alike."""

    name: str

    def send(self, message: Message, /, **kwargs: Any) -> DeliveryResult:
        """Try to deliver `message` once; never raise for delivery problems, report them."""
        ...


@dataclass
class Channels:
    """The channels a dispatcher uses; the in-app inbox is the prompts table, email and
    webhooks are optional."""

    base_url: str
    email: Channel | None = None
    webhook: Channel | None = None
