"""Reading a request's JSON body and query string into pydantic models, with problem+json
answers (400, 415, 422 naming each field) when they cannot be read."""

import json

from flask import request
from pydantic import BaseModel, ValidationError

from care.schemas.text import unstorable_text
from service.api.problems import ApiProblem

MAX_DEPTH = 16  # no body of this API nests deeper than a handful of levels
TOO_DEEP = f"the body nests too deeply: at most {MAX_DEPTH} levels of objects and lists"


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    """True when objects and lists nest more than `limit` levels (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return False


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON object body validated by `model`, or a problem naming what to fix."""
    mimetype = request.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        shown = mimetype or "none"
        raise ApiProblem(
            415, f"send the body as JSON with 'Content-Type: application/json' (got {shown})"
        )
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiProblem(400, f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise ApiProblem(400, TOO_DEEP) from None
    if too_deep(data):
        raise ApiProblem(400, TOO_DEEP)
    bad = unstorable_text(data)
    if bad:
        raise ApiProblem(
            422,
            f"please fix the body: {bad}: text may not contain NUL or "
            "unpaired surrogate characters",
            errors=[(bad, "invalid characters")],
        )
    if not isinstance(data, dict):
        raise ApiProblem(
            422, "the body must be a JSON object", errors=[("body", "expected an object")]
        )
    return _validate(model, data, "body")


def raw_json() -> object | None:
    """The request body as JSON without further checks, or None when it is not JSON at all
    (or nests too deeply to be looked at)."""
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return None if too_deep(data) else data


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string validated by `model` (repeated keys become lists)."""
    data = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    bad = unstorable_text(data, "query")
    if bad:
        raise ApiProblem(
            422,
            f"please fix the query: {bad}: invalid characters",
            errors=[(bad, "invalid characters")],
        )
    return _validate(model, data, "query")


def _validate(model: type[BaseModel], data: dict, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [_field_problem(e, model) for e in error.errors()]
        detail = "; ".join(f"{f}: {m}" for f, m in problems)
        raise ApiProblem(422, f"please fix the {where}: {detail}", errors=problems) from None


def _field_problem(error: dict, model: type[BaseModel]) -> tuple[str, str]:
    name = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(model.model_fields))
        return name, f"unknown field; remove it (known fields: {allowed})"
    if error["type"] == "missing":
        return name, "this field is required"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return name, message
