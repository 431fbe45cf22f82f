"""Exercise scheduling: CP-SAT (forcegen's default) against the HiGHS time-indexed MILP on
small random programmes, and CP-SAT against the greedy baseline on scaled ones.

Cases are generated (seeded): exercises with windows, 1-3 acceptable areas, 1-2 needs drawn
from a few capabilities, some ``after`` links, units with a few unavailable weeks, rest 1 week.
Small cases: both exact solvers get the same time limit; we record time, status, value and
bound (the optima must agree when both prove them). Scaled cases: CP-SAT's value, proven bound
and gap, and the greedy baseline's value from the same run (ratio = CP-SAT / greedy).

    python bench/exercises_compare.py --out bench/results/exercises_compare.json
    python bench/exercises_compare.py --scaled 300x2000x40 --time-limit 120   # issue 16 target
    python bench/exercises_compare.py --cases 0 --scaled 60x400x10 --travel --time-limit 60
    python bench/exercises_compare.py --cases 0 --scaled 300x2000x40 --lines 40 \
        --time-limit 120 --out bench/results/exercises_lines.json   # second objective
    python bench/exercises_compare.py --cases 0 --value-stage 300x2000x40 --seeds 7 1 2 3 4 \
        --one-core --time-limit 120   # the value stage's candidates side by side, CPU seconds

``--value-stage`` runs, per seed and in one process: the greedy baseline; the full CP-SAT model
hinted with it (the value stage before session 8) for 70 % of the time limit; the units-pooled
model on HiGHS with staffing and fill-in (forcegen.exercises.aggregate, the stage now); the
full time-indexed MILP on HiGHS (``--with-milp``, first seed only); then ``solve_cpsat`` end to
end (``--end-to-end``, first seed). Each with wall and CPU seconds (``time.process_time``: all
of the process's threads) and the load average around it. ``--one-core`` pins the process to
one CPU (``sched_setaffinity``), as when the shared machine leaves the solver about one core;
``--nice 19`` lowers its priority below everything else on the machine as well.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from forcegen.exercises import cpsat as cpsat_mod
from forcegen.exercises._line_phase import count_lines
from forcegen.exercises.aggregate import fill_in, value_bound
from forcegen.exercises.cpsat import solve_cpsat
from forcegen.exercises.milp import solve_milp_value
from forcegen.exercises.problem import ExerciseProblem, greedy_schedule
from forcegen.exercises.travel import schedule_travel


def instance(seed: int, n: int, units: int, areas: int, caps: int, weeks: int = 52,
             rest: int = 1, n_lines: int = 0, lines_from: str = "exercises") -> ExerciseProblem:
    rng = np.random.default_rng(seed)
    dur = rng.integers(1, 4, n)
    lo = rng.integers(0, max(1, weeks - 8), n)
    hi = np.minimum(lo + rng.integers(2, 12, n), weeks - dur)
    hi = np.maximum(hi, lo)
    u_cap = np.arange(units) % caps
    needs = []
    for _ in range(n):
        ks = rng.choice(caps, size=int(rng.integers(1, 3)), replace=False)
        needs.append([(int(rng.integers(1, 4)), [int(u) for u in np.flatnonzero(u_cap == k)])
                      for k in ks])
    order = np.argsort(lo, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    preds = [[int(i) for i in order[max(0, rank[j] - 5):rank[j]] if rng.random() < 0.08]
             for j in range(n)]
    horizon = int((hi + dur).max()) + rest
    blocked = np.zeros((units, horizon), dtype=bool)
    for u in rng.choice(units, size=units // 5, replace=False):
        s = int(rng.integers(0, horizon - 4))
        blocked[u, s:s + int(rng.integers(2, 8))] = True
    value = rng.integers(1, 10, n).astype(np.int64)
    acceptable = [sorted(rng.choice(areas, size=int(rng.integers(1, min(3, areas) + 1)),
                                    replace=False).tolist()) for _ in range(n)]
    capacity = rng.integers(1, 3, areas).astype(np.int64)
    # Requirement lines asking one of 5 certifications by a week, of a capability; a quarter
    # of the exercises certify one of them. Their own stream: the rest of the case stays the
    # one measured before lines existed.
    rng = np.random.default_rng(seed + 10_000)
    certifies = [[int(rng.integers(0, 5))] if rng.random() < 0.25 else [] for _ in range(n)]
    lines = []
    givers = [e for e in range(n) if certifies[e]]
    for _ in range(n_lines):
        if lines_from == "random" or not givers:
            # Any capability, any certification, any week: most such lines no exercise can
            # certify (the first measurement: 40 asked, 10 possible at all).
            k = int(rng.integers(0, caps))
            lines.append((int(rng.integers(1, 4)), int(rng.integers(8, weeks)),
                          [int(rng.integers(0, 5))],
                          [int(u) for u in np.flatnonzero(u_cap == k)]))
            continue
        # A line a programme can answer: the certification and capability of one exercise
        # that awards it, needed by a week between its earliest and latest end (and a little
        # after), so whether it is certified in time depends on the schedule.
        e = givers[int(rng.integers(0, len(givers)))]
        q, cands = needs[e][int(rng.integers(0, len(needs[e])))]
        k = int(u_cap[cands[0]])
        late = hi[e] + dur[e] + 4 if lines_from == "exercises" else lo[e] + dur[e] + (
            hi[e] - lo[e]) // 2  # "early": only a start in the first half of its window
        last = int(rng.integers(lo[e] + dur[e], min(weeks, late) + 1))
        lines.append((int(rng.integers(1, q + 1)), last, [certifies[e][0]],
                      [int(u) for u in np.flatnonzero(u_cap == k)]))
    return ExerciseProblem(
        certifies=certifies, cert_ids=[f"C{c}" for c in range(5)], lines=lines,
        line_ids=[f"R{k:03d}" for k in range(n_lines)],
        ids=[f"E{i:04d}" for i in range(n)], dur=dur.astype(np.int64),
        value=value, lo=lo.astype(np.int64),
        hi=hi.astype(np.int64),
        areas=acceptable, needs=needs, preds=preds, area_ids=[f"A{a}" for a in range(areas)],
        capacity=capacity,
        unit_ids=[f"U{u:04d}" for u in range(units)], blocked=blocked, rest=rest)


def small(args: argparse.Namespace) -> list[dict]:
    out = []
    for seed in range(args.cases):
        p = instance(seed, n=args.n, units=args.units, areas=3, caps=3, weeks=20)
        row = {"seed": seed, "exercises": p.n, "units": len(p.unit_ids)}
        for name, fn in (("cp-sat", solve_cpsat), ("highs", solve_milp_value)):
            t0 = time.perf_counter()
            plan = fn(p, args.time_limit)
            row[name] = {"status": plan.status, "value": plan.value, "bound": plan.bound,
                         "seconds": round(time.perf_counter() - t0, 3)}
            if name == "cp-sat":  # the MILP has no tie-break phase: compare the value phase
                row[name]["value_phase_seconds"] = round(plan.value_seconds, 3)
        row["greedy_value"] = greedy_schedule(p).value(p)
        both = row["cp-sat"]["status"] == row["highs"]["status"] == "optimal"
        row["agree"] = (row["cp-sat"]["value"] == row["highs"]["value"]) if both else None
        print(json.dumps(row))
        out.append(row)
    return out


def with_travel(p: ExerciseProblem, seed: int) -> ExerciseProblem:
    """Home bases scattered around 5 garrison towns, areas anywhere in a 20 x 20 degree box."""
    from forcegen.network import haversine_km

    rng = np.random.default_rng(seed + 20_000)
    towns = rng.uniform(-10, 10, (5, 2))
    homes = towns[rng.integers(0, 5, len(p.unit_ids))] + rng.normal(0, 0.5, (len(p.unit_ids), 2))
    at = rng.uniform(-10, 10, (len(p.area_ids), 2))
    km = haversine_km(homes[:, None, 0], homes[:, None, 1], at[None, :, 0], at[None, :, 1])
    return dataclasses.replace(p, travel_km=np.rint(km).astype(np.int64))


def scaled(spec: str, time_limit: float, lines: int = 0, travel: bool = False,
           lines_from: str = "exercises") -> dict:
    n, units, areas = (int(x) for x in spec.split("x"))
    p = instance(7, n=n, units=units, areas=areas, caps=max(5, units // 40), n_lines=lines,
                 lines_from=lines_from)
    if travel:
        p = with_travel(p, 7)
    t0 = time.perf_counter()
    g = greedy_schedule(p)
    tg = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = solve_cpsat(p, time_limit)
    row = {"case": spec, "greedy_value": g.value(p), "greedy_seconds": round(tg, 3),
           "cp-sat": {"status": plan.status, "value": plan.value, "bound": plan.bound,
                      "gap": round(plan.gap, 4), "seconds": round(time.perf_counter() - t0, 1),
                      "value_phase_seconds": round(plan.value_seconds, 1),
                      "value_steps": plan.value_steps},
           "ratio_vs_greedy": round(plan.value / max(1, g.value(p)), 4),
           "lines": {"asked": lines, "from": lines_from, "certified": plan.lines,
                     "recounted": count_lines(p, plan.schedule),
                     "bound": plan.lines_bound, "proven": plan.lines_proven,
                     "gap": round((plan.lines_bound - plan.lines) / max(1, plan.lines_bound), 4),
                     "greedy": count_lines(p, g), "steps": plan.lines_steps},
           "tie_break_proven": plan.tie_break_proven}
    if p.travel_km is not None:
        greedy_km = schedule_travel(p.travel_km, g.start, g.area, g.units)
        row["travel"] = {"status": plan.travel_status, "km": plan.travel,
                         "lower_bound": plan.travel_bound, "greedy_km": greedy_km,
                         "ratio_vs_greedy": round((plan.travel or 0) / max(1, greedy_km), 4)}
    print(json.dumps(row))
    return row


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _timed(fn: Any) -> tuple[Any, dict]:
    load0, t0, c0 = _load(), time.perf_counter(), time.process_time()
    out = fn()
    return out, {"seconds": round(time.perf_counter() - t0, 3),
                 "cpu_seconds": round(time.process_time() - c0, 3),
                 "load_before": load0, "load_after": _load()}


def _old_value_stage(p: ExerciseProblem, seconds: float) -> dict:
    """The value stage as it was: the full CP-SAT model hinted with the greedy plan."""
    g = greedy_schedule(p)
    m, v = cpsat_mod._build(p)
    total = sum(int(p.value[e]) * v["held"][e] for e in range(p.n))
    m.maximize(total)
    cpsat_mod._hint(m, v, g)
    s = cpsat_mod._solver(seconds, cpsat_mod.DEFAULT_WORKERS)
    status = s.solve(m)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    value = cpsat_mod._read(p, s, v).value(p) if found else g.value(p)
    lb = s.best_objective_bound
    bound = int(p.value.sum())
    if np.isfinite(lb) and lb >= value:
        bound = int(np.floor(lb + 1e-6))
    return {"status": s.status_name(status), "value": value, "bound": bound,
            "gap": round((bound - value) / max(1, bound), 4)}


def _pooled_value_stage(p: ExerciseProblem, seconds: float) -> dict:
    g = greedy_schedule(p)
    agg = value_bound(p, seconds)
    best = g
    if agg.schedule is not None and fill_in(p, agg.schedule).value(p) > g.value(p):
        best = fill_in(p, agg.schedule)
    return {"status": agg.status, "value": best.value(p), "bound": agg.bound,
            "gap": round((agg.bound - best.value(p)) / max(1, agg.bound), 4),
            "pooled_value": agg.relaxed_value, "dropped_by_staffing": len(agg.dropped),
            "columns": agg.columns}


def _milp_value_stage(p: ExerciseProblem, seconds: float) -> dict:
    plan = solve_milp_value(p, seconds)
    return {"status": plan.status, "value": plan.value, "bound": plan.bound,
            "gap": round(plan.gap, 4)}


def value_stage(spec: str, seeds: list[int], time_limit: float, with_milp: bool,
                end_to_end: bool, lines: int) -> list[dict]:
    """The value stage's candidates side by side at one size, per seed (see the docstring)."""
    n, units, areas = (int(x) for x in spec.split("x"))
    rows = []
    for k, seed in enumerate(seeds):
        p = instance(seed, n=n, units=units, areas=areas, caps=max(5, units // 40),
                     n_lines=lines)
        row: dict[str, Any] = {"case": spec, "seed": seed}
        g, row["greedy"] = _timed(lambda p=p: greedy_schedule(p))
        row["greedy"]["value"] = g.value(p)
        for name, fn in (("pooled_highs", _pooled_value_stage),
                         ("cpsat_full_model", _old_value_stage),
                         ("highs_time_indexed", _milp_value_stage)):
            if name == "highs_time_indexed" and not (with_milp and k == 0):
                continue
            out, timing = _timed(lambda fn=fn, p=p: fn(p, 0.7 * time_limit))
            row[name] = out | timing
            row[name]["ratio_vs_greedy"] = round(out["value"] / max(1, g.value(p)), 4)
        if end_to_end and k == 0:
            plan, timing = _timed(lambda p=p: solve_cpsat(p, time_limit))
            row["solve_cpsat"] = timing | {
                "status": plan.status, "value": plan.value, "bound": plan.bound,
                "gap": round(plan.gap, 4), "value_phase_seconds": round(plan.value_seconds, 2),
                "value_steps": plan.value_steps,
                "lines": {"asked": lines, "certified": plan.lines, "bound": plan.lines_bound,
                          "proven": plan.lines_proven, "steps": plan.lines_steps},
                "tie_break_proven": plan.tie_break_proven, "notes": plan.notes,
                "ratio_vs_greedy": round(plan.value / max(1, g.value(p)), 4)}
        print(json.dumps(row))
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--n", type=int, default=12, help="exercises per small case")
    ap.add_argument("--units", type=int, default=12)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--scaled", action="append", default=[],
                    help="EXERCISESxUNITSxAREAS, e.g. 60x400x10 (repeatable)")
    ap.add_argument("--lines", type=int, default=0,
                    help="requirement lines asking certifications in scaled cases")
    ap.add_argument("--lines-from", choices=("exercises", "early", "random"),
                    default="exercises",
                    help="lines drawn from what exercises certify (default; 'early': needed "
                    "by the first half of the exercise's window) or at random")
    ap.add_argument("--travel", action="store_true",
                    help="scaled cases with home bases and area coordinates (third objective)")
    ap.add_argument("--value-stage", action="append", default=[],
                    help="EXERCISESxUNITSxAREAS: the value stage's candidates side by side")
    ap.add_argument("--seeds", type=int, nargs="+", default=[7])
    ap.add_argument("--one-core", action="store_true",
                    help="pin this process to one CPU (sched_setaffinity)")
    ap.add_argument("--nice", type=int, default=0,
                    help="lower this process's priority by N (os.nice) before solving")
    ap.add_argument("--with-milp", action="store_true",
                    help="--value-stage: also the full time-indexed MILP (first seed)")
    ap.add_argument("--end-to-end", action="store_true",
                    help="--value-stage: also solve_cpsat with every phase (first seed)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.nice:
        os.nice(args.nice)
    doc = {"machine": f"{platform.machine()} {platform.system()}, shared 2-core box",
           "time_limit": args.time_limit,
           "small": small(args) if args.cases else [],
           "load_before": Path("/proc/loadavg").read_text().split()[:3],
           "one_core": args.one_core, "cpus": sorted(os.sched_getaffinity(0)),
           "nice": os.nice(0),
           "scaled": [scaled(s, args.time_limit, args.lines, args.travel, args.lines_from)
                      for s in args.scaled],
           "value_stage": [row for s in args.value_stage for row in value_stage(
               s, args.seeds, args.time_limit, args.with_milp, args.end_to_end, args.lines)]}
    doc["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
