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


def test_compare_api_is_the_cores_comparison_of_what_the_caller_sees(ws: Workspace) -> None:

    from forcegen.sourcing import Plan, compare_plans

    from .conftest import set_label

    c = ws.client("lead")
    base = wait(ws, c.post(f"{API}/runs", json={}).json()["id"])
    what = wait(ws, c.post(f"{API}/runs", json={"withdraw": ["FRA"]}).json()["id"])
    r = c.get(f"{API}/runs/compare", params={"a": base["id"], "b": what["id"]})
    assert r.status_code == 200, r.text
    doc = r.json()
    want = compare_plans(Plan.from_dict(base["result"]), Plan.from_dict(what["result"]))
    assert doc["lost"] == want.to_dict()["lost"] and doc["lost"]
    assert doc["fill"] == {"before": want.fill_before, "after": want.fill_after}
    # A line hidden by its label is left out; a hidden run is not found.
    hidden = doc["lost"][0]["requirement"]
    set_label(ws, "requirements", hidden, 3, None)
    r = c.get(f"{API}/runs/compare", params={"a": base["id"], "b": what["id"]})
    assert hidden not in {x["requirement"] for x in r.json()["lost"]}
    set_label(ws, "sourcing_runs", what["id"], 3, None)
    r = ws.client("observer_fra").get(f"{API}/runs/compare",
                                      params={"a": base["id"], "b": what["id"]})
    assert r.status_code == 404
