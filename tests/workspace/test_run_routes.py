"""Sourcing runs (``/runs``) and deployment runs (``/deployments``) are served by one
implementation (``api.run_routes``): the same verbs, parameters and answers, each collection
keeping its own path parameter name, schemas and documentation."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Workspace
from .deploy_sample import add_deployment_run, deployment_doc

API = "/api/v1"


def _verbs(app: Any, prefix: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(method, path with the id as ``{id}``) -> sorted (where, name) of its parameters."""
    out = {}
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith(f"{API}{prefix}") or path.endswith("/compare"):
            continue
        for method, op in ops.items():
            key = path.removeprefix(f"{API}{prefix}")
            key = key.replace("{run_id}", "{id}").replace("{deployment_id}", "{id}")
            params = [(p["in"], p["name"]) for p in op.get("parameters", [])]
            out[(method, key)] = sorted(params)
    return out


def test_both_collections_have_the_same_verbs_and_parameters(ws: Workspace) -> None:
    runs, deployments = _verbs(ws.app, "/runs"), _verbs(ws.app, "/deployments")
    assert set(runs) == {("post", ""), ("get", ""), ("get", "/{id}"), ("get", "/{id}/export")}
    rename = {("path", "deployment_id"): ("path", "run_id")}
    assert {k: sorted(rename.get(p, p) for p in v) for k, v in deployments.items()} == runs
    # Each keeps its own path parameter name and operation ids (clients generated from them).
    ops = ws.app.openapi()["paths"]
    assert ops[f"{API}/deployments/{{deployment_id}}"]["get"]["operationId"].startswith(
        "get_deployment")
    assert ops[f"{API}/runs/{{run_id}}/export"]["get"]["operationId"].startswith("export_plan")
    assert "poll ``GET /deployments/{id}``" in ops[f"{API}/deployments"]["post"]["description"]


@pytest.mark.parametrize(("collection", "field"), [("runs", "run_id"),
                                                   ("deployments", "deployment_id")])
def test_a_bad_number_is_refused_naming_the_collections_own_parameter(
    ws: Workspace, collection: str, field: str
) -> None:
    for bad in ("0", "x", str(2**31)):
        r = ws.client("lead").get(f"{API}/{collection}/{bad}")
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
        r = ws.client("lead").get(f"{API}/{collection}/{bad}/export")
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text


def test_a_deployment_can_be_polled_without_its_plan(ws: Workspace) -> None:
    run_id = add_deployment_run(ws.factory, deployment_doc())
    full = ws.client("lead").get(f"{API}/deployments/{run_id}").json()
    assert full["state"] == "done" and full["result"]["movements"]
    bare = ws.client("lead").get(f"{API}/deployments/{run_id}?with_result=false").json()
    assert bare["result"] is None
    assert {k: v for k, v in bare.items() if k != "result"} == {
        k: v for k, v in full.items() if k != "result"
    }
    # A liaison's plan is still scoped through the shared verb (own nation's lines only).
    fra = ws.client("liaison_fra").get(f"{API}/deployments/{run_id}").json()["result"]
    assert {m["nation"] for m in fra["movements"]} <= {"FRA"}


def test_an_observer_cannot_start_either_kind(ws: Workspace) -> None:
    for collection in ("runs", "deployments"):
        r = ws.client("observer_fra").post(f"{API}/{collection}", json={})
        assert r.status_code == 403, (collection, r.text)
        listed = ws.client("observer_fra").get(f"{API}/{collection}").json()
        assert listed["total"] == 0 and listed["items"] == []
