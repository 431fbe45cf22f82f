"""Every Chao-Golden-Wasil instance through the patrol planner, in one process.

``patrol_top.py`` runs ``forcegen patrol --json`` as a subprocess per instance (twice, for the
greedy baseline); on a shared 2-core machine the start-up alone costs seconds per run. This
script encodes each instance the same way (``patrol_top.encode``), loads it with
:func:`forcegen.patrols.load_patrol` and plans it with :func:`forcegen.patrols.solve.plan_patrols`
in-process, time-boxed per instance; the greedy baseline is the planner's own greedy start
(``greedy_total``), computed in the same run. Routes are re-checked from the raw instance
(``patrol_top.check``), never taken from the planner's numbers.

Rows are written to ``OUT.jsonl`` as they finish, so an interrupted run still leaves its rows;
the summary (share at the best-known value, mean gap, per set) goes to ``OUT``.

    python bench/patrol_top_full.py --time-limit 3 --out bench/results/patrol_top_full.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from forcegen.patrols import load_patrol
from forcegen.patrols.solve import plan_patrols
from patrol_top import BUDGET_NOTES, DATA, check, encode, pick


def _natural(name: str) -> list:
    return [int(x) if x.isdigit() else x for x in name.split(".")]


def run_one(name: str, path: Path, bks: float | None, time_limit: float,
            to_target: bool = False) -> dict:
    """Plan one instance and re-check the routes from the raw instance file.

    With ``to_target`` the planner stops once it reaches the best-known value (the row's
    ``seconds`` is then the time to reach it; CP-SAT does not run, so no bound is proven).
    """
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        encode(path, Path(tmp))
        t0, c0 = time.monotonic(), time.process_time()
        try:
            prob = load_patrol(Path(tmp), drop_unreachable=True)
            plan = plan_patrols(prob, time_limit=time_limit, method="auto", seed=0,
                                target=bks if to_target else None)
            doc = plan.to_dict()
        except Exception as exc:  # recorded, not hidden: the run goes on
            doc = {"error": f"{type(exc).__name__}: {exc}", "routes": [], "total": 0.0,
                   "status": "error", "bound": None, "method": "auto", "greedy_total": 0.0}
        secs, cpu = time.monotonic() - t0, time.process_time() - c0
    ok, total, why = check(path, doc)
    if "error" in doc:
        ok, why = False, doc["error"]
    reached = ok and bks is not None and total >= bks - 1e-6
    row = {"instance": name, "set": name.split(".")[0], "bks": bks, "total": total,
           "feasible": ok, "why": why, "status": doc["status"], "bound": doc["bound"],
           "method": doc["method"], "seconds": round(secs, 2), "cpu_seconds": round(cpu, 2),
           "greedy": doc["greedy_total"],
           "gap_to_bks": round((bks - total) / bks, 6) if bks else 0.0,
           "reached_bks": reached, "load_before": round(load0, 2)}
    row["at_best"] = reached or (ok and doc["status"] == "optimal")
    if row["at_best"] and not reached:
        row["note"] = BUDGET_NOTES.get(name, "proven optimal below the listed best-known")
    return row


def summarise(rows: list[dict], time_limit: float, total_instances: int) -> dict:
    """Shares at the best-known value, mean gap, greedy baseline; overall and per set."""
    def block(rs: list[dict]) -> dict:
        n = max(1, len(rs))
        return {
            "instances": len(rs),
            "reached_bks": sum(r["reached_bks"] for r in rs),
            "reached_bks_share": round(sum(r["reached_bks"] for r in rs) / n, 4),
            "at_best": sum(r["at_best"] for r in rs),
            "at_best_share": round(sum(r["at_best"] for r in rs) / n, 4),
            "mean_gap_to_bks": round(sum(r["gap_to_bks"] for r in rs) / n, 5),
            "max_gap_to_bks": max((r["gap_to_bks"] for r in rs), default=0.0),
            "greedy_reached_bks": sum(r["greedy"] >= (r["bks"] or 0) - 1e-6 for r in rs),
            "greedy_mean_gap_to_bks": round(sum((r["bks"] - r["greedy"]) / r["bks"]
                                                for r in rs if r["bks"]) / n, 5),
            "proven_optimal": sum(r["status"] == "optimal" for r in rs),
            "all_feasible": all(r["feasible"] for r in rs),
            "max_seconds": max((r["seconds"] for r in rs), default=0.0),
        }
    by_set: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_set[r["set"]].append(r)
    return {
        "kind": "full" if len(rows) >= total_instances else "partial",
        "time_limit_s": time_limit, **block(rows),
        "by_set": {s: block(rs) for s, rs in sorted(by_set.items(), key=lambda kv: kv[0])},
        "misses": [r["instance"] for r in rows if not r["at_best"]],
        "machine": "2 cores shared with other jobs; one instance at a time, in-process",
        "load_average_mean_before": round(sum(r["load_before"] for r in rows)
                                          / max(1, len(rows)), 2),
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=3.0, help="seconds per instance")
    ap.add_argument("--sample", type=int, default=0, help="instances to run (0 = all)")
    ap.add_argument("--only", nargs="*", default=None, help="instance names, e.g. p4.2.h")
    ap.add_argument("--misses", type=Path, default=None,
                    help="run the instances listed under summary.misses of this result file")
    ap.add_argument("--to-target", action="store_true",
                    help="stop each run at the best-known value (time to target)")
    ap.add_argument("--jobs", type=int, default=1, help="instances at a time (processes)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--summarise", action="store_true",
                    help="only summarise the rows already in OUT.jsonl (an interrupted run)")
    args = ap.parse_args()
    bks = {ln.split()[0].removesuffix(".txt"): float(ln.split()[1])
           for ln in (DATA / "chaoResults_bks.txt").read_text().splitlines() if ln.strip()}
    files = {p.stem: p for p in DATA.glob("Set_*/p*.txt")}
    names = pick(sorted(files, key=_natural), args.sample)
    if args.misses:
        names = json.loads(args.misses.read_text())["summary"]["misses"]
    if args.only:
        names = args.only
    stream = args.out.with_suffix(".jsonl")
    if args.summarise:
        rows = [json.loads(ln) for ln in stream.read_text().splitlines() if ln.strip()]
        summary = summarise(rows, args.time_limit, len(files))
        print(json.dumps(summary, indent=2))
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")
        return
    rows = []
    jobs = [(n, files[n], bks.get(n), args.time_limit, args.to_target) for n in names]
    with stream.open("w") as fh, ProcessPoolExecutor(max(1, args.jobs)) as ex:
        for row in ex.map(run_one, *zip(*jobs, strict=True)):
            row["to_target"] = args.to_target
            rows.append(row)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
    summary = summarise(rows, args.time_limit, len(files))
    summary["machine"] = (f"2 cores shared with other jobs; {max(1, args.jobs)} instance(s) at "
                          "a time, in-process")
    summary["to_target"] = args.to_target
    print(json.dumps(summary, indent=2))
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
