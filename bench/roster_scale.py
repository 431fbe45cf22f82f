"""Standby roster at scale: HiGHS (forcegen's exact stages) against the greedy baseline.

Generated cases (seeded): units spread over capabilities, each certified from a random month
(before it: no tour may start), a fifth of them deployed for a few months, a requirement per
capability tight enough that some months cannot be covered. Per case: the greedy shortfall and
time, HiGHS's shortfall, proven bound, each stage's proof, how it was proven (``parts``: the
capabilities' parts joined by swaps met their bound; ``joined``: HiGHS on the whole model) and
the total time and CPU, from one run. ``--cpsat S``: the shortfall stage capability by
capability with CP-SAT instead (same parts, S seconds in all), to compare the two solvers.

    python bench/roster_scale.py --case 2000x50x24 --cpsat 60 \
        --out bench/results/exercises_roster.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path

import numpy as np

from forcegen.exercises._roster_milp import solve_roster
from forcegen.exercises._roster_model import capability_part
from forcegen.exercises.roster import RosterProblem, greedy_roster


def instance(seed: int, units: int, caps: int, months: int, tour: int = 4,
             rest: int = 4) -> RosterProblem:
    rng = np.random.default_rng(seed)
    unit_cap = np.arange(units) % caps
    certified_from = rng.integers(0, months // 2, units)
    deployed = np.zeros((units, months + tour + rest), dtype=bool)
    for u in rng.choice(units, size=units // 5, replace=False):
        s = int(rng.integers(0, months))
        deployed[u, s:s + int(rng.integers(2, 7))] = True
    tu, ts = [], []
    for u in range(units):
        for m in range(int(certified_from[u]), months):
            if not deployed[u, m:m + tour + rest].any():
                tu.append(u)
                ts.append(m)
    per_cap = units // caps
    # About what the units of a capability can hold on average (each a tour in tour + rest
    # months), so some months fall short and the choice of who and when matters.
    need = rng.integers(max(1, per_cap * tour // (tour + rest) // 2),
                        per_cap * tour // (tour + rest) + 2, caps)
    ts_arr = np.array(ts, dtype=np.int64)
    return RosterProblem(
        months=months, tour_months=tour, rest_months=rest, caps=[f"C{c}" for c in range(caps)],
        need=need.astype(np.int64), unit_ids=[f"U{u:04d}" for u in range(units)],
        unit_cap=unit_cap.astype(np.int64),
        unit_nation=[f"N{int(x)}" for x in rng.integers(0, 12, units)],
        tour_unit=np.array(tu, dtype=np.int64), tour_start=ts_arr,
        tour_len=np.minimum(tour, months - ts_arr))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpsat_shortfall(p: RosterProblem, seconds: float) -> dict:
    """The least shortfall capability by capability with CP-SAT (the HiGHS parts' model)."""
    from ortools.sat.python import cp_model

    c0, t0 = _cpu(), time.perf_counter()
    total = bound = proven = 0
    for c in range(len(p.caps)):
        sub, _ = capability_part(p, c)
        m = cp_model.CpModel()
        x = [m.new_bool_var(f"x{j}") for j in range(sub.tour_unit.size)]
        for u in range(len(sub.unit_ids)):  # one tour at a time, rest included
            js = np.flatnonzero(sub.tour_unit == u)
            for t in np.unique(sub.tour_start[js]):
                w = js[(sub.tour_start[js] <= t) & (sub.tour_start[js] > t - sub.span)]
                if w.size > 1:
                    m.add_at_most_one([x[j] for j in w])
        short = []
        for t in range(sub.months):
            on = np.flatnonzero((sub.tour_start <= t) & (sub.tour_start + sub.tour_len > t))
            s = m.new_int_var(0, int(sub.need[0]), f"s{t}")
            m.add(sum(x[j] for j in on) + s >= int(sub.need[0]))
            short.append(s)
        m.minimize(sum(short))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, (seconds - (time.perf_counter() - t0))
                                                   / (len(p.caps) - c))
        solver.parameters.num_workers = 2
        status = solver.solve(m)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        total += int(solver.objective_value) if found else int(sub.need[0]) * sub.months
        bound += int(np.ceil(solver.best_objective_bound - 1e-6)) if found else 0
        proven += status == cp_model.OPTIMAL
    return {"shortfall": total, "bound": bound, "capabilities_proven": proven,
            "seconds": round(time.perf_counter() - t0, 2), "cpu_s": round(_cpu() - c0, 2)}


