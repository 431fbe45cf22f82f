"""Unit lines derived from the sourced plan: one per assignment, mode by cargo, enablers first,
ports checked against the network; every schedule re-checked independently."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment, plan_deployment
from forcegen.exceptions import ScenarioError

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
forcegen: 1
nations:
  - {code: FRA}
  - {code: DEU}
sectors:
  - {id: east, at: [30.5, 50.4]}
  - {id: south, at: [30.7, 46.5]}
requirements:
  - {id: R1, capability: HQ-BDE, quantity: 1, sector: east, priority: 1, notice_days: 20}
  - {id: R2, capability: INF-MECH-BN, quantity: 1, sector: east, priority: 1, notice_days: 30}
  - {id: R3, capability: ROLE1-MED, quantity: 1, sector: east, priority: 2, notice_days: 20}
  - {id: R4, capability: ROLE1-MED, quantity: 1, sector: south, priority: 2, notice_days: 20}
pledges:
  - {id: P1, nation: FRA, capability: HQ-BDE, quantity: 1, personnel: 200, notice_days: 5,
     status: approved, home: [2.3, 48.8]}
  - {id: P2, nation: FRA, capability: INF-MECH-BN, quantity: 1, personnel: 700, notice_days: 10,
     status: approved, home: [2.4, 48.9]}
  - {id: P3, nation: DEU, capability: ROLE1-MED, quantity: 2, personnel: 80, notice_days: 3,
     status: approved, home: [13.4, 52.5]}
lift:
  - {id: C17, mode: air, capacity: 3, payload: 45}
  - {id: RORO, mode: sea, capacity: 1, payload: 4000}
  - {id: TRAIN, mode: rail, capacity: 2, payload: 1000}
ports:
  - {id: paris-air, kind: airport, at: [2.5, 49.0], use: embark}
  - {id: berlin-air, kind: airport, at: [13.5, 52.4], use: embark}
  - {id: le-havre, kind: seaport, at: [0.1, 49.5], use: embark}
  - {id: paris-rail, kind: railhead, at: [2.35, 48.85], use: embark}
  - {id: rzeszow, kind: airport, at: [22.0, 50.1], use: debark, throughput: 4}
  - {id: constanta, kind: seaport, at: [28.65, 44.17], use: debark, throughput: 1}
  - {id: medyka, kind: railhead, at: [22.9, 49.8], use: debark, throughput: 2}
"""


def _write(tmp_path: Path, extra: str = "", base: str = BASE) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(base + textwrap.dedent(extra))
    return f


def check_feasible(doc: dict[str, Any], dep: Any) -> list[str]:
    """Every rule of the schedule recomputed from the printed plan alone."""
    rows = {r["id"]: r for r in doc["movements"]}
    bad = []
    horizon = max(r["arrive"] for r in rows.values()) + 1
    use: dict[str, np.ndarray] = {}
    for r in rows.values():
        if r["start"] < r["available"]:
            bad.append(f"{r['id']} starts before it is available")
        for a in r["after"]:
            if rows[a]["arrive"] > r["start"]:
                bad.append(f"{r['id']} starts before {a} arrives")
        total = sum(r["lift"].values())
        keys = [(k, n) for k, n in r["lift"].items()]
        keys += [(f"port:{p}", total) for p in {r["poe"], r["pod"]} - {None}]
        for k, n in keys:
            use.setdefault(k, np.zeros(horizon, dtype=int))[r["start"]:r["arrive"]] += n
    caps = {x.id: x.capacity for x in dep.lift}
    caps.update({f"port:{p.id}": p.throughput for p in dep.ports if p.throughput is not None})
    for k, days in use.items():
        if k in caps and days.max() > caps[k]:
            bad.append(f"{k} over capacity on day {int(days.argmax())}")
    return bad


def test_every_assignment_becomes_one_unit_line(tmp_path: Path) -> None:
    dep = load_deployment(_write(tmp_path))
    by_unit: dict[str, list[Any]] = {}
    for m in dep.movements:
        by_unit.setdefault(m.unit or "", []).append(m)
    # P3 has two units, one to each ROLE1 requirement: two lines, one per sector.
    assert sorted(by_unit) == ["P1", "P2", "P3"]
    assert sorted(m.sector for m in by_unit["P3"]) == ["east", "south"]
    assert {m.destination for m in by_unit["P1"] + by_unit["P2"]} == {"east"}
    modes = {x.id: x.mode for x in dep.lift}
    (mech,) = by_unit["P2"]
    assert mech.lift and all(modes[k] != "air" for k in mech.lift)  # outsize: never airlift
    assert all(modes[k] == "air" for m in by_unit["P3"] for k in m.lift)  # a medical team flies
    assert mech.available == 10 and mech.required == 30
    # Enablers first: the battalion waits for its sector's brigade HQ.
    (hq,) = by_unit["P1"]
    assert hq.id in mech.after
    assert not hq.after


