"""Issue 9 §3: same data, same plan. The CLI (``forcegen source examples/reassurance-force
--json``, through the library calls it makes) and a workspace run on the imported example must
give the identical plan: assignments and shortfalls, not only the objective.

The workspace's part: it feeds the core the same scenario (content, catalog, options). Whether
the core then breaks ties the same way whatever the order of the records is the sourcing
engineer's part (canonical tie-breaking).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from forcegen.cli._common import build_options
from forcegen.scenario import load_scenario
from forcegen.sourcing import Sourcer, SourcingOptions
from forcegen.workspace.access import LabelScope, clearance_of
from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User
from forcegen.workspace.scenarios.runnable import runnable_scenario

from .conftest import Workspace
from .test_runs import wait

API = "/api/v1"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def _zip_example() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(EXAMPLE.iterdir()):
            if p.is_file():
                zf.write(p, f"reassurance-force/{p.name}")
    return buf.getvalue()


def _by_id(rows: list[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r[key])


def _import(ws: Workspace) -> None:
    r = ws.client("admin").post(
        f"{API}/scenario/import", files={"file": ("example.zip", _zip_example())}
    )
    assert r.status_code == 200, r.text


def test_workspace_feeds_the_core_the_scenario_the_cli_reads(ws: Workspace) -> None:
    _import(ws)
    cli = load_scenario(EXAMPLE)
    with session_scope(ws.factory) as db:
        lead = db.query(User).filter_by(username="lead").one()
        mine, excluded = runnable_scenario(db, reader=LabelScope(lead, clearance_of(lead)))
    assert excluded == []
    a = cli.data.model_dump(mode="json")
    b = mine.data.model_dump(mode="json")
    for section, key in (("nations", "code"), ("catalog", "code"), ("sectors", "id"),
                         ("requirements", "id"), ("pledges", "id"), ("depot_sites", "id")):
        assert _by_id(a.pop(section), key) == _by_id(b.pop(section), key), section
    assert a == b  # name, currency, file names, extension keys
    assert cli.catalog == mine.catalog
    # The options a run uses are the CLI's defaults (statuses, method, gap); the time limit is
    # the server's guard (Settings.run_time_limit), far above this example's solve time.
    cli_options = build_options(cli, include=None, withdraw=None, lift_caveats=None,
                                ceiling=None, time_limit=None, gap=None, method="auto")
    run = SourcingOptions(include=("approved",), time_limit=120.0)
    assert (cli_options.statuses, cli_options.method, cli_options.mip_gap) == (
        run.statuses, run.method, run.mip_gap)


def _plan_lines(doc: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    assignments = sorted((a["requirement"], a["pledge"], a["units"]) for a in doc["assignments"])
    shortfalls = sorted((s["requirement"], s["missing"]) for s in doc["shortfalls"])
    return assignments, shortfalls


def test_cli_and_workspace_give_the_identical_plan(ws: Workspace) -> None:
    _import(ws)
    cli_scenario = load_scenario(EXAMPLE)
    options = build_options(cli_scenario, include=None, withdraw=None, lift_caveats=None,
                            ceiling=None, time_limit=None, gap=None, method="auto")
    cli = Sourcer(cli_scenario).solve(options).to_dict()
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    run = wait(ws, rid)
    assert run["state"] == "done", run["error"]
    ours = run["result"]
    assert ours["objective"]["fill"] == cli["objective"]["fill"]
    assert _plan_lines(ours) == _plan_lines(cli)


def test_workspace_plan_is_the_cores_plan_for_the_same_records_in_id_order(
    ws: Workspace,
) -> None:
    """The CLI's own scenario, with its records put in id order in memory, gives exactly the
    workspace's plan (record order cannot change a plan)."""
    _import(ws)
    cli_scenario = load_scenario(EXAMPLE)
    d = cli_scenario.data
    sorted_data = d.model_copy(update={
        "pledges": sorted(d.pledges, key=lambda p: p.id),
        "requirements": sorted(d.requirements, key=lambda r: r.id),
        "nations": sorted(d.nations, key=lambda n: n.code),
        "sectors": sorted(d.sectors, key=lambda s: s.id),
        "catalog": sorted(d.catalog, key=lambda c: c.code),
    })
    reordered = type(cli_scenario)(data=sorted_data, catalog=cli_scenario.catalog)
    core = Sourcer(reordered).solve(SourcingOptions()).to_dict()
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    run = wait(ws, rid)
    assert run["state"] == "done", run["error"]
    assert _plan_lines(run["result"]) == _plan_lines(core)


def test_cli_and_workspace_give_the_same_input_hash(ws: Workspace) -> None:
    """The example's file lists records in no particular order, the workspace in id order:
    the digest is of the content, so both give one hash (and one input hash per options)."""
    from forcegen.sourcing.digest import input_hash, scenario_digest

    _import(ws)
    cli = load_scenario(EXAMPLE)
    with session_scope(ws.factory) as db:
        lead = db.query(User).filter_by(username="lead").one()
        mine, _ = runnable_scenario(db, reader=LabelScope(lead, clearance_of(lead)))
    assert [p.id for p in cli.pledges] != sorted(p.id for p in cli.pledges)  # order differs
    assert scenario_digest(mine) == scenario_digest(cli)
    options = SourcingOptions(include=("approved",), time_limit=120.0)
    assert input_hash(mine, options) == input_hash(cli, options)
