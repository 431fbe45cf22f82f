"""OR-Library generalized-assignment instances, encoded as scenarios, solve to their optima."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.scenario import scenario_from_dict
from forcegen.sourcing import solve

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from orlib_gap import gap_scenario_dict, read_gap, write_gap_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "orlib_gap"
# Minimisation optima (SOURCE.md beside the data).
OPTIMA = {"gap1": [261, 269, 256, 274, 251], "gap12": [974, 956, 941, 954, 945],
          "gapa": [1698, 3235, 1360, 2623, 1158, 2339]}


@pytest.mark.parametrize("k", range(5))
def test_gap1_library(k: int) -> None:
    problem = read_gap(DATA / "gap1.txt")[k]
    plan = solve(scenario_from_dict(gap_scenario_dict(problem)))
    m, n, cost, res, cap = problem
    assert plan.status == "optimal" and plan.fill == n
    assert plan.cost == OPTIMA["gap1"][k]
    # Independent check: recompute cost and capacity use from the assignments.
    agent = {f"P{i:02d}-{j:03d}": (i, j) for i in range(m) for j in range(n)}
    used = [0] * m
    total = 0
    for a in plan.assignments:
        i, j = agent[a.pledge]
        used[i] += res[i][j]
        total += cost[i][j]
    assert total == plan.cost and all(u <= c for u, c in zip(used, cap, strict=True))


@pytest.mark.parametrize(("name", "k"), [("gap12", 0), ("gap12", 3), ("gapa", 0), ("gapa", 2)])
def test_gap_through_cli_json(cli: CliRunner, tmp_path: Path, name: str, k: int) -> None:
    problem = read_gap(DATA / f"{name}.txt")[k]
    folder = write_gap_scenario(problem, tmp_path / f"{name}-{k}")
    r = cli.invoke(app, ["source", str(folder), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["status"] == "optimal"
    assert doc["objective"]["fill"] == problem[1]
    assert doc["objective"]["cost"] == OPTIMA[name][k]
