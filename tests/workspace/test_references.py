"""Issue 9 §4: one liaison's entry never stops the coalition.

Every reference is checked when entered (API, imports; the forms go through the same service),
listing the valid values; a record that became invalid later is left out of a run and named in
its result, and the run goes on.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import text

from .conftest import Workspace
from .sample import sample_scenario
from .test_runs import wait

API = "/api/v1"


def _pledge(**kw: Any) -> dict[str, Any]:
    return {"id": "P-FRA-9", "nation": "FRA", "capability": "X-ROLE2", "quantity": 1,
            "personnel": 10, "notice_days": 5, **kw}


def test_references_are_checked_when_entered(ws: Workspace) -> None:
    fra = ws.client("liaison_fra")
    cases = [
        (_pledge(caveats={"sectors": ["kiev"]}), "caveats.sectors", ["north", "south"]),
        (_pledge(home="Tallinn"), "home", ["[lon, lat]"]),
        (_pledge(capability="INF-BN-TYPO"), "capability", ["one of: AAR-TANKER", "more"]),
    ]
    for body, field, listed in cases:
        r = fra.post(f"{API}/pledges", json=body)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["field"] == field and all(v in err["message"] for v in listed), err
    # The same on an edit.
    v = fra.get(f"{API}/pledges/P-FRA-1").json()["version"]
    for change, field in (({"caveats": {"sectors": ["kiev"]}}, "caveats.sectors"),
                          ({"home": "Tallinn"}, "home")):
        r = fra.patch(f"{API}/pledges/P-FRA-1", json={"version": v, **change})
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    r = ws.client("lead").post(f"{API}/requirements", json={
        "id": "R-9", "capability": "X-ROLE2", "quantity": 1, "sector": "kiev",
        "notice_days": 1})
    assert r.status_code == 422 and "north" in r.json()["error"]["message"]
    # Nothing stored: every run and export still works for everyone.
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    assert wait(ws, rid)["state"] == "done"
    assert fra.post(f"{API}/pledges", json=_pledge(caveats={"sectors": ["south"]})).status_code \
        == 201


def test_import_checks_home_nodes(ws: Workspace) -> None:
    doc = sample_scenario()
    doc["pledges"][1]["home"] = "Tallinn"
    r = ws.client("lead").post(
        f"{API}/scenario/import", files={"file": ("s.yaml", yaml.safe_dump(doc).encode())}
    )
    assert r.status_code == 422
    problem = r.json()["error"]["problems"][0]
    assert problem["field"] == "home" and "Tallinn" in problem["message"]
    assert doc["pledges"][1]["id"] in problem["message"]


def test_run_leaves_out_records_that_became_invalid_and_names_them(ws: Workspace) -> None:
    # A sector renamed after FRA's pledge named it, and a DEU pledge whose capability went.
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE pledges SET caveats = :c WHERE id = 'P-FRA-1'"),
                     {"c": '{"sectors": ["kiev"]}'})
        conn.execute(text("UPDATE pledges SET capability = 'GONE' WHERE id = 'P-DEU-1'"))
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    run = wait(ws, rid)
    assert run["state"] == "done", run["error"]
    excluded = {e["id"]: e for e in run["result"]["excluded"]}
    assert excluded["P-FRA-1"] | {"message": ""} == {
        "kind": "pledge", "id": "P-FRA-1", "nation": "FRA", "field": "caveats.sectors",
        "value": ["kiev"], "message": ""}
    assert "kiev" in excluded["P-FRA-1"]["message"]
    assert excluded["P-DEU-1"]["field"] == "capability" and excluded["P-DEU-1"]["value"] == "GONE"
    assert "2 invalid record(s) left out" in run["message"]
    # Left out means left out: no assignment uses them; the others are still sourced.
    used = {a["pledge"] for a in run["result"]["assignments"]}
    assert not used & {"P-FRA-1", "P-DEU-1"} and used
    # A liaison sees their own nation's left-out pledges only.
    mine = ws.client("liaison_fra").get(f"{API}/runs/{rid}").json()["result"]["excluded"]
    assert [e["id"] for e in mine] == ["P-FRA-1"]
    # Exports still work for everyone.
    for fmt in ("zip", "xlsx", "yaml"):
        r = ws.client("lead").get(f"{API}/scenario/export", params={"format": fmt})
        assert r.status_code == 200, (fmt, r.text)
