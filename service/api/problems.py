"""RFC 9457 problem details: every API error is application/problem+json with a human sentence."""

from flask import Response, json
from pydantic import BaseModel, Field
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One field that needs fixing."""

    field: str = Field(description="Dotted path of the field, e.g. quiet_start or body")
    message: str


class Problem(BaseModel):
    """An error response (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class ApiProblem(Exception):
    """Raise to answer with a problem response."""

    def __init__(self, status: int, detail: str, *, errors=None, headers=None, title=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.title = title


def problem_response(
    status: int, detail: str, *, errors=None, headers=None, title: str | None = None
) -> Response:
    """Build a problem+json response."""
    body = {
        "type": "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [dict(field=f, message=m) for f, m in errors]
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
