"""A small typed layer over Flask routes: pydantic models in and out, roles, and a registry
from which the OpenAPI document is generated, so the document cannot drift from the code."""

import inspect
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError

from service import auth
from service.api.problems import ApiProblem

PATH_PARAM = re.compile(r"{(\w+)}")
_CONVERTERS = {uuid.UUID: "uuid", int: "int", str: "string"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Operation:
    """One documented API operation."""

    method: str
    path: str
    view: Callable
    summary: str
    tags: list[str]
    roles: tuple[str, ...] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    also: dict[int, type[BaseModel]] = field(default_factory=dict)
    path_types: dict[str, type] = field(default_factory=dict)
    description: str = ""

    @property
    def operation_id(self) -> str:
        """A stable id for the OpenAPI document."""
        return self.view.__name__


class Api:
    """The /api/v1 blueprint together with its operation registry."""

    def __init__(self, name: str, prefix: str):
        self.blueprint = Blueprint(name, __name__, url_prefix=prefix)
        self.prefix = prefix
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tags: list[str],
        roles: tuple[str, ...] | None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        media_type: str = "application/json",
        errors: tuple[int, ...] = (),
        also: dict[int, type[BaseModel]] | None = None,
    ):
        """Register a view as an operation; `roles=None` makes it public."""

        def decorate(view: Callable) -> Callable:
            signature = inspect.signature(view)
            path_types = {
                name: signature.parameters[name].annotation for name in PATH_PARAM.findall(path)
            }
            op = Operation(
                method=method,
                path=path,
                view=view,
                summary=summary,
                tags=tags,
                roles=roles,
                body=body,
                query=query,
                response=response,
                status=status,
                media_type=media_type,
                errors=errors,
                also=also or {},
                path_types=path_types,
                description=inspect.getdoc(view) or "",
            )
            self.operations.append(op)
            rule = PATH_PARAM.sub(lambda m: f"<{_CONVERTERS[path_types[m[1]]]}:{m[1]}>", path)
            self.blueprint.add_url_rule(
                rule, endpoint=f"{view.__name__}", view_func=_wrap(op), methods=[method]
            )
            return view

        return decorate


def _wrap(op: Operation) -> Callable:
    accepts = set(inspect.signature(op.view).parameters)

    def view(**path_args):
        kwargs = dict(path_args)
        if op.roles is not None:
            kwargs_user = _require(op.roles)
            if "user" in accepts:
                kwargs["user"] = kwargs_user
        if op.query is not None:
            kwargs["query"] = _parse_query(op.query)
        if op.body is not None:
            kwargs["body"] = _parse_body(op.body)
        result = op.view(**kwargs)
        return _respond(op, result)

    view.__name__ = op.view.__name__
    view.__doc__ = op.view.__doc__
    return view


def _require(roles: tuple[str, ...]):
    user = auth.current_user()
    if user is None:
        raise ApiProblem(
            401,
            "sign in first: send 'Authorization: Bearer <token>' with a token from "
            "POST /api/v1/auth/token",
            headers={"WWW-Authenticate": 'Bearer realm="hearth"'},
        )
    # A cookie rides along on cross-site requests; the header proves the page is ours.
    cookie_change = g.via == "cookie" and request.method in UNSAFE
    if cookie_change and not auth.csrf_valid(request.headers.get("X-CSRF-Token")):
        raise ApiProblem(
            403,
            "requests signed in with the web session need the X-CSRF-Token header "
            "from the page; reload the page and try again",
        )
    if roles and user.role not in roles:
        who = " or ".join(f"{r}s" for r in roles)
        raise ApiProblem(403, f"this endpoint is for {who}; you are signed in as a {user.role}")
    return user


def _parse_body(model: type[BaseModel]) -> BaseModel:
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
    bad = _unsafe_text(data)
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


def _parse_query(model: type[BaseModel]) -> BaseModel:
    data = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    bad = _unsafe_text(data, "query")
    if bad:
        raise ApiProblem(
            422,
            f"please fix the query: {bad}: invalid characters",
            errors=[(bad, "invalid characters")],
        )
    return _validate(model, data, "query")


def _unsafe_text(value, path: str = "body") -> str | None:
    """The path of the first string no database can store (NUL, lone surrogates), if any."""
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unsafe_text(key, path) or _unsafe_text(
                item, str(key) if path == "body" else f"{path}.{key}"
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unsafe_text(item, f"{path}.{index}")
            if found:
                return found
    return None


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


def _respond(op: Operation, result) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = op.status, {}
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else {}
    if result is None:
        return Response(status=status if status != 200 else 204, headers=headers)
    payload = result.model_dump_json() if isinstance(result, BaseModel) else json.dumps(result)
    return Response(payload, status=status, mimetype="application/json", headers=headers)
