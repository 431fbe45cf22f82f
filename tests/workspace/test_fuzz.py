"""Fuzz every endpoint from the app's own OpenAPI document: no input may cause a server error.

Requests are made as an admin (who reaches every operation) and, for the response checks that
do not depend on the role, schemathesis's own conformance checks. The number of examples is
bounded so the whole file runs in well under a minute per backend.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from forcegen.workspace.accounts import User
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import session_scope

from .conftest import Workspace


def _check(case, token: str) -> int:  # type: ignore[no-untyped-def]
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error])
    if 400 <= response.status_code < 500 and response.status_code != 405:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return int(response.status_code)


def _fresh_admin_token(ws: Workspace) -> str:
    # A case may revoke the token it runs with (DELETE /auth/tokens/{id} with a drawn id, a
    # password change): every case gets its own, so no later case is fuzzed against a 401 wall.
    with session_scope(ws.factory) as db:
        admin = db.scalars(select(User).where(User.username == "admin")).one()
        return create_api_token(db, admin, "fuzz")[1]


def test_no_server_errors(ws: Workspace) -> None:
    # Each operation's cases are drawn with Hypothesis directly (not schemathesis's pytest
    # plugin, which pytest 9.2 broke), so every operation of the live schema is covered.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", ws.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the document really was read

    unauthorized: set[str] = set()
    for op in operations:
        @given(case=op.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            if _check(case, _fresh_admin_token(ws)) == 401:
                unauthorized.add(case.operation.label)

        run()
    # Every case reached its handler as an admin: only a sign-in or a password check may say 401.
    assert unauthorized <= {"POST /api/v1/auth/login", "POST /api/v1/users/me/password"}, (
        unauthorized)


def test_integer_parameters_fit_a_postgresql_integer(ws: Workspace) -> None:
    # Ids, versions, sequence numbers and sizes are INTEGER columns (32-bit on PostgreSQL): a
    # path or query value beyond that must be refused as input (422), not reach the database
    # and fail there as a server error. (Seen: /relief/runs/{run_id} allowed up to 2**62.)
    doc = ws.client("admin").get("/api/v1/openapi.json").json()
    too_wide = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                schema = param.get("schema", {})
                options = schema.get("anyOf", [schema])
                for s in options:
                    if s.get("type") == "integer" and s.get("maximum", 2**63) > 2**31 - 1:
                        too_wide.append(f"{method.upper()} {path} {param['name']}")
    assert too_wide == []
