"""The /api/v1 blueprint: every operation registers itself on `api` when its module loads."""

from service.api.framework import Api

api = Api("api", "/api/v1")

# Route modules register their operations on import (they need `api` to exist first).
from service.api import (  # noqa: E402, F401
    accounts,
    assignments,
    audio,
    audit_log,
    clients,
    delivery,
    dose,
    export,
    health,
    me_reports,
    practices,
)
