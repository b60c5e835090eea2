"""Every route module of the API, imported once by the app factory so that each registers its
operations on `service.api.api` (kept apart from service/api/__init__.py, which they import)."""

# Imported for what loading them does: each module's decorators register its operations.
from service.api import (  # noqa: F401
    accounts,
    assignments,
    audio,
    audit_log,
    calendar,
    clients,
    dose,
    export,
    health,
    me_reports,
    practices,
    preferences,
    prompts,
    schedule_preview,
    second_factor,
    sign_ins,
    webhooks,
)
