"""Programme and roster one after the other against planned together (``--coupled``).

Generated scenarios (seeded, written as YAML and loaded like any file): nations pledging units
of a few capabilities, a year of exercises of which some award the certification the standby
asks for, some units deployed a while, and a standby roster of three-month tours with three
months' rest. Per case, from one run: the sequential roster's shortfall and the units it rests
in an exercise; the coupled roster's shortfall (none rested in an exercise), each round, the
programme's value and lines; CPU seconds of each.

    python bench/roster_coupling.py --case 40x60 --case 80x120 \
        --out bench/results/exercises_coupling.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from forcegen.exercises import load_programme, plan_exercises
from forcegen.exercises.coupling import conflicts, plan_together
from forcegen.exercises.roster_result import plan_roster

CAPS = ["INF-LIGHT-BN", "ENG-BN", "SIGNAL-BN", "ROLE2-MED"]
NATIONS = ["GBR", "NZL", "AUS", "CAN"]


def scenario(seed: int, exercises: int, units: int) -> dict:
    rng = np.random.default_rng(seed)
    start = dt.date(2027, 1, 4)
    pledges, count = [], 0
    while count < units:
        n, c = NATIONS[len(pledges) % 4], CAPS[(len(pledges) // 4) % 4]
        q = int(rng.integers(1, 4))
        pledges.append({"id": f"P-{n}-{len(pledges):03d}", "nation": n, "capability": c,
                        "quantity": q, "personnel": 400, "notice_days": 20,
                        "status": "approved"})
        count += q
    exs = []
    for i in range(exercises):
        weeks = int(rng.integers(1, 4))
        a = int(rng.integers(0, 44))
        b = min(52, a + weeks + int(rng.integers(2, 14)))
        caps = rng.choice(4, size=int(rng.integers(1, 3)), replace=False)
        ex = {"id": f"EX-{i:03d}", "name": f"Exercise {i}", "kind": "livex", "weeks": weeks,
              "window": [str(start + dt.timedelta(weeks=a)),
                         str(start + dt.timedelta(weeks=b) - dt.timedelta(days=1))],
              "area": [f"A{int(x)}" for x in rng.choice(6, size=2, replace=False)],
              "needs": [{"capability": CAPS[int(c)], "quantity": int(rng.integers(1, 3))}
                        for c in caps], "value": int(rng.integers(1, 10))}
        if rng.random() < 0.35:
            ex["certifies"] = ["CERT-READY"]
        exs.append(ex)
    unavailable = []
    for pl in pledges[::5]:
        s = int(rng.integers(0, 40))
        unavailable.append({"unit": f"{pl['id']}/1" if pl["quantity"] > 1 else pl["id"],
                            "start": str(start + dt.timedelta(weeks=s)),
                            "end": str(start + dt.timedelta(weeks=s + int(rng.integers(4, 12))))})
    return {
        "forcegen": 1, "name": f"generated programme {seed}", "currency": "GBP",
        "nations": [{"code": n, "name": n} for n in NATIONS],
        "sectors": [{"id": "north", "name": "North", "at": [30.5, 50.4]}],
        "requirements": [{"id": "R-01", "capability": "INF-LIGHT-BN", "quantity": 2,
                          "sector": "north", "priority": 1, "notice_days": 30,
                          "start": "2027-09-06", "certified": ["CERT-READY"]}],
        "pledges": pledges, "programme_start": str(start), "units_rest_weeks": 1,
        "training_areas": [{"id": f"A{i}", "name": f"Area {i}", "capacity": 2}
                           for i in range(6)],
        "units_unavailable": unavailable, "exercises": exs,
        "standby": {"start": "2027-04-01", "months": 9, "tour_months": 3, "rest_months": 3,
                    "certified": ["CERT-READY"],
                    "requires": [{"capability": c, "quantity": max(1, units // 40)}
                                 for c in CAPS[:3]]}}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(spec: str, time_limit: float, seed: int) -> dict:
    units, exercises = (int(x) for x in spec.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "scenario.yaml"
        f.write_text(yaml.safe_dump(scenario(seed, exercises, units), sort_keys=False))
        prog = load_programme(f)
        c0, w0 = _cpu(), time.perf_counter()
        alone = plan_exercises(prog, time_limit=time_limit)
        seq = plan_roster(alone, time_limit=time_limit)
        c1, w1 = _cpu(), time.perf_counter()
        co = plan_together(prog, time_limit=time_limit)
        c2, w2 = _cpu(), time.perf_counter()
    row = {"case": spec, "seed": seed, "units": len(prog.units),
           "required_unit_months": int(seq.problem.need.sum()) * seq.problem.months,
           "sequential": {"value": alone.plan.value, "lines": alone.plan.lines,
                          "shortfall": seq.plan.shortfall,
                          "rests_in_exercise": len(conflicts(alone, seq)),
                          "cpu_s": round(c1 - c0, 2), "wall_s": round(w1 - w0, 2)},
           "coupled": {"value": co.exercises.plan.value, "lines": co.exercises.plan.lines,
                       "shortfall": co.roster.plan.shortfall,
                       "rests_in_exercise": len(conflicts(co.exercises, co.roster)),
                       "rounds": co.rounds, "cpu_s": round(c2 - c1, 2),
                       "wall_s": round(w2 - w1, 2)},
           "cpu_ratio_coupled_vs_sequential": round((c2 - c1) / max(1e-9, c1 - c0), 2)}
    print(json.dumps(row))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", default=[], help="UNITSxEXERCISES (repeatable)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    doc = {"machine": f"{platform.machine()} {platform.system()}, shared 2-core box",
           "time_limit": args.time_limit,
           "load_before": Path("/proc/loadavg").read_text().split()[:3],
           "cases": [run(c, args.time_limit, s) for c in args.case or ["40x60"]
                     for s in range(args.seeds)]}
    doc["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
