"""CP-SAT (the exact model forcegen uses) against a HiGHS MILP on small random patrol cases.

The HiGHS model: per vessel arc variables start/areas/end, flow balance, one visit per area,
the endurance as a knapsack over arcs, and time-based MTZ subtour elimination
(t_j >= t_i + leg_ij - T_k (1 - x_ij)), built as scipy.sparse arrays and solved by
scipy.optimize.milp (HiGHS). Both get the same time limit; we record time to a proven optimum,
the optimum (both must agree) and the bound when not proven.

    python bench/patrol_exact_compare.py --out bench/results/patrol_exact_compare.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from forcegen.patrols import build_problem
from forcegen.patrols.exact import solve_exact
from forcegen.patrols.models import PatrolData
from forcegen.patrols.problem import PatrolProblem


def instance(seed: int, n: int, m: int) -> PatrolProblem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(n + 1, 2))
    names = ["P"] + [f"A{i}" for i in range(n)]
    legs = {(names[i], names[j]): float(np.hypot(*(xy[i] - xy[j])))
            for i in range(n + 1) for j in range(n + 1) if i != j}
    data = PatrolData.model_validate({
        "areas": [{"id": f"A{i}", "value": int(rng.integers(1, 10))} for i in range(n)],
        "vessels": [{"id": f"V{k}", "nation": "NZL", "start": "P", "end": "P",
                     "endurance": float(rng.uniform(12, 20))} for k in range(m)]})
    return build_problem(data, legs, drop_unreachable=True)


def highs_milp(p: PatrolProblem, time_limit: float) -> dict:
    n, m = p.n_areas, p.n_vessels
    N = n + 2  # 0..n-1 areas, n = start, n+1 = end
    s, e = n, n + 1
    arcs = [(i, j) for i in range(N) for j in range(N) if i != j and i != e and j != s]
    na = len(arcs)
    # variables per vessel: x (na), y (n), t (n)
    per = na + 2 * n
    nv = per * m
    c = np.zeros(nv)
    lb, ub = np.zeros(nv), np.ones(nv)
    integrality = np.zeros(nv)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
        nonlocal r
        for col, v in entries:
            rows.append(r)
            cols.append(col)
            vals.append(v)
        lo.append(low)
        hi.append(high)
        r += 1

    for k in range(m):
        base = k * per
        xi, yi, ti = base, base + na, base + na + n
        integrality[xi:xi + na + n] = 1
        T = float(p.endurance[k])
        lb[ti:ti + n], ub[ti:ti + n] = 0, T
        cost = np.zeros(na)
        for a, (i, j) in enumerate(arcs):
            d = (p.t_direct[k] if (i, j) == (s, e) else p.t_start[k, j] if i == s
                 else p.t_end[k, i] if j == e else p.t_between[k, i, j])
            cost[a] = d if np.isfinite(d) else 1e6
        for i in range(n):
            c[yi + i] = -p.values[i]
        add([(xi + a, 1.0) for a, (i, _) in enumerate(arcs) if i == s], 1, 1)
        add([(xi + a, 1.0) for a, (_, j) in enumerate(arcs) if j == e], 1, 1)
        for v in range(n):
            add([(xi + a, 1.0) for a, (_, j) in enumerate(arcs) if j == v] + [(yi + v, -1.0)],
                0, 0)
            add([(xi + a, 1.0) for a, (i, _) in enumerate(arcs) if i == v] + [(yi + v, -1.0)],
                0, 0)
        add([(xi + a, float(cost[a])) for a in range(na)], -np.inf, T)
        for a, (i, j) in enumerate(arcs):  # time MTZ on area-to-area and start-to-area arcs
            if i < n and j < n:
                add([(ti + j, 1.0), (ti + i, -1.0), (xi + a, -(cost[a] + T))], -T, np.inf)
            elif i == s and j < n:
                add([(ti + j, 1.0), (xi + a, -cost[a])], 0, np.inf)
    for v in range(n):
        add([(k * per + na + v, 1.0) for k in range(m)], 0, 1)
    A = sp.csr_array((vals, (rows, cols)), shape=(r, nv))
    t0 = time.monotonic()
    res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=integrality,
               bounds=Bounds(lb, ub), options={"time_limit": time_limit, "disp": False})
    secs = time.monotonic() - t0
    total = -float(res.fun) if res.x is not None else None
    bound = -float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None \
        else None
    return {"seconds": round(secs, 3), "total": total, "bound": bound,
            "proven": bool(res.status == 0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    for n in (6, 8, 10, 12):
        for seed in range(3):
            p = instance(seed, n, 2)
            t0 = time.monotonic()
            ex = solve_exact(p, time_limit=args.time_limit)
            cp = {"seconds": round(time.monotonic() - t0, 3), "total": ex.total,
                  "bound": ex.bound, "proven": ex.proven}
            hi = highs_milp(p, args.time_limit)
            row = {"areas": n, "vessels": 2, "seed": seed, "cp_sat": cp, "highs": hi}
            if cp["proven"] and hi["proven"]:
                assert abs(cp["total"] - hi["total"]) < 1e-6, row
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        args.out.write_text(json.dumps({
            "note": "CP-SAT 2 workers; HiGHS via scipy.optimize.milp (its default threads); "
                    "2-core machine shared with other sessions",
            "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
