"""Small Chao-Golden-Wasil instances, encoded as the issue says, reach their best-known scores.

The routes are re-timed from the raw instance (Euclidean legs), not from forcegen's numbers.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from forcegen.patrols import load_patrol, plan_patrols

DATA = Path(__file__).parents[1] / "data" / "top_chao"
BKS = {ln.split()[0].removesuffix(".txt"): float(ln.split()[1])
       for ln in (DATA / "bks.txt").read_text().splitlines() if ln.strip()}


def _encode(src: Path, folder: Path) -> tuple[int, float, list[tuple[float, float, float]]]:
    lines = [ln.split() for ln in src.read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    pts = [(float(a), float(b), float(c)) for a, b, c in lines[3:]]
    names = ["start"] + [f"a{i}" for i in range(1, len(pts) - 1)] + ["end"]
    rows = [f"{names[i]},{names[j]},{math.dist(pts[i][:2], pts[j][:2])!r}"
            for i, j in itertools.permutations(range(len(pts)), 2)]
    (folder / "legs.csv").write_text("from,to,hours\n" + "\n".join(rows) + "\n")
    areas = "".join(f"    - {{id: {names[i]}, value: {pts[i][2]:g}}}\n"
                    for i in range(1, len(pts) - 1))
    vessels = "".join(f"    - {{id: V{k}, nation: NZL, start: start, end: end, "
                      f"endurance: {tmax!r}}}\n" for k in range(m))
    (folder / "patrol.yaml").write_text(
        f"forcegen: 1\npatrol:\n  legs: legs.csv\n  areas:\n{areas}  vessels:\n{vessels}")
    return m, tmax, pts


@pytest.mark.parametrize("name", sorted(BKS))
def test_reaches_best_known(tmp_path, name):
    m, tmax, pts = _encode(DATA / f"{name}.txt", tmp_path)
    prob = load_patrol(tmp_path, drop_unreachable=True)
    plan = plan_patrols(prob, time_limit=15, method="heuristic")
    seen: set[int] = set()
    total = 0.0
    for route in plan.to_dict()["routes"]:
        seq = [0] + [int(s[1:]) for s in route["stops"]] + [len(pts) - 1]
        assert sum(math.dist(pts[a][:2], pts[b][:2])
                   for a, b in itertools.pairwise(seq)) <= tmax + 1e-6
        assert not seen & set(seq[1:-1])
        seen |= set(seq[1:-1])
        total += sum(pts[a][2] for a in seq[1:-1])
    assert len(plan.routes) <= m
    assert total == plan.total == BKS[name]
