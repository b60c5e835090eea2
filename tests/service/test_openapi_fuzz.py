"""Schemathesis drives every operation of the OpenAPI document, signed in as a therapist and as a
client, with a bounded number of generated requests: no 5xx, and every response matches the
document (status codes, content types, bodies).

The suite runs 12 cases per operation; `make fuzz` sets HEARTH_FUZZ_EXAMPLES=40 (over 2,000
cases in all, each sent as a therapist and as a client)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service.api import api
from tests.conftest import make_person

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "12"))
OPERATIONS = [f"{op.method} {api.prefix}{op.path}" for op in api.operations]
# Revoking the token would sign the rest of the run out; that path has its own tests.
SKIP = {"DELETE /api/v1/auth/token"}


@pytest.fixture
def signed_in(app):
    """Headers of a signed-in therapist (with one client) and of that client."""
    therapist = make_person(app, "therapist", "fuzz-therapist@example.org")
    patient = make_person(app, "client", "fuzz-client@example.org", therapist=therapist)
    return {"therapist": therapist.headers, "client": patient.headers}


@pytest.mark.parametrize("label", [op for op in OPERATIONS if op not in SKIP])
def test_every_operation_conforms(app, signed_in, label):
    method, path = label.split(" ", 1)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for headers in signed_in.values():
            case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_registered_operation_is_fuzzed():
    # A new endpoint joins the fuzzing automatically; this guards against an empty registry.
    assert len(OPERATIONS) >= 10
