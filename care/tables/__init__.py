"""The care record's SQLModel tables, one module per domain; import them from here."""

from care.tables.accounts import ApiToken, SignInFailure, SignInPolicy, User
from care.tables.audit import AuditEvent
from care.tables.clients import Client
from care.tables.delivery import CalendarFeed, DeliveryLog, Prompt, SchedulerBeat, WebhookEndpoint
from care.tables.dose import DoseAction, DoseDecision
from care.tables.practice import Assignment, CheckIn, PracticeSession
from care.tables.safety import Alert, CrisisResources
from care.tables.sessions import WebSession

__all__ = [
    "Alert",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "CalendarFeed",
    "CheckIn",
    "Client",
    "CrisisResources",
    "DeliveryLog",
    "DoseAction",
    "DoseDecision",
    "PracticeSession",
    "Prompt",
    "SchedulerBeat",
    "SignInFailure",
    "SignInPolicy",
    "User",
    "WebSession",
    "WebhookEndpoint",
]
