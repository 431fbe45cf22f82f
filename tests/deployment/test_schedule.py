"""The scheduler against independent checks: brute force on tiny cases, recomputed feasibility."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment, plan_deployment

Spec = dict[str, Any]


def _random_spec(seed: int) -> Spec:
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    caps = {"C17": rng.randint(2, 4), "RORO": rng.randint(1, 3)}
    moves = []
    for j in range(n):
        m: dict[str, Any] = {"id": f"M{j}", "days": rng.randint(1, 3),
                             "lift": {k: rng.randint(0, c) for k, c in caps.items()}}
        after = [f"M{i}" for i in range(j) if rng.random() < 0.3]
        if after:
            m["after"] = after
        if rng.random() < 0.4:
            m["available"] = rng.randint(0, 3)
        if rng.random() < 0.5:
            m["required"] = rng.randint(1, 6)
        if rng.random() < 0.25:
            m["latest"] = m.get("available", 0) + m["days"] + rng.randint(0, 4)
        moves.append(m)
    return {"forcegen": 1, "lift": [{"id": k, "mode": "air", "capacity": c}
                                    for k, c in caps.items()], "movements": moves}


def _violations(spec: Spec, start: dict[str, int]) -> list[str]:
    """Recompute every rule of docs/scenario.md "Deployment" from the spec itself."""
    caps = {x["id"]: x["capacity"] for x in spec["lift"]}
    moves = {m["id"]: m for m in spec["movements"]}
    out = []
    for mid, m in moves.items():
        s, arrive = start[mid], start[mid] + m["days"]
        if s < m.get("available", 0):
            out.append(f"{mid} starts before available")
        if "latest" in m and arrive > m["latest"]:
            out.append(f"{mid} arrives after latest")
        for a in m.get("after", []):
            if s < start[a] + moves[a]["days"]:
                out.append(f"{mid} starts before {a} arrives")
    end = max(start[m] + moves[m]["days"] for m in moves)
    for day in range(end):
        for k, cap in caps.items():
            use = sum(m.get("lift", {}).get(k, 0) for mid, m in moves.items()
                      if start[mid] <= day < start[mid] + m["days"])
            if use > cap:
                out.append(f"day {day}: {k} {use} > {cap}")
    return out


def _brute_force(spec: Spec) -> tuple[int, int] | None:
    """(least closure, least lateness at that closure) over every start vector, or None."""
    moves = spec["movements"]
    horizon = max(m.get("available", 0) for m in moves) + sum(m["days"] for m in moves)
    best: tuple[int, int] | None = None
    ranges = [range(m.get("available", 0), horizon - m["days"] + 1) for m in moves]
    for starts in itertools.product(*ranges):
        start = {m["id"]: s for m, s in zip(moves, starts, strict=True)}
        closure = max(s + m["days"] for m, s in zip(moves, starts, strict=True))
        if best is not None and closure > best[0]:
            continue
        late = sum(max(0, s + m["days"] - m["required"])
                   for m, s in zip(moves, starts, strict=True) if "required" in m)
        if best is not None and (closure, late) >= best:
            continue
        if not _violations(spec, start):
            best = (closure, late)
    return best


def _plan(tmp_path: Path, spec: Spec, **kw: Any) -> dict[str, Any]:
    f = tmp_path / "scenario.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    return plan_deployment(load_deployment(f), **kw).to_dict()


@pytest.mark.parametrize("seed", range(30))
def test_tiny_cases_match_brute_force(tmp_path: Path, seed: int) -> None:
    spec = _random_spec(seed)
    truth = _brute_force(spec)
    doc = _plan(tmp_path, spec, time_limit=20)
    start = {r["id"]: r["start"] for r in doc["movements"]}
    if truth is None:
        assert doc["status"] == "infeasible"
        assert doc["deadline_misses"], "an infeasible plan must name the movements that miss"
        return
    assert doc["status"] == "optimal"
    assert _violations(spec, start) == []
    assert (doc["closure"], doc["lateness"]) == truth
    assert doc["bound"] == truth[0] and doc["gap"] == 0.0
    assert doc["baseline"]["closure"] >= truth[0]
    assert sum(x["days"] for x in doc["late"]) == truth[1]


@pytest.mark.parametrize("seed", range(30))
def test_greedy_and_milp_on_tiny_cases(tmp_path: Path, seed: int) -> None:
    spec = _random_spec(seed)
    truth = _brute_force(spec)
    greedy = _plan(tmp_path, spec, method="greedy")
    start = {r["id"]: r["start"] for r in greedy["movements"]}
    # Greedy honours lift, precedence and availability always (latest days are not its job).
    assert [v for v in _violations(spec, start) if "latest" not in v] == []
    assert greedy["bound"] <= greedy["closure"]
    milp = _plan(tmp_path, spec, method="highs", time_limit=20)
    if truth is None:
        assert milp["status"] == "infeasible"
        return
    assert milp["status"] == "optimal" and milp["closure"] == truth[0]
    assert _violations(spec, {r["id"]: r["start"] for r in milp["movements"]}) == []


def _two_through_a_port(throughput: int | None) -> Spec:
    port: dict[str, Any] = {"id": "rzeszow", "kind": "airport"}
    if throughput is not None:
        port["throughput"] = throughput
    return {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 10}],
            "ports": [port],
            "movements": [{"id": f"U{i}", "days": 2, "lift": {"C17": 2}, "pod": "rzeszow"}
                          for i in range(2)]}


def test_port_throughput_binds(tmp_path: Path) -> None:
    assert _plan(tmp_path, _two_through_a_port(None))["closure"] == 2
    assert _plan(tmp_path, _two_through_a_port(4))["closure"] == 2
    # 2 + 2 lift uses a day > 3: the two units cannot be in transit through the port together.
    doc = _plan(tmp_path, _two_through_a_port(3))
    assert doc["closure"] == 4 and doc["status"] == "optimal"
    starts = sorted(r["start"] for r in doc["movements"])
    assert starts == [0, 2]


def test_infeasible_deadlines_name_the_movements(tmp_path: Path) -> None:
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 4}],
            "movements": [{"id": "A", "days": 2, "lift": {"C17": 4}, "latest": 2},
                          {"id": "B", "days": 2, "lift": {"C17": 4}, "latest": 2},
                          {"id": "C", "days": 1, "lift": {"C17": 1}}]}
    doc = _plan(tmp_path, spec, time_limit=10)
    assert doc["status"] == "infeasible"
    # One of A, B must wait two days; the closest plan misses exactly one by 2 days.
    assert len(doc["deadline_misses"]) == 1
    assert doc["deadline_misses"][0]["id"] in ("A", "B") and doc["deadline_misses"][0]["days"] == 2
    start = {r["id"]: r["start"] for r in doc["movements"]}
    relaxed = {**spec, "movements": [{k: v for k, v in m.items() if k != "latest"}
                                     for m in spec["movements"]]}
    assert _violations(relaxed, start) == []


def test_chain_too_long_for_latest(tmp_path: Path) -> None:
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 4}],
            "movements": [{"id": "A", "days": 3},
                          {"id": "B", "days": 2, "after": ["A"], "latest": 4}]}
    doc = _plan(tmp_path, spec, time_limit=10)
    assert doc["status"] == "infeasible"
    assert doc["deadline_misses"] == [{"id": "B", "days": 1}]
    assert any("unlimited lift" in n for n in doc["notes"])


def test_cli_json_is_one_document_with_dates(tmp_path: Path) -> None:
    spec = _two_through_a_port(3)
    spec["c_day"] = "2027-03-01"
    f = tmp_path / "scenario.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False).replace("'2027-03-01'", "2027-03-01"))
    res = CliRunner().invoke(app, ["deploy", str(f), "--json", "--time-limit", "5"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["closure"] == 4 and doc["closure_date"] == "2027-03-05"
    for key in ("status", "closure", "bound", "gap", "movements", "late"):
        assert key in doc
    assert {"id", "start", "arrive"} <= set(doc["movements"][0])


def test_cli_table(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "deployment" / "small.yaml"
    res = CliRunner().invoke(app, ["deploy", str(data)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "ULN-0003" in res.stdout and "proven best: closure day 15 (2027-03-16)" in res.stdout


def test_cli_csv_tpfdd(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "deployment" / "small.yaml"
    out = tmp_path / "tpfdd.csv"
    res = CliRunner().invoke(app, ["deploy", str(data), "--csv", str(out)])
    assert res.exit_code == 0, res.output
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["ULN"] == "ULN-0001" and len(rows) == 5
    by = {r["ULN"]: r for r in rows}
    assert by["ULN-0003"]["lift"] == "RORO=2" and by["ULN-0003"]["required_delivery_day"] == "20"
    assert by["ULN-0003"]["planned_arrival_date"] == "2027-03-16"
    # A bad --csv name is refused before anything runs; nothing is written.
    res = CliRunner().invoke(app, ["deploy", str(data), "--csv", str(tmp_path / "x.txt")])
    assert res.exit_code == 2 and not (tmp_path / "x.txt").exists()


def test_lateness_bound_is_valid(tmp_path: Path) -> None:
    # Two movements want the same lift on days 0-1 and are required on day 2: one must be late
    # by 2 days at the least closure 4; the bound must say so, no more.
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 4}],
            "movements": [{"id": i, "days": 2, "lift": {"C17": 3}, "required": 2}
                          for i in ("A", "B")]}
    assert _brute_force(spec) == (4, 2)
    doc = _plan(tmp_path, spec, time_limit=10)
    assert (doc["closure"], doc["lateness"], doc["lateness_bound"]) == (4, 2, 2)
    greedy = _plan(tmp_path, spec, method="greedy")
    assert greedy["lateness"] == 2


def test_critical_chain_names_precedence_and_binding_lift(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "deployment" / "small.yaml"
    doc = plan_deployment(load_deployment(data), time_limit=10).to_dict()
    assert [(x["id"], x.get("waits_for")) for x in doc["critical_chain"]] == [
        ("ULN-0003", "ULN-0002"), ("ULN-0002", "ULN-0001"), ("ULN-0001", None)]
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 4}],
            "movements": [{"id": "A", "days": 2, "lift": {"C17": 4}},
                          {"id": "B", "days": 3, "lift": {"C17": 1}, "available": 1}]}
    doc = _plan(tmp_path, spec, time_limit=10)
    assert doc["closure"] == 5  # B waits for A's lift, closing on day 5 (A first is shorter)
    last, first = doc["critical_chain"]
    assert (last["id"], last["binding"], last["day"], last["behind"]) == ("B", "C17", 1, "A")
    assert first == {"id": "A", "start": 0, "arrive": 2, "reason": "starts on day 0"}


def test_lift_what_if(tmp_path: Path) -> None:
    spec = {"forcegen": 1, "lift": [{"id": "C17", "mode": "air", "capacity": 4}],
            "movements": [{"id": i, "days": 2, "lift": {"C17": 2}} for i in "ABCD"]}
    f = tmp_path / "scenario.yaml"
    f.write_text(yaml.safe_dump(spec))
    runs = {}
    for cap in ("2", "4", "8"):
        res = CliRunner().invoke(app, ["deploy", str(f), "--json", "--lift", f"C17={cap}"])
        assert res.exit_code == 0, res.output
        runs[cap] = json.loads(res.stdout)["closure"]
    # 4 movements x 2 days x 2 C17 = 16 C17-days: 8, 4 and 2 days at 2, 4 and 8 a day.
    assert runs == {"2": 8, "4": 4, "8": 2}
    for bad, says in (("C5=3", "unknown lift type 'C5'"), ("C17=1", "need more C17"),
                      ("C17", "expected LIFT=N"), ("C17=x", "whole number")):
        res = CliRunner().invoke(app, ["deploy", str(f), "--json", "--lift", bad])
        assert res.exit_code == 2 and says in res.stderr and res.stdout == "", bad
