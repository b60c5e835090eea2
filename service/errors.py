"""Error handlers: problem+json under /api, calm HTML pages elsewhere."""

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from care.errors import CareError, Invalid
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


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(ApiProblem)
    def api_problem(error: ApiProblem):
        return problem_response(
            error.status,
            error.detail,
            errors=error.errors,
            headers=error.headers,
            title=error.title,
        )

    @app.errorhandler(CareError)
    def care_error(error: CareError):
        problems = (
            error.problems
            if isinstance(error, Invalid)
            else ([(error.field, error.message)] if error.field else None)
        )
        if _wants_problem():
            return problem_response(error.status, error.message, errors=problems)
        return render_template(
            "error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(UnknownPractice)
    def unknown_practice(error: UnknownPractice):
        return _either(404, f"{error}; GET /api/v1/practices lists them")

    @app.errorhandler(LevelNotOffered)
    def level_not_offered(error: LevelNotOffered):
        return _either(422, str(error), [("level", str(error))])

    @app.errorhandler(UnknownFormat)
    def unknown_format(error: UnknownFormat):
        return _either(422, str(error), [("format", str(error))])

    @app.errorhandler(MediaError)
    def media_error(error: MediaError):
        status, field = _MEDIA_STATUS.get(type(error).__name__, (503, None))
        if status >= 500:
            log.warning("media unavailable: %s", error)
        return _either(status, str(error), [(field, str(error))] if field else None)

    def _either(status: int, message: str, errors=None):
        if _wants_problem():
            return problem_response(status, message, errors=errors)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        template = _HTTP_DETAIL.get(status)
        detail = (
            template.format(method=request.method, limit=app.config.get("MAX_CONTENT_LENGTH"))
            if template
            else (error.description or "")
        )
        headers = {}
        if status == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if _wants_problem():
            return problem_response(status, detail, headers=headers)
        response = error.get_response()
        response.data = render_template("error.html", status=status, message=detail)
        response.mimetype = "text/html"
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unreachable(error: Exception):
        # A restarting or unreachable database is passing trouble, not a bug: 503 with a time
        # to come back. The request's transaction was rolled back, so nothing half-saved stays.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
        detail = (
            "the database cannot be reached right now, so nothing from this request was saved; "
            "please try again in a few seconds"
        )
        if _wants_problem():
            return problem_response(503, detail, headers={"Retry-After": "5"})
        page = render_template("error.html", status=503, message=detail)
        return page, 503, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = (
            "something went wrong on our side; nothing you sent was lost if you saw a "
            "success before. Please try again in a moment"
        )
        if _wants_problem():
            return problem_response(500, detail)
        return render_template("error.html", status=500, message=detail), 500
