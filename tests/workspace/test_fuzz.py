"""Fuzz every endpoint from the app's own OpenAPI document: no input may cause a server error.

Requests are made as an admin (who reaches every operation) and, for the response checks that
do not depend on the role, schemathesis's own conformance checks. The number of examples is
bounded so the whole file runs in well under a minute per backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from .conftest import Workspace


@pytest.fixture
def api_schema(ws: Workspace):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", ws.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    response = case.call(headers={"Authorization": f"Bearer {ws.tokens['admin']}"})
    case.validate_response(response, checks=[not_a_server_error])
    if 400 <= response.status_code < 500 and response.status_code != 405:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
