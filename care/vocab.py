"""The care record's vocabulary, written once: roles, flags, prompt states, backdraft forms,
alert severities, level and rating ranges and the default thresholds (CLINICAL.md sections 4-5).
Schemas, tables, forms, templates and the policy all take them from here."""

ROLES = ("admin", "therapist", "client")
CLINICAL_FLAGS = ("dissociation", "self_harm", "suicidality", "low_mentalizing")

# Defaults of CLINICAL.md section 5 (every one is configurable per client by the therapist).
DEFAULT_START_LEVEL = 1
DEFAULT_MIN_LEVEL = 1
DEFAULT_MAX_LEVEL = 5
DEFAULT_WINDOW_THRESHOLD = 7
DEFAULT_CRISIS_THRESHOLD = 9

PROMPT_STATES = (
    "planned",
    "sending",
    "sent",
    "delivered",
    "opened",
    "completed",
    "expired",
    "cancelled",
    "failed",
)