def highs_shortfall(p: RosterProblem, seconds: float) -> dict:
    """The same parts' least shortfall with HiGHS alone (what :func:`cpsat_shortfall` solves)."""
    import scipy.sparse as sp

    from forcegen.exercises._roster_model import point_of, rows_of, solve_stage

    c0, t0 = _cpu(), time.perf_counter()
    total = bound = proven = 0
    base = greedy_roster(p)
    in_base = np.zeros(p.tour_unit.size, dtype=bool)
    in_base[base] = True
    for c in range(len(p.caps)):
        sub, idx = capability_part(p, c)
        rows, ncol = rows_of(sub)
        a, lo, hi = rows.matrix(ncol)
        nt, n_s = idx.size, sub.months
        until = time.perf_counter() + (seconds - (time.perf_counter() - t0)) / (len(p.caps) - c)
        _, value, low, ok = solve_stage(
            "shortfall", np.r_[np.zeros(nt), np.ones(n_s), 0.0], (sp.csr_array(a), lo, hi),
            (np.zeros(ncol), np.r_[np.ones(nt), np.full(n_s, float(sub.need[0])), np.inf],
             np.r_[np.ones(nt + n_s, dtype=bool), False]),
            point_of(sub, np.flatnonzero(in_base[idx]).astype(np.int64), ncol), until)
        total, bound, proven = total + value, bound + low, proven + ok
    return {"shortfall": total, "bound": bound, "capabilities_proven": proven,
            "seconds": round(time.perf_counter() - t0, 2), "cpu_s": round(_cpu() - c0, 2)}


def run(spec: str, time_limit: float, cpsat: float = 0.0) -> dict:
    units, caps, months = (int(x) for x in spec.split("x"))
    p = instance(7, units, caps, months)
    t0 = time.perf_counter()
    g = greedy_roster(p)
    tg = time.perf_counter() - t0
    c0 = _cpu()
    plan = solve_roster(p, time_limit)
    cpu = _cpu() - c0
    required = int(p.need.sum()) * months
    row = {"case": spec, "tours_possible": int(p.tour_unit.size),
           "required_unit_months": required,
           "greedy": {"shortfall": p.shortfall(g), "tours": int(g.size),
                      "seconds": round(tg, 3)},
           "highs": {"status": plan.status, "shortfall": plan.shortfall, "bound": plan.bound,
                     "tours": int(plan.chosen.size), "seconds": round(plan.seconds, 2),
                     "cpu_s": round(cpu, 2), "stages": plan.stages},
           "covered_ratio_vs_greedy": round((required - plan.shortfall)
                                            / max(1, required - p.shortfall(g)), 4)}
    if cpsat > 0:
        row["shortfall_parts"] = {"cp-sat": cpsat_shortfall(p, cpsat),
                                  "highs": highs_shortfall(p, cpsat)}
    print(json.dumps(row))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", default=[],
                    help="UNITSxCAPABILITIESxMONTHS, e.g. 2000x50x24 (repeatable)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--cpsat", type=float, default=0.0,
                    help="also solve the shortfall stage's parts with CP-SAT in this many s")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    doc = {"machine": f"{platform.machine()} {platform.system()}, shared 2-core box",
           "time_limit": args.time_limit,
           "load_before": Path("/proc/loadavg").read_text().split()[:3],
           "cases": [run(c, args.time_limit, args.cpsat) for c in args.case or ["2000x50x24"]]}
    doc["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
