"""The care record's vocabulary, written once: roles, flags, prompt states, backdraft forms,
alert severities, level and rating ranges and the default thresholds (CLINICAL.md sections 4-5).

Schemas, tables, forms, templates, the scheduler and the dose policy all take them from here, so
a range or a name is written exactly once. The names are plain strings (not `enum.Enum`), so they
bind the same way on SQLite and on PostgreSQL and compare equal to what is stored.
"""

from typing import Literal

# Who signs in -------------------------------------------------------------------------------

ROLES = ("admin", "therapist", "client")
Role = Literal["admin", "therapist", "client"]

# The therapist's clinical flags on a client (R1: any of them closes the stability gate).
CLINICAL_FLAGS = ("dissociation", "self_harm", "suicidality", "low_mentalizing")

# Dose levels (CLINICAL.md section 4) -----------------------------------------------------------

HOLD_LEVEL = 0  # level 0 exists only as the safety hold (R5)
LOWEST_LEVEL = 1  # the lowest practice level: lukewarm, entry practices only
TOP_LEVEL = 5
PRACTICE_LEVELS = tuple(range(LOWEST_LEVEL, TOP_LEVEL + 1))
LEVEL_RANGE = (LOWEST_LEVEL, TOP_LEVEL)  # what a therapist may set as start, bounds or pin

# Distress ratings and thresholds (CLINICAL.md section 5) ----------------------------------------

SPEECH_STEP = 10  # voice rate and pitch come in steps: a handful of renderings, not millions
PASSWORD_MIN_LENGTH = 12  # ASVS L2 asks for at least 12
RATING_RANGE = (0, 10)  # 0 = calm, 10 = the worst imaginable (SUDS-style)
# A threshold of 0 would call every rating rough or a crisis, so thresholds start at 1.
THRESHOLD_RANGE = (1, 10)

# Defaults of CLINICAL.md section 5 (every one is configurable per client by the therapist).
DEFAULT_START_LEVEL = 1
DEFAULT_MIN_LEVEL = 1
DEFAULT_MAX_LEVEL = 5
DEFAULT_WINDOW_THRESHOLD = 7  # post-practice distress at or above it is a rough session (R3)
DEFAULT_CRISIS_THRESHOLD = 9  # any rating at or above it puts the client on hold (R5)
DEFAULT_RISE_THRESHOLD = 2  # a rise of this many points or more is a rough session (R3)

# Backdraft (R4, 000:291): the forms, in the order a client sees them; the therapist's words
# for each, and the plainer words a client reads (CLINICAL.md section 2).

BACKDRAFT_FORMS = ("thoughts", "emotions", "body", "behaviour")
Backdraft = Literal["thoughts", "emotions", "body", "behaviour"]
BACKDRAFT_WORDS = {
    "thoughts": "thoughts or beliefs",
    "emotions": "emotions",
    "body": "body aches",
    "behaviour": "behaviour (withdrawal or aggression)",
}
BACKDRAFT_CLIENT_WORDS = {
    "thoughts": "thoughts or beliefs",
    "emotions": "strong feelings",
    "body": "aches in the body",
    "behaviour": "wanting to pull away or lash out",
}

# Alerts to the therapist -------------------------------------------------------------------------

URGENT = "urgent"  # a crisis: shown first, emailed at once
ROUTINE = "routine"  # a rough session, missed prompts, a record that needed repair
ALERT_SEVERITIES = (URGENT, ROUTINE)
Severity = Literal["urgent", "routine"]
ALERT_OPEN = "open"
ALERT_ACKNOWLEDGED = "acknowledged"
AlertStatus = Literal["open", "acknowledged"]


# Prompts: the outbox's states --------------------------------------------------------------------


class PromptStatus:
    """Where a prompt is in its life: planned, claimed for sending, sent (in the inbox), then
    opened, completed, expired, cancelled or failed."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"

    ALL = (PLANNED, SENDING, SENT, DELIVERED, OPENED, COMPLETED, EXPIRED, CANCELLED, FAILED)
    # Named groups of states used by more than one query are added here, each with a comment.
    # In the client's inbox and not opened yet: a miss if it expires so (R9), and what a
    # reminder may follow up (the scheduler's housekeeping and reminders).
    UNOPENED = (SENT, DELIVERED)
    # Out with the client and not yet practised: a hold withdraws these (sending too: the
    # dispatcher's guarded final write is then refused).
    OUT = (SENDING, SENT, DELIVERED, OPENED)
    # Still to come or still open: what a new practice for the same assignment completes.
    PENDING = (PLANNED, SENDING, SENT, DELIVERED, OPENED)
    # The client's inbox shows these.
    VISIBLE = (SENT, DELIVERED, OPENED, COMPLETED)
    FINAL = (COMPLETED, EXPIRED, CANCELLED, FAILED)


PROMPT_STATES = PromptStatus.ALL

# Practice sessions -------------------------------------------------------------------------------


class SessionStatus:
    """A practice session: started, then finished (rated) or abandoned."""

    STARTED = "started"
    FINISHED = "finished"
    ABANDONED = "abandoned"
    ALL = (STARTED, FINISHED, ABANDONED)
