"""OR-Library generalized-assignment instances as forcegen scenarios.

Encoding (issue 2): each agent is a nation whose personnel ceiling is the agent's capacity; each
job is a requirement line of its own capability, quantity 1, priority 1; every (agent, job) pair
is one approved pledge with the job's resource use as personnel and its cost as cost. Maximum
fill first (every job assigned, as every instance allows) then least cost is exactly the
minimisation form of the GAP, so ``objective.cost`` must equal the published minimum.

    python bench/orlib_gap.py GAPFILE OUTDIR     # one scenario folder per problem in the file
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import pycountry
import yaml

__all__ = ["gap_scenario_dict", "read_gap", "write_gap_scenario"]

Problem = tuple[int, int, list[list[int]], list[list[int]], list[int]]


def read_gap(path: Path) -> list[Problem]:
    """All problems of an OR-Library GAP file: (m agents, n jobs, cost, resource, capacity)."""
    tok = [int(t) for t in path.read_text().split()]
    count, i, out = tok[0], 1, []
    for _ in range(count):
        m, n = tok[i], tok[i + 1]
        i += 2
        cost = [tok[i + r * n : i + (r + 1) * n] for r in range(m)]
        i += m * n
        res = [tok[i + r * n : i + (r + 1) * n] for r in range(m)]
        i += m * n
        cap = tok[i : i + m]
        i += m
        out.append((m, n, cost, res, cap))
    return out


def gap_scenario_dict(problem: Problem, name: str = "gap") -> dict[str, Any]:
    m, n, cost, res, cap = problem
    codes = sorted(c.alpha_3 for c in pycountry.countries)[:m]
    return {
        "forcegen": 1,
        "name": name,
        "currency": "EUR",
        "nations": [{"code": codes[i], "ceiling": {"personnel": cap[i]}} for i in range(m)],
        "catalog": [{"code": f"JOB-{j:03d}", "name": f"job {j}", "category": "land",
                     "role": "combat"} for j in range(n)],
        "sectors": [{"id": "all"}],
        "requirements": [{"id": f"J{j:03d}", "capability": f"JOB-{j:03d}", "quantity": 1,
                          "sector": "all", "priority": 1, "notice_days": 30} for j in range(n)],
        "pledges": [{"id": f"P{i:02d}-{j:03d}", "nation": codes[i], "capability": f"JOB-{j:03d}",
                     "quantity": 1, "personnel": res[i][j], "notice_days": 0,
                     "status": "approved", "cost": cost[i][j]}
                    for i in range(m) for j in range(n)],
    }


def write_gap_scenario(problem: Problem, folder: Path, name: str = "gap") -> Path:
    """A scenario folder: ``scenario.yaml`` plus ``pledges.csv``."""
    doc = gap_scenario_dict(problem, name)
    folder.mkdir(parents=True, exist_ok=True)
    pledges = doc.pop("pledges")
    doc["pledges"] = "pledges.csv"
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    with (folder / "pledges.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(pledges[0]))
        w.writeheader()
        w.writerows(pledges)
    return folder


if __name__ == "__main__":
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    for k, prob in enumerate(read_gap(src), start=1):
        print(write_gap_scenario(prob, out / f"{src.stem}-{k}", f"{src.stem} problem {k}"))
