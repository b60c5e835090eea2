"""A small typed layer over Flask routes: pydantic models in and out, who may call, and a
registry from which the OpenAPI document is generated, so the document cannot drift from the code.

Each status of an operation is declared once: the success status (and `also`) and the
operation's own errors in its decorator; the errors the framework itself raises (sign-in, roles,
an unreadable body or query, an unknown path object) are derived here from the same
declarations that make the framework raise them, and the document reads `Operation.responses`."""

import inspect
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel

from care.accounts import second_factor
from care.vocab import ROLES
from service import auth, db
from service.api.parsing import parse_body, parse_query, raw_json
from service.api.problems import ApiProblem

PATH_PARAM = re.compile(r"{(\w+)}")
_CONVERTERS = {uuid.UUID: "uuid", int: "int", str: "string"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# What the framework answers by itself, next to the declarations that make it do so.
BODY_STATUSES = (400, 413, 415, 422)  # unreadable JSON, too large, not JSON, invalid fields
QUERY_STATUSES = (422,)  # an invalid query parameter
PATH_STATUSES = (404,)  # no object with the id in the path among the caller's


@dataclass(frozen=True)
class Audience:
    """Who may call an operation: anyone, any signed-in user, or only the named roles."""

    name: str
    signed_in: bool
    roles: tuple[str, ...] = ()

    @property
    def statuses(self) -> tuple[int, ...]:
        """The refusals this audience implies: 401 when not signed in, 403 for another role."""
        if not self.signed_in:
            return ()
        return (401, 403) if self.roles else (401,)


PUBLIC = Audience("anyone, without signing in (listed in service/public.py)", signed_in=False)
SIGNED_IN = Audience("any signed-in user", signed_in=True)


def only(*roles: str) -> Audience:
    """The audience of the named roles (at least one, each one of care.vocab.ROLES)."""
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise TypeError(f"only() takes one or more of {', '.join(ROLES)} (got {roles!r})")
    return Audience(" or ".join(f"{r}s" for r in roles), signed_in=True, roles=tuple(roles))


ADMIN, THERAPIST, CLIENT = only("admin"), only("therapist"), only("client")


def audience_of(roles: Any, where: str) -> Audience:
    """The audience a `roles=` declaration names; refuses the ambiguous None and ()."""
    if isinstance(roles, Audience):
        return roles
    if isinstance(roles, tuple) and roles and all(r in ROLES for r in roles):
        return only(*roles)
    # None and () used to mean "public" and "any signed-in user": one character apart.
    raise TypeError(
        f"{where}: roles={roles!r} is ambiguous or unknown; say roles=PUBLIC (anyone, and "
        "list it in service/public.py), roles=SIGNED_IN (any signed-in user) or name the "
        "roles, e.g. roles=THERAPIST or roles=('therapist', 'admin')"
    )


@dataclass
class Operation:
    """One documented API operation."""

    method: str
    path: str
    view: Callable
    summary: str
    tags: list[str]
    audience: Audience
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    also: dict[int, type[BaseModel]] = field(default_factory=dict)
    path_types: dict[str, type] = field(default_factory=dict)
    description: str = ""
    # Called with (user, the raw JSON body, path arguments) when the body cannot be used; it
    # may answer instead of the refusal (a crisis in a malformed report is still heard, R5).
    rescue: Callable | None = None
    # Open to a therapist or admin who must set up a second factor and has not yet.
    before_second_factor: bool = False

    @property
    def operation_id(self) -> str:
        """A stable id for the OpenAPI document."""
        return self.view.__name__

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """Every other status it answers: its own errors and those the framework raises."""
        codes = set(self.errors) | set(self.audience.statuses)
        if self.body is not None:
            codes |= set(BODY_STATUSES)
        if self.query is not None:
            codes |= set(QUERY_STATUSES)
        if self.path_types:
            codes |= set(PATH_STATUSES)
        return tuple(sorted(codes))

    def check_status(self, status: int) -> int:
        """A status a view answers with must be one declared for it (success or `also`)."""
        if status != self.status and status not in self.also:
            raise RuntimeError(
                f"{self.operation_id} answered {status}, which its decorator does not declare"
            )
        return status


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
        roles: Audience | tuple[str, ...],
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        media_type: str = "application/json",
        errors: tuple[int, ...] = (),
        also: dict[int, type[BaseModel]] | None = None,
        rescue: Callable | None = None,
        before_second_factor: bool = False,
    ):
        """Register a view as an operation for `roles` (PUBLIC, SIGNED_IN or named roles)."""

        def decorate(view: Callable) -> Callable:
            where = f"{method} {path} ({view.__name__})"
            if response is None and status != 204:
                raise TypeError(f"{where}: an operation without a response body has status=204")
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
                audience=audience_of(roles, where),
                body=body,
                query=query,
                response=response,
                status=status,
                media_type=media_type,
                errors=errors,
                also=also or {},
                path_types=path_types,
                description=inspect.getdoc(view) or "",
                rescue=rescue,
                before_second_factor=before_second_factor,
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
        if op.audience.signed_in:
            user = _require(op.audience)
            if not op.before_second_factor and second_factor.missing(db.session(), user):
                raise ApiProblem(
                    403,
                    "this hearth asks every therapist and admin for a second factor; set yours "
                    "up first (POST /api/v1/me/second-factor, or Second factor on the web)",
                    title="Second factor needed",
                )
            if "user" in accepts:
                kwargs["user"] = user
        if op.query is not None:
            kwargs["query"] = parse_query(op.query)
        if op.body is not None:
            try:
                kwargs["body"] = parse_body(op.body)
            except ApiProblem:
                answer = _rescued(op, kwargs, path_args)
                if answer is None:
                    raise
                return _respond(op, answer)
        return _respond(op, op.view(**kwargs))

    view.__name__ = op.view.__name__
    view.__doc__ = op.view.__doc__
    return view


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _rescued(op: Operation, kwargs: dict, path_args: dict):
    """The operation's own answer to a body it cannot use, or None to refuse as usual."""
    if op.rescue is None:
        return None
    # A form post where JSON was expected is read all the same.
    raw = request.form.to_dict() if request.mimetype in FORM_TYPES else raw_json()
    if raw is None:
        return None
    return op.rescue(kwargs.get("user"), raw, **path_args)


def _require(audience: Audience):
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
    if audience.roles and user.role not in audience.roles:
        raise ApiProblem(
            403, f"this endpoint is for {audience.name}; you are signed in as a {user.role}"
        )
    return user


def _respond(op: Operation, result) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = op.status, {}
    if isinstance(result, tuple):
        result, status, *rest = result
        op.check_status(status)
        headers = rest[0] if rest else {}
    if result is None:
        return Response(status=status, headers=headers)
    payload = result.model_dump_json() if isinstance(result, BaseModel) else json.dumps(result)
    return Response(payload, status=status, mimetype="application/json", headers=headers)