def test_derived_plan_is_feasible_and_cli_works(tmp_path: Path) -> None:
    f = _write(tmp_path)
    dep = load_deployment(f)
    doc = plan_deployment(dep, time_limit=10).to_dict()
    assert doc["status"] == "optimal"
    assert check_feasible(doc, dep) == []
    res = CliRunner().invoke(app, ["deploy", str(f), "--json", "--time-limit", "10"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["closure"] == doc["closure"]
    csv_out = tmp_path / "tpfdd.csv"
    res = CliRunner().invoke(app, ["deploy", str(f), "--csv", str(csv_out), "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    import csv

    rows = list(csv.DictReader(csv_out.open(encoding="utf-8")))
    assert {(r["unit"], r["nation"], r["sector"]) for r in rows} == {
        ("P1", "FRA", "east"), ("P2", "FRA", "east"), ("P3", "DEU", "east"),
        ("P3", "DEU", "south")}
    assert all(r["sector"] in ("east", "south") for r in out["movements"])


def test_planner_overrides_the_enabler_rules(tmp_path: Path) -> None:
    dep = load_deployment(_write(tmp_path, "enablers: {}\n"))
    assert all(not m.after for m in dep.movements)
    dep = load_deployment(_write(tmp_path, "enablers: {ROLE1-MED: 0}\n"))
    # Sector-scoped: the lines to `east` wait for the medical line to `east`, nothing else.
    med = [m.id for m in dep.movements if m.unit == "P3" and m.sector == "east"]
    others = [m for m in dep.movements if m.unit != "P3"]
    assert len(others) == 2 and all(m.after == med for m in others)
    assert all(not m.after for m in dep.movements if m.unit == "P3")
    with pytest.raises(ScenarioError, match="'NO-SUCH'"):
        load_deployment(_write(tmp_path, "enablers: {NO-SUCH: 0}\n"))


def test_capability_without_tons_is_named(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
        catalog:
          - {code: HQ-BDE, name: Brigade HQ, category: c2, role: combat-support}
    """)
    with pytest.raises(ScenarioError) as info:
        load_deployment(f)
    (p,) = info.value.problems
    assert "'HQ-BDE'" in p.message and "tons" in p.message


def test_port_without_route_to_its_sector_is_an_input_error(tmp_path: Path) -> None:
    # Two road islands: the sector's and the port's. The port says it serves the sector.
    (tmp_path / "nodes.csv").write_text(
        "id,lon,lat,name\na,30.5,50.4,\nb,30.6,50.5,\nc,22.0,50.1,\nd,22.1,50.2,\n")
    (tmp_path / "network.csv").write_text(
        "from,to,hours,mode,km\na,b,1,road,10\nc,d,1,road,10\n")
    base = BASE.replace("  - {id: south, at: [30.7, 46.5]}\n", "").replace(
        "  - {id: R4, capability: ROLE1-MED, quantity: 1, sector: south, priority: 2, "
        "notice_days: 20}\n", "")
    base = base.replace("throughput: 4}", "throughput: 4, sectors: [east]}")
    f = _write(tmp_path, "network: network.csv\nnodes: nodes.csv\n", base=base)
    with pytest.raises(ScenarioError) as info:
        load_deployment(f)
    msgs = [p.message for p in info.value.problems]
    assert any("'rzeszow'" in m and "no route" in m and "'east'" in m for m in msgs), msgs
    res = CliRunner().invoke(app, ["deploy", str(f), "--json"])
    assert res.exit_code == 2 and "Traceback" not in res.output


@pytest.mark.slow
def test_example_deploys_out_of_the_box() -> None:
    ex = ROOT / "examples" / "reassurance-force"
    dep = load_deployment(ex)
    doc = plan_deployment(dep, time_limit=5).to_dict()
    assert doc["closure"] is not None and doc["closure"] >= doc["bound"]
    assert check_feasible(doc, dep) == []
    assert {r["sector"] for r in doc["movements"]} >= {"kyiv", "odesa", "lviv"}


def test_deployment_yaml_beside_the_scenario(tmp_path: Path) -> None:
    # The force in scenario.yaml, the lift and ports in deployment.yaml: the same lines.
    head, _, tail = BASE.partition("lift:\n")
    (tmp_path / "scenario.yaml").write_text(head)
    (tmp_path / "deployment.yaml").write_text("c_day: 2027-03-01\nenablers: {}\nlift:\n" + tail)
    dep = load_deployment(tmp_path)
    assert dep.date_of(1) == "2027-03-02" and len(dep.movements) == 4
    assert all(not m.after for m in dep.movements)  # its `enablers: {}` applies
    # A section in both files, or an unknown key, is refused, naming the file and key.
    (tmp_path / "deployment.yaml").write_text("nations: []\nlift:\n" + tail)
    (tmp_path / "scenario.yaml").write_text(BASE)
    with pytest.raises(ScenarioError) as info:
        load_deployment(tmp_path)
    found = {(Path(p.file).name, p.field) for p in info.value.problems}
    assert found == {("deployment.yaml", k) for k in ("nations", "lift", "ports")}


def test_closed_port_is_never_chosen(tmp_path: Path) -> None:
    # Throughput 0 closes Rzeszow: the medical teams fly into no airport, so they go by rail.
    f = _write(tmp_path, base=BASE.replace("use: debark, throughput: 4}",
                                           "use: debark, throughput: 0}"))
    dep = load_deployment(f)
    assert all(m.pod != "rzeszow" for m in dep.movements)
    assert {m.pod for m in dep.movements if m.unit == "P3"} <= {"medyka", "constanta"}

