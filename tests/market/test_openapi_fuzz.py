"""Schemathesis fuzzes every operation of the OpenAPI schema: no request may cause a 5xx.

Valid (positive) and invalid (negative) requests are generated for each operation. The exchange
is seeded with a traded contract first, so that generated ids often name real rows and requests
reach the rules, not only the 404s. Requests carry the regulator's token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.market.helpers import Api, traded_contract

EXAMPLES_PER_OPERATION = 20


def fuzzer(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> Callable[[], None]:
    """A Hypothesis test sending `mode` requests to one operation, failing on any 5xx."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, (operation.label, case.as_curl_command(), response.text)

    return fuzz  # type: ignore[no-any-return]


def test_no_request_causes_a_server_error(app: FastAPI, api: Api) -> None:
    contract = traded_contract(api)
    api.ok(
        api.post(
            f"/contracts/{contract['id']}/deliveries",
            "operator",
            {"day": "2021-10-01", "volume_m3": 100},
        )
    )
    headers = api.headers("regulator")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    negative_runs = 0
    for operation in operations:
        fuzzer(operation, GenerationMode.POSITIVE, headers)()
        try:
            fuzzer(operation, GenerationMode.NEGATIVE, headers)()
            negative_runs += 1
        except Unsatisfiable:
            pass  # an operation without parameters or body has no invalid request
    assert negative_runs >= 20
