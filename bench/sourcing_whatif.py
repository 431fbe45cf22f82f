"""What-if re-solve on a kept ``Sourcer``: this code against another source folder, CPU seconds.

    python bench/sourcing_whatif.py --baseline-src OLD/src [--repeat 3] [--out FILE]

For each 1,000-line case of ``sourcing_wall.py`` (same generator, same seed) a child process
loads the scenario, solves it, then re-solves with the largest contributor of the base plan
withdrawn (what a planner does in the workspace). The child reports wall and CPU seconds of both
solves and the what-if's stages; this code and the baseline code alternate, so both share the
machine's load. CPU seconds are the figure to read on a shared machine: wall time there grows
with the load, CPU time much less. Results: ``bench/results/sourcing_whatif.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sourcing_wall as wall  # the case generator and machine facts, beside this file

HERE = Path(__file__).resolve().parent
CASES = [(40, 5000, 1000, ppc, "yaml") for ppc in (10, 80, 400)]

CHILD = r"""
import json, sys, time
from forcegen.scenario import load_scenario
from forcegen.sourcing import Sourcer, SourcingOptions

def timed(f):
    c, t = time.process_time(), time.perf_counter()
    out = f()
    return out, round(time.process_time() - c, 3), round(time.perf_counter() - t, 3)

s = Sourcer(load_scenario(sys.argv[1]))
base, base_cpu, base_wall = timed(lambda: s.solve(SourcingOptions()))
nation = max(base.burden, key=lambda b: b.personnel).nation  # as sourcing_wall.py
plan, cpu, wall = timed(lambda: s.solve(SourcingOptions(withdraw=(nation,))))
print(json.dumps({
    "nation": nation, "base_cpu": base_cpu, "base_wall": base_wall,
    "whatif_cpu": cpu, "whatif_wall": wall, "status": plan.status, "fill": plan.fill,
    "cost": plan.cost, "stages": [(s["name"], s["status"], s["seconds"]) for s in plan.stages],
}))
"""


def run_child(path: Path, src: Path | None, python: str) -> dict[str, Any]:
    env = wall.src_env(src)
    la0 = wall.load1()
    out = subprocess.run([python, "-c", CHILD, str(path)], capture_output=True, text=True,
                              env=env, check=True)
    return {**json.loads(out.stdout), "load1_before": la0, "load1_after": wall.load1()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline-src", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--label", default=None)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sourcing_whatif.json")
    args = ap.parse_args()
    results: dict[str, Any] = {"machine": wall.machine(sys.executable), "cases": []}
    results["machine"]["baseline_src"] = str(args.baseline_src.resolve())
    if args.label:
        results["machine"]["label"] = args.label
    with tempfile.TemporaryDirectory() as tmp:
        for spec in CASES:
            name = wall.case_name(*spec)
            path = wall.write_case(Path(tmp) / name, *spec, seed=args.seed)
            this, base = [], []
            for _ in range(args.repeat):
                this.append(run_child(path, None, sys.executable))
                base.append(run_child(path, args.baseline_src, sys.executable))
            best = min(r["whatif_cpu"] for r in this)
            best_base = min(r["whatif_cpu"] for r in base)
            case = {
                "case": name, "nation": this[0]["nation"],
                "whatif_cpu_min": best, "baseline_whatif_cpu_min": best_base,
                "ratio_whatif_cpu": round(best / best_base, 3),
                "whatif_wall_min": min(r["whatif_wall"] for r in this),
                "baseline_whatif_wall_min": min(r["whatif_wall"] for r in base),
                "base_solve_cpu_min": min(r["base_cpu"] for r in this),
                "baseline_base_solve_cpu_min": min(r["base_cpu"] for r in base),
                "same_objective": all((r["fill"], r["cost"]) == (base[0]["fill"], base[0]["cost"])
                                      for r in this + base),
                "runs": this, "baseline_runs": base,
            }
            results["cases"].append(case)
            print(f"{name}: what-if CPU {best:.2f} s vs {best_base:.2f} s "
                  f"(ratio {case['ratio_whatif_cpu']}), same objective {case['same_objective']}",
                  file=sys.stderr)
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    results["machine"]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
