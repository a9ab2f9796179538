"""Schemathesis against both APIs' OpenAPI documents, on a real server process: no 500, no
response that breaks its documented schema, and no change made by a refused request (a 4xx
answer, or a 429 from a key whose budget is spent)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.support.fuzz import FuzzTarget, load_schema

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def exercise(case: schemathesis.Case, target: FuzzTarget) -> None:
    if case.method.upper() in WRITES:
        before = target.fingerprint()
        spent = case.call(headers={"Authorization": f"Bearer {target.spent_key}"})
        if spent.status_code in (400, 404, 413, 415):
            # Refused before authentication (a guard, or no route): no key was looked at.
            assert "x-ratelimit-limit" not in spent.headers, spent.text
        else:
            assert spent.status_code == 429, (spent.status_code, spent.text)
            assert "retry-after" in spent.headers
        assert target.fingerprint() == before, "a request refused with 429 changed data"
    before = target.fingerprint() if case.method.upper() in WRITES else None
    response = case.call_and_validate(headers=target.headers, checks=CHECKS)
    # Refused before authentication (no route matched; a body or URL the guards refuse)
    # means no key was charged, so no budget to report.
    if "No such endpoint" not in response.text and response.status_code not in (400, 413, 415):
        assert "x-ratelimit-remaining" in response.headers, (response.status_code, response.text)
    if before is not None and 400 <= response.status_code < 500:
        assert target.fingerprint() == before, (
            f"a refused request ({response.status_code}) changed data: {response.text}"
        )


def fuzz_schema(target: FuzzTarget, path: str) -> None:
    """Every operation of the schema, each with its own Hypothesis run. (Schemathesis's lazy
    pytest loader does not work with pytest 9, so the strategies are driven directly.)"""
    schema = load_schema(target, path)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{path} lists no operation"
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            exercise(case, target)

        run()


def test_v1_api(fuzz_target: FuzzTarget) -> None:
    fuzz_schema(fuzz_target, "/api/v1/openapi.json")


def test_external_api(fuzz_target: FuzzTarget) -> None:
    fuzz_schema(fuzz_target, "/api/external/openapi.json")
