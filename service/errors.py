"""Error handlers: problem+json under /api, calm HTML pages elsewhere."""

import logging

from flask import Flask, current_app, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from care.errors import CareError, Invalid, TooMany
from media.errors import MediaError
from practices import LevelNotOffered, UnknownFormat, UnknownPractice
from service.api.problems import ApiProblem, problem_response

log = logging.getLogger("hearth.errors")

# What each media error means for the caller: their input (422, naming the field) or our
# server's missing capability (503).
_MEDIA_STATUS = {
    "UnknownVoice": (422, "voice"),
    "InvalidRate": (422, "rate"),
    "InvalidPitch": (422, "pitch"),
    "TextOnlyPractice": (422, "format"),
    "SpeechUnavailable": (503, None),
    "EncoderMissing": (503, None),
    "StoreUnavailable": (503, None),
}

_HTTP_DETAIL = {
    404: "there is nothing at this address",
    405: "this address does not accept {method}; see /api/v1/openapi.json for what it accepts",
    413: "the request body is larger than the limit of {limit} bytes; send less",
}


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _either(status: int, message: str, errors=None, headers=None):
    """problem+json under /api, the calm error page elsewhere."""
    if _wants_problem():
        return problem_response(status, message, errors=errors, headers=headers)
    page = render_template("shared/error.html", status=status, message=message)
    return page, status, headers or {}


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    handlers = {
        ApiProblem: api_problem,
        CareError: care_error,
        UnknownPractice: unknown_practice,
        LevelNotOffered: level_not_offered,
        UnknownFormat: unknown_format,
        MediaError: media_error,
        HTTPException: http_error,
        OperationalError: database_unreachable,
        InterfaceError: database_unreachable,
        Exception: unexpected,
    }
    for kind, handler in handlers.items():
        app.register_error_handler(kind, handler)


def api_problem(error: ApiProblem):
    """A problem the API raised on purpose, as problem+json."""
    return problem_response(
        error.status, error.detail, errors=error.errors, headers=error.headers, title=error.title
    )


def care_error(error: CareError):
    """A refusal of the care floor, with the fields it names."""
    problems = (
        error.problems
        if isinstance(error, Invalid)
        else ([(error.field, error.message)] if error.field else None)
    )
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooMany) else None
    return _either(error.status, error.message, problems, headers)


def unknown_practice(error: UnknownPractice):
    """404 with a pointer to the list of practices."""
    return _either(404, f"{error}; GET /api/v1/practices lists them")


def level_not_offered(error: LevelNotOffered):
    """422 naming the level."""
    return _either(422, str(error), [("level", str(error))])


def unknown_format(error: UnknownFormat):
    """422 naming the format."""
    return _either(422, str(error), [("format", str(error))])


def media_error(error: MediaError):
    """The caller's input (422, naming the field) or our missing capability (503)."""
    status, field = _MEDIA_STATUS.get(type(error).__name__, (503, None))
    if status >= 500:
        log.warning("media unavailable: %s", error)
    return _either(status, str(error), [(field, str(error))] if field else None)


def http_error(error: HTTPException):
    """Werkzeug's errors (404, 405, 413, ...) in our words."""
    status = error.code or 500
    template = _HTTP_DETAIL.get(status)
    detail = (
        template.format(method=request.method, limit=current_app.config.get("MAX_CONTENT_LENGTH"))
        if template
        else (error.description or "")
    )
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if _wants_problem():
        return problem_response(status, detail, headers=headers)
    response = error.get_response()
    response.data = render_template("shared/error.html", status=status, message=detail)
    response.mimetype = "text/html"
    return response


def database_unreachable(error: Exception):
    """503 with a time to come back: a restarting database is passing trouble, not a bug."""
    # The request's transaction was rolled back, so nothing half-saved stays.
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
    detail = (
        "the database cannot be reached right now, so nothing from this request was saved; "
        "please try again in a few seconds"
    )
    return _either(503, detail, headers={"Retry-After": "5"})


def unexpected(error: Exception):
    """500 for everything else; the details stay in the log."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    detail = (
        "something went wrong on our side; nothing you sent was lost if you saw a "
        "success before. Please try again in a moment"
    )
    return _either(500, detail)
