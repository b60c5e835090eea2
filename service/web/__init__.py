"""Server-rendered web pages, in folders by role (client/, therapist/, admin/) with what they
all use in shared/. Importing this package adds every page's route to the `web` blueprint."""

from service.web.admin import therapists as _admin_therapists  # noqa: F401
from service.web.client import home as _client_home  # noqa: F401
from service.web.client import practice as _client_practice  # noqa: F401
from service.web.client import settings as _client_settings  # noqa: F401
from service.web.shared import account as _account  # noqa: F401
from service.web.shared import crisis as _crisis  # noqa: F401
from service.web.shared import email_address as _email_address  # noqa: F401
from service.web.shared import passwords as _passwords  # noqa: F401
from service.web.shared import second_factor as _second_factor  # noqa: F401
from service.web.shared import sign_ins as _sign_ins  # noqa: F401
from service.web.shared.blueprint import web
from service.web.therapist import assignments as _therapist_assignments  # noqa: F401
from service.web.therapist import caseload as _therapist_caseload  # noqa: F401
from service.web.therapist import catalogue as _therapist_catalogue  # noqa: F401
from service.web.therapist import client as _therapist_client  # noqa: F401
from service.web.therapist import course as _therapist_course  # noqa: F401
from service.web.therapist import dashboard as _therapist_dashboard  # noqa: F401

__all__ = ["web"]
