"""What-if options on API runs: checked, stored, shown, and used by the core."""

from __future__ import annotations

from .conftest import Workspace
from .test_runs import API, wait


def test_what_if_run_withdraws_a_nation_and_keeps_its_options(ws: Workspace) -> None:
    base = wait(ws, ws.client("lead").post(f"{API}/runs", json={}).json()["id"])
    assert any(a["nation"] == "FRA" for a in base["result"]["assignments"])
    r = ws.client("lead").post(f"{API}/runs", json={
        "withdraw": ["fra"], "lift_caveats": ["DEU"], "ceilings": {"POL": 0, "NLD": None}})
    assert r.status_code == 202, r.text
    assert r.json()["whatif"] == {"withdraw": ["FRA"], "lift_caveats": ["DEU"],
                                  "ceilings": {"NLD": None, "POL": 0}}
    run = wait(ws, r.json()["id"])
    assert run["state"] == "done", run
    nations = {a["nation"] for a in run["result"]["assignments"]}
    assert "FRA" not in nations and "POL" not in nations
    assert run["result"]["options"]["withdraw"] == ["FRA"]
    reasons = {x["code"] for s in run["result"]["shortfalls"] for x in s["reasons"]}
    assert "nation-withdrawn" in reasons


def test_unknown_nations_and_bad_ceilings_are_refused(ws: Workspace) -> None:
    c = ws.client("lead")
    for body, field in (({"withdraw": ["ZZZ"]}, "withdraw"),
                        ({"lift_caveats": ["ZZZ"]}, "lift_caveats"),
                        ({"ceilings": {"ZZZ": 5}}, "ceilings")):
        r = c.post(f"{API}/runs", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    r = c.post(f"{API}/runs", json={"ceilings": {"FRA": -1}})
    assert r.status_code == 422
    assert c.get(f"{API}/runs").json()["total"] == 0
