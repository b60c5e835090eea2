"""The OpenAPI 3.1 document, generated from the operation registry and its pydantic models."""

import uuid
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.api.framework import Api, Operation
from service.api.problems import PROBLEM_TYPE, Problem

REF = "#/components/schemas/{model}"
_ERROR_TEXT = {
    400: "The request could not be read (for example, malformed JSON).",
    401: "Not signed in, or the token is expired or revoked.",
    403: "Signed in, but this endpoint is not for your role.",
    404: "No such object among yours.",
    409: "The request clashes with what is stored.",
    413: "The request body is too large.",
    415: "The body is not JSON.",
    422: "A field is missing or invalid; `errors` names each field.",
    429: "Too many requests; wait for Retry-After seconds.",
}


def build_document(api: Api, *, version: str, title: str = "hearth API") -> dict[str, Any]:
    """Assemble the whole document."""
    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for op in api.operations:
        if op.body is not None:
            models.append((op.body, "validation"))
        if isinstance(op.response, type) and issubclass(op.response, BaseModel):
            models.append((op.response, "serialization"))
        models.extend((model, "serialization") for model in op.also.values())
    keys, schema = models_json_schema(models, ref_template=REF)
    components = schema.get("$defs", {})

    paths: dict[str, dict] = {}
    for op in api.operations:
        paths.setdefault(api.prefix + op.path, {})[op.method.lower()] = _operation(op, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "REST API shared by hearth's web pages and companion apps. "
            "Errors are RFC 9457 problem details. Lists take `limit` and an opaque `cursor`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /api/v1/auth/token",
                },
            },
        },
    }


def _ref(keys, model: type[BaseModel], mode: str) -> dict:
    return keys[(model, mode)]


def _operation(op: Operation, keys) -> dict:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": op.tags,
        "parameters": _parameters(op),
        "responses": _responses(op, keys),
    }
    if op.description:
        doc["description"] = op.description
    doc["security"] = [{"bearerAuth": []}] if op.audience.signed_in else []
    if op.audience.roles:
        doc["description"] = (
            doc.get("description", "") + f"\n\nRoles: {', '.join(op.audience.roles)}."
        ).strip()
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(keys, op.body, "validation")}},
        }
    return doc


def _parameters(op: Operation) -> list[dict]:
    params = []
    for name, kind in op.path_types.items():
        schema = (
            {"type": "string", "format": "uuid"}
            if kind is uuid.UUID
            else ({"type": "integer"} if kind is int else {"type": "string"})
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        full = op.query.model_json_schema(ref_template=REF)
        by_alias = {(info.alias or name): info for name, info in op.query.model_fields.items()}
        for name, prop in full.get("properties", {}).items():
            info = by_alias[name]
            entry = {"name": name, "in": "query", "required": info.is_required(), "schema": prop}
            if info.description:
                entry["description"] = info.description
            params.append(entry)
    return params


def _responses(op: Operation, keys) -> dict:
    responses: dict[str, Any] = {}
    ok = str(op.status)
    if op.response is None:
        responses[ok] = {"description": "Done."}
    elif isinstance(op.response, dict):
        responses[ok] = op.response
    else:
        responses[ok] = {
            "description": "Success.",
            "content": {op.media_type: {"schema": _ref(keys, op.response, "serialization")}},
        }
    for code, model in op.also.items():
        responses[str(code)] = {
            "description": "See the body.",
            "content": {"application/json": {"schema": _ref(keys, model, "serialization")}},
        }
    problem = {PROBLEM_TYPE: {"schema": _ref(keys, Problem, "serialization")}}
    for code in op.error_statuses:
        if code == 304:
            responses["304"] = {"description": "Not modified: your cached copy is current."}
            continue
        responses[str(code)] = {"description": _ERROR_TEXT.get(code, "Error."), "content": problem}
    return responses
