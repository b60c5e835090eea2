"""Health and the OpenAPI document."""

import pytest
from openapi_spec_validator import validate

from service.api import api


def test_health_reports_database_and_version(client):
    body = client.get("/api/v1/health").json
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


def test_health_says_when_the_database_is_gone(app, client):
    from care.db import make_engine

    working = app.extensions["hearth.engine"]
    broken = working.url.set(
        database="/nonexistent/dir/x.db" if working.dialect.name == "sqlite" else "no_such_database"
    )
    app.extensions["hearth.engine"] = make_engine(broken.render_as_string(hide_password=False))
    working.dispose()
    response = client.get("/api/v1/health")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
    assert "does not answer" in response.json["detail"]


def test_document_is_valid_openapi_31_and_lists_every_operation(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document["openapi"] == "3.1.0"
    for op in api.operations:
        assert op.method.lower() in document["paths"][api.prefix + op.path]
    create = document["paths"]["/api/v1/clients"]["post"]
    assert "422" in create["responses"] and "401" in create["responses"]
    assert create["responses"]["422"]["content"]["application/problem+json"]


def test_lists_share_the_pagination_convention(client):
    document = client.get("/api/v1/openapi.json").json
    for path, item in document["paths"].items():
        get = item.get("get")
        if get and "Page" in str(get["responses"]["200"]):
            names = {p["name"] for p in get["parameters"]}
            assert {"limit", "cursor"} <= names, path


def test_unexpected_errors_are_problems_and_logged(app, client, caplog):
    def explode():
        raise RuntimeError("boom")

    app.add_url_rule("/api/v1/_explode", "explode", explode)
    response = client.get("/api/v1/_explode")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert "boom" not in response.json["detail"]  # internals stay in the log


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/api/v1/health")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"] and "PUT" in response.json["detail"]


def _declare(**overrides):
    """Declare a throwaway operation on a registry of its own."""
    from service.api.framework import Api

    declaration = dict(summary="x", tags=["x"], response=None, status=204) | overrides

    def view():
        """A view."""

    return Api("scratch", "/scratch").operation("GET", "/x", **declaration)(view)


def test_public_and_signed_in_cannot_be_confused():
    from service.api.framework import PUBLIC, SIGNED_IN

    # None and () once meant "public" and "any signed-in user": both are refused at import time.
    for ambiguous in (None, (), [], "therapist", ("nurse",)):
        with pytest.raises(TypeError, match="roles="):
            _declare(roles=ambiguous)
    for clear in (PUBLIC, SIGNED_IN, ("therapist",), ("therapist", "admin")):
        _declare(roles=clear)


def test_each_status_is_declared_once():
    from service.api.framework import THERAPIST

    with pytest.raises(TypeError, match="status=204"):
        _declare(roles=THERAPIST, status=200)
    op = next(o for o in api.operations if o.operation_id == "create_webhook")
    # The framework's own refusals come from the same declarations that make it raise them.
    assert op.error_statuses == (400, 401, 403, 413, 415, 422)
    assert op.check_status(201) == 201
    with pytest.raises(RuntimeError, match="does not declare"):
        op.check_status(200)


def test_a_public_operation_missing_from_the_list_stops_the_start():
    from service.api.framework import PUBLIC, Api
    from service.public import check_operations

    scratch = Api("scratch", "/scratch")

    @scratch.operation(
        "GET", "/open", summary="x", tags=["x"], roles=PUBLIC, response=None, status=204
    )
    def wide_open():
        """Public by accident."""

    with pytest.raises(RuntimeError, match=r"service/public\.py"):
        check_operations(scratch.operations)
