"""What-if re-plans on the generated 5,000-line deployment, from the base plan and cold.

The issue's target: what-if re-plans at that size within 5 s. Loaded once in process; the base
plan is solved first (as ``forcegen deploy`` does with a what-if), then each what-if is solved
with ``time_limit`` seconds twice: starting from the base plan (``warm``, used when it still
fits) and from the heuristics (``cold``). Wall and CPU seconds (all threads) per what-if,
plan and JSON document included, with the load average.

Usage::

    python bench/deploy_whatif.py --out bench/results/deploy_generated_whatif.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_generated import generate
from forcegen.deployment import deployment_from_scenario, plan_deployment, with_lift
from forcegen.deployment.whatif import shift_c_day
from forcegen.scenario import scenario_from_dict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--movements", type=int, default=5000)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    dep = deployment_from_scenario(scenario_from_dict(generate(args.movements)))
    cap = {x.id: x.capacity for x in dep.lift}
    t0 = time.perf_counter()
    base = plan_deployment(dep, time_limit=55)
    base_s = time.perf_counter() - t0
    cases = {"lift L05 +50 %": with_lift(dep, {"L05": cap["L05"] * 3 // 2}),
             "lift L03 halved": with_lift(dep, {"L03": cap["L03"] // 2}),
             "C-day 3 days later": shift_c_day(dep, 3)}
    runs = []
    for name, alt in cases.items():
        for how in ("warm", "cold"):
            load = os.getloadavg()
            t, cpu = time.perf_counter(), time.process_time()
            r = plan_deployment(alt, time_limit=args.time_limit,
                                warm=base if how == "warm" else None).to_dict()
            runs.append({"what_if": name, "start": how,
                         "seconds": round(time.perf_counter() - t, 2),
                         "cpu_seconds": round(time.process_time() - cpu, 2),
                         "notes": r["notes"],
                         "status": r["status"], "closure": r["closure"], "bound": r["bound"],
                         "lateness": r["lateness"], "lateness_bound": r["lateness_bound"],
                         "loadavg_before": [round(x, 2) for x in load]})
            print(json.dumps(runs[-1]), flush=True)
    res = {"benchmark": "what-if re-plans, generated deployment (in process, after loading)",
           "movements": args.movements, "time_limit": args.time_limit,
           "base": {"seconds": round(base_s, 2), "status": base.plan.status,
                    "closure": base.plan.closure, "lateness": base.plan.lateness},
           "runs": runs, "machine": {"cpus": os.cpu_count(),
                                     "note": "2 cores shared with other jobs"}}
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
