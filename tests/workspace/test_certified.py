"""What the core models, the workspace keeps (issue 10 follow-up): a requirement line's
``certified`` and a nation's version.

The oracle for a run is the file reader: the same data read by ``scenario_from_dict`` and
solved must give the plan the workspace's rows give.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from forcegen.scenario import scenario_from_dict
from forcegen.scenario.limits import MAX_LIST_ITEMS, MAX_NAME_CHARS
from forcegen.sourcing import solve
from forcegen.workspace.database import session_scope
from forcegen.workspace.scenarios.runnable import runnable_scenario

from .conftest import Workspace
from .sample import sample_scenario

API = "/api/v1"


def _certified_sample() -> dict[str, Any]:
    """The sample with R-001 asking a certification only P-FRA-1 holds (``x-certified``)."""
    doc = sample_scenario()
    doc["requirements"][0]["certified"] = ["NRF-2027", "CBRN-1"]
    doc["pledges"][0]["x-certified"] = {"NRF-2027": True, "CBRN-1": True}
    return doc


def _import(ws: Workspace, doc: dict[str, Any] | bytes, name: str = "s.yaml") -> Any:
    content = doc if isinstance(doc, bytes) else yaml.safe_dump(doc, sort_keys=False).encode()
    return ws.client("lead").post(f"{API}/scenario/import", files={"file": (name, content)})


def _export(ws: Workspace, fmt: str = "yaml") -> bytes:
    r = ws.client("lead").get(f"{API}/scenario/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r.content


def _requirement(doc: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in doc["requirements"] if r["id"] == rid)


@pytest.mark.parametrize("fmt", ["zip", "xlsx", "yaml"])
def test_certified_survives_import_and_every_export(ws: Workspace, fmt: str) -> None:
    sample = _certified_sample()
    # A mapping under an ``x-`` key is written to a sheet cell as its text (the core's table
    # writer), a limitation of extension keys in tables, not of ``certified``: left out here.
    sample["pledges"][0].pop("x-certified")
    r = _import(ws, sample)
    assert r.status_code == 200, r.text
    doc = yaml.safe_load(_export(ws))
    assert _requirement(doc, "R-001")["certified"] == ["NRF-2027", "CBRN-1"]
    assert "certified" not in _requirement(doc, "R-002")  # none asked: none written
    got = ws.client("lead").get(f"{API}/requirements/R-001").json()
    assert got["certified"] == ["NRF-2027", "CBRN-1"]
    # Through the format and back: the same workspace.
    r = _import(ws, _export(ws, fmt), f"scenario.{fmt}")
    assert r.status_code == 200, r.text
    assert yaml.safe_load(_export(ws)) == doc


def _fills(plan: Any) -> dict[str, int]:
    return {line.requirement: line.filled for line in plan.lines}


def _reasons(plan: Any, rid: str) -> set[str]:
    return {x.code for s in plan.shortfalls if s.requirement == rid for x in s.reasons}


def test_a_run_from_rows_requires_the_certification_as_the_file_reader_does(
    ws: Workspace,
) -> None:
    doc = _certified_sample()
    doc["pledges"][0]["x-certified"] = {"NRF-2027": True}  # CBRN-1 held by nobody
    assert _import(ws, doc).status_code == 200
    with session_scope(ws.factory) as db:
        mine, excluded = runnable_scenario(db)
    assert excluded == []
    assert next(r for r in mine.requirements if r.id == "R-001").certified == ["NRF-2027",
                                                                               "CBRN-1"]
    plan = solve(mine)
    oracle = solve(scenario_from_dict(doc, source="<file>"))
    assert _fills(plan) == _fills(oracle)
    assert _fills(plan)["R-001"] == 0 and "not-certified" in _reasons(plan, "R-001")
    # The certification is what keeps the line empty: without it, the line fills.
    doc["requirements"][0].pop("certified")
    assert _fills(solve(scenario_from_dict(doc, source="<file>")))["R-001"] == 2


_NEW = {"id": "R-C1", "capability": "X-ROLE2", "quantity": 1, "sector": "north",
        "notice_days": 5}
_BAD = {
    "not a list": "NRF-2027",
    "line feed": ["NRF\n2027"],
    "control character": ["NRF\x00"],
    "too long": ["X" * (MAX_NAME_CHARS + 1)],
    "too many": [f"C{i}" for i in range(MAX_LIST_ITEMS + 1)],
    "not a string": [7],
}


@pytest.mark.parametrize("case", sorted(_BAD))
def test_bad_certified_is_422_naming_the_field(ws: Workspace, case: str) -> None:
    c = ws.client("lead")
    r = c.post(f"{API}/requirements", json={**_NEW, "certified": _BAD[case]})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"].split(".")[0] == "certified"
    r = c.patch(f"{API}/requirements/R-001", json={"version": 1, "certified": _BAD[case]})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"].split(".")[0] == "certified"
    assert c.get(f"{API}/requirements/R-001").json()["version"] == 1  # nothing changed


def test_bad_certified_in_a_file_is_refused_naming_line_and_field(ws: Workspace) -> None:
    before = _export(ws)
    doc = _certified_sample()
    doc["requirements"][0]["certified"] = ["NRF-2027", "X" * (MAX_NAME_CHARS + 1)]
    r = _import(ws, doc)
    assert r.status_code == 422, r.text
    assert "[certified.1]" in r.json()["error"]["message"]
    assert _export(ws) == before


def test_certified_is_created_changed_and_cleared_through_the_api(ws: Workspace) -> None:
    c = ws.client("lead")
    r = c.post(f"{API}/requirements", json={**_NEW, "certified": ["NRF-2027"]})
    assert r.status_code == 201 and r.json()["certified"] == ["NRF-2027"]
    r = c.patch(f"{API}/requirements/R-C1", json={"version": 1, "certified": ["A", "B"]})
    assert r.status_code == 200 and r.json()["certified"] == ["A", "B"]
    assert _requirement(yaml.safe_load(_export(ws)), "R-C1")["certified"] == ["A", "B"]
    r = c.patch(f"{API}/requirements/R-C1", json={"version": 1, "certified": None})
    assert r.status_code == 409 and r.json()["error"]["current"]["certified"] == ["A", "B"]
    r = c.patch(f"{API}/requirements/R-C1", json={"version": 2, "certified": None})
    assert r.status_code == 200 and r.json()["certified"] is None
    assert "certified" not in _requirement(yaml.safe_load(_export(ws)), "R-C1")


def test_nation_change_checks_its_version(ws: Workspace) -> None:
    c = ws.client("lead")
    fra = c.get(f"{API}/nations/FRA").json()
    v = fra["version"]
    r = c.patch(f"{API}/nations/FRA", json={"version": v, "ceiling_personnel": 4000})
    assert r.status_code == 200 and r.json()["version"] == v + 1
    # A second planner's change based on the old version is refused, not silently applied.
    r = ws.client("admin").patch(f"{API}/nations/FRA",
                                 json={"version": v, "ceiling_personnel": 9000})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["field"] == "version" and err["current"]["ceiling_personnel"] == 4000
    assert err["current"]["version"] == v + 1
    r = c.patch(f"{API}/nations/FRA", json={"ceiling_personnel": 9000})  # no version: refused
    assert r.status_code == 422 and r.json()["error"]["field"] == "version"
    assert c.get(f"{API}/nations/FRA").json()["ceiling_personnel"] == 4000


def test_an_import_makes_a_nation_edit_based_on_before_stale(ws: Workspace) -> None:
    c = ws.client("lead")
    v = c.get(f"{API}/nations/FRA").json()["version"]
    assert _import(ws, sample_scenario()).status_code == 200
    r = c.patch(f"{API}/nations/FRA", json={"version": v, "name": "France"})
    assert r.status_code == 409, r.text
    assert c.get(f"{API}/nations/NLD").json()["version"] >= 1
