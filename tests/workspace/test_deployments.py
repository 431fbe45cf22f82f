"""Deployment runs in the workspace: planned over the imported data, read and downloaded scoped.

A liaison sees its own nation's unit lines and the totals only; a hidden run is exactly a
missing one; bad what-ifs are refused naming the field.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import openpyxl
import pytest

from forcegen.scenario import scenario_from_dict
from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User
from forcegen.workspace.runs import deploy_service
from forcegen.workspace.runs.deploy_options import DeployOptions
from forcegen.workspace.scenarios.service import import_scenario

from .conftest import Workspace
from .deploy_sample import LINES, add_deployment_run, deployment_doc, deployment_scenario

API = "/api/v1"
OTHERS = [k for k, n in LINES.items() if n != "FRA"]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return deployment_doc()


def _import_deployment(ws: Workspace) -> None:
    with session_scope(ws.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        import_scenario(db, admin, scenario_from_dict(deployment_scenario()), {})


def _execute(ws: Workspace, options: DeployOptions | None = None) -> int:
    with session_scope(ws.factory) as db:
        lead = db.query(User).filter_by(username="lead").one()
        run_id = deploy_service.create(db, lead, None, options).id
    deploy_service.execute(ws.factory, run_id, time_limit=10)
    return run_id


def test_run_over_imported_sections_matches_the_core(ws: Workspace, doc: dict[str, Any]) -> None:
    _import_deployment(ws)
    run_id = _execute(ws)
    got = ws.client("lead").get(f"{API}/deployments/{run_id}").json()
    assert got["state"] == "done", got["error"]
    res = got["result"]
    assert res["closure"] == doc["closure"] == 10 and res["status"] == "optimal"
    assert res["closure_date"] == "2027-03-11"
    assert {m["id"] for m in res["movements"]} == set(LINES)
    # Independent check of the stored plan: lift within capacity each day, `after` honoured.
    arrive = {m["id"]: m["arrive"] for m in res["movements"]}
    for m in res["movements"]:
        assert all(arrive[a] <= m["start"] for a in m["after"])
    for day in range(res["closure"]):
        for lift, cap in (("C17", 4), ("RORO", 1)):
            used = sum(
                m["lift"].get(lift, 0) for m in res["movements"] if m["start"] <= day < m["arrive"]
            )
            assert used <= cap, (day, lift)
    assert res["totals"] == {"lines": 5, "late_lines": 1, "nations": 3}


def test_whatif_lift_added_closes_earlier(ws: Workspace) -> None:
    _import_deployment(ws)
    base = ws.client("lead").get(f"{API}/deployments/{_execute(ws)}").json()["result"]
    more = _execute(ws, DeployOptions(lift={"RORO": 2}))
    got = ws.client("lead").get(f"{API}/deployments/{more}").json()
    assert got["options"] == {"without": [], "withdraw": [], "lift": {"RORO": 2}, "c_day_shift": 0}
    assert got["result"]["closure"] < base["closure"]
    assert got["result"]["options"] == ["RORO: 2 a day"]


def test_run_without_lift_fails_with_the_reason(ws: Workspace) -> None:
    run_id = _execute(ws)  # the sample has no deployment sections
    got = ws.client("lead").get(f"{API}/deployments/{run_id}").json()
    assert got["state"] == "failed" and got["result"] is None
    assert "no `movements` and no `lift` section" in got["error"]


def test_unknown_port_in_whatif_fails_the_run_naming_it(ws: Workspace) -> None:
    _import_deployment(ws)
    run_id = _execute(ws, DeployOptions(without=("gdansk",)))
    got = ws.client("lead").get(f"{API}/deployments/{run_id}").json()
    assert got["state"] == "failed" and "gdansk" in got["error"]


def test_liaison_sees_own_lines_and_totals_only(ws: Workspace, doc: dict[str, Any]) -> None:
    run_id = add_deployment_run(ws.factory, doc)
    planner = ws.client("admin").get(f"{API}/deployments/{run_id}").json()["result"]
    assert {m["id"] for m in planner["movements"]} == set(LINES)
    assert planner["critical_chain"] and planner["late"][0]["fix"]
    for who, nation in (("liaison_fra", "FRA"), ("observer_deu", "DEU")):
        r = ws.client(who).get(f"{API}/deployments/{run_id}")
        res = r.json()["result"]
        assert {m["nation"] for m in res["movements"]} == {nation}
        hidden = [k for k, n in LINES.items() if n != nation]
        # Nothing names another nation's line: not the chain, the late reasons, the notes.
        assert not any(k in r.text for k in hidden), who
        assert res["closure"] == planner["closure"] and res["bound"] == planner["bound"]
        assert res["totals"] == planner["totals"] and res["use"] == planner["use"]
        assert res["closure_by_sector"] == planner["closure_by_sector"]
    deu = ws.client("liaison_deu").get(f"{API}/deployments/{run_id}").json()["result"]
    assert deu["late"] == [{"id": "ULN-DEU-1", "days": 2, "reason": "precedence-bound"}]


def test_hidden_run_is_a_missing_run(ws: Workspace, doc: dict[str, Any]) -> None:
    fra_only = add_deployment_run(ws.factory, doc, rel=",FRA,")
    secret = add_deployment_run(ws.factory, doc, level=3)
    missing = fra_only + secret + 100
    c = ws.client("liaison_deu")
    for path in ("", "/export?format=json"):
        answers = [c.get(f"{API}/deployments/{i}{path}") for i in (fra_only, secret, missing)]
        assert {a.status_code for a in answers} == {404}
        assert len({a.text for a in answers}) == 1
    assert ws.client("liaison_fra").get(f"{API}/deployments/{fra_only}").status_code == 200
    listed = {i["id"] for i in c.get(f"{API}/deployments").json()["items"]}
    assert fra_only not in listed and secret not in listed


def test_downloads_are_scoped_and_marked(ws: Workspace, doc: dict[str, Any]) -> None:
    run_id = add_deployment_run(ws.factory, doc)
    c = ws.client("liaison_fra")
    text = c.get(f"{API}/deployments/{run_id}/export", params={"format": "csv"}).text
    # One plain table (header first, as spreadsheets and pandas read it), marked on every row.
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows and all("UNCLASSIFIED" in r["marking"] for r in rows)
    assert [r["ULN"] for r in rows] == ["ULN-FRA-2", "ULN-FRA-1"]
    assert {r["nation"] for r in rows} == {"FRA"}
    book = c.get(f"{API}/deployments/{run_id}/export", params={"format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    ulns = [r[0] for r in wb["unit lines"].iter_rows(min_row=2, values_only=True)]
    assert sorted(ulns) == ["ULN-FRA-1", "ULN-FRA-2"]
    cells = [c for r in wb["summary"].iter_rows(values_only=True) for c in r if c]
    assert "Marking" in cells and not any(k in str(cells) for k in OTHERS)
    whole = json.loads(
        c.get(f"{API}/deployments/{run_id}/export", params={"format": "json"}).content
    )
    assert whole["run"] == run_id and whole["marking"]
    assert not any(k in json.dumps(whole) for k in OTHERS)


def test_unfinished_run_has_no_download(ws: Workspace) -> None:
    run_id = add_deployment_run(ws.factory, None, state="running")
    r = ws.client("admin").get(f"{API}/deployments/{run_id}/export")
    assert r.status_code == 404


def test_only_planners_start_and_whatifs_are_checked(ws: Workspace) -> None:
    r = ws.client("liaison_fra").post(f"{API}/deployments", json={"withdraw": ["XXX"]})
    assert r.status_code == 403  # the role first: the what-ifs are not even read
    r = ws.client("lead").post(f"{API}/deployments", json={"withdraw": ["ZZZ"]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "withdraw"
    r = ws.client("lead").post(f"{API}/deployments", json={"c_day_shift": 9999})
    assert r.status_code == 422
    r = ws.client("lead").post(f"{API}/deployments", json={"lift": {"C17": -1}})
    assert r.status_code == 422
    r = ws.client("lead").post(f"{API}/deployments", json={"surprise": 1})
    assert r.status_code == 422
    assert ws.client("lead").get(f"{API}/deployments").json()["total"] == 0  # nothing queued


def test_started_through_the_api_in_the_background(ws: Workspace) -> None:
    _import_deployment(ws)
    r = ws.client("lead").post(f"{API}/deployments", json={"c_day_shift": 2})
    assert r.status_code == 202
    run_id = r.json()["id"]
    for _ in range(600):
        got = ws.client("lead").get(f"{API}/deployments/{run_id}").json()
        if got["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert got["state"] == "done", got["error"]
    assert got["result"]["closure_date"] == "2027-03-13"  # C-day two days later
