"""j60 cases CP-SAT alone left above the best-known bound: this checkout against another
(main), interleaved, each through ``forcegen deploy --json`` in its own process with its own
``PYTHONPATH``, each schedule re-checked from the .sm file (``deploy_psplib.run_case``).

The order alternates per instance (this checkout first, then the other first) so that a change
of load hurts both sides alike; each row has wall and CPU seconds (the child process, all
CP-SAT threads) and the load average.

Usage::

    python bench/deploy_j60_ga.py --other /work/main --time-limit 60 \
        --only j609_5,j6013_7 --out bench/results/deploy_psplib_j60_ga_session9.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("deploy_psplib", ROOT / "bench" / "deploy_psplib.py")
assert _spec is not None and _spec.loader is not None
BENCH = importlib.util.module_from_spec(_spec)
sys.modules["deploy_psplib"] = BENCH
_spec.loader.exec_module(BENCH)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--other", type=Path, required=True, help="the checkout to compare with")
    ap.add_argument("--this", type=Path, default=ROOT,
                    help="this side's checkout (default: this one; a frozen copy while editing)")
    ap.add_argument("--only", required=True, help="comma-separated j60 instance names")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    ref = BENCH.read_reference(BENCH.DATA / "j60hrs.sm")
    sides = {"branch": args.this.resolve(), "other": args.other.resolve()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="j60ga-") as tmp:
        for k, name in enumerate(n.strip() for n in args.only.split(",") if n.strip()):
            par, ins = (int(x) for x in name[3:].split("_"))
            for label in (["branch", "other"] if k % 2 == 0 else ["other", "branch"]):
                BENCH.ROOT = sides[label]  # run_case sets PYTHONPATH=<ROOT>/src
                folder = Path(tmp) / label
                folder.mkdir(exist_ok=True)
                row = BENCH.run_case(BENCH.DATA / "j60" / f"{name}.sm", ref[(par, ins)],
                                     args.time_limit, "cp-sat", folder)
                row["side"] = label
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    summary = {}
    for label in sides:
        rs = [r for r in rows if r["side"] == label]
        summary[label] = {
            "checkout": str(sides[label]), "cases": len(rs),
            "checked_feasible": sum(bool(r.get("feasible")) for r in rs),
            "reach_reference": sum(bool(r.get("feasible") and r["reaches_reference"])
                                   for r in rs),
            "days_above_reference": sum(int(r["closure"]) - int(r["reference"])
                                        for r in rs if r.get("feasible")),
            "cpu_seconds_mean": round(sum(float(r["cpu_seconds"]) for r in rs)
                                      / max(1, len(rs)), 1),
            "max_wall_seconds": max((float(r["wall_seconds"]) for r in rs), default=0.0)}
    doc = {"benchmark": "j60 misses, this checkout vs another, interleaved",
           "time_limit": args.time_limit, "machine": {
               "cpus": os.cpu_count(), "note": "2 cores shared with other engineers' jobs",
               "load_average_at_end": os.getloadavg()[0]},
           "summary": summary, "cases": rows}
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
