"""Chao-Golden-Wasil team orienteering instances through ``forcegen patrol --json``.

Each instance becomes a patrol file exactly as issue 13 says: the first point is the start, the
last the end, the others areas with their scores; a complete ``legs`` table of Euclidean
distances; one vessel per team member with endurance = the time limit. ``forcegen patrol`` runs
as a subprocess (once with the default method, once with ``--method greedy`` as the baseline in
the same run); the routes are re-checked here from the raw instance (each route's length within
the limit, each area at most once, score sum) and compared with chaoResults_bks.txt.

    python bench/patrol_top.py --sample 40 --time-limit 20 \
        --out bench/results/patrol_top_sample.json

Data: bench/data/top_chao (Chao, Golden & Wasil 1996; see SOURCE.md there).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("TOP_CHAO", Path(__file__).parent / "data" / "top_chao"))
TOL = 1e-6  # hours of slack on the limit when re-checking a route
#: Listed best-known values that need more than the budget the instance file prints. The set 1
#: budgets for three paths are two thirds of those for two (p1.2.h: 20, so p1.3.h: 40/3 =
#: 13.333), printed with one decimal: 13.3. The listed 75 for p1.3.h is the path
#: start-a026-a025-a019-a018-end (35) with a027-a028 (20) and a005-a004-a017 (20); the first
#: path is 13.318 long: within 40/3, over 13.3. Under 13.3, CP-SAT proves 70.
BUDGET_NOTES = {
    "p1.3.h": "listed 75 needs the unrounded budget 40/3 = 13.333 (a path of 13.318); the file "
              "prints 13.3, under which 70 is proven optimal",
}


def read_instance(path: Path) -> tuple[int, float, list[tuple[float, float, float]]]:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    pts = [(float(a), float(b), float(c)) for a, b, c in lines[3:]]
    return m, tmax, pts


def encode(path: Path, folder: Path) -> None:
    """Write ``patrol.yaml`` and ``legs.csv`` for one instance into ``folder``."""
    m, tmax, pts = read_instance(path)
    n = len(pts)
    names = ["start"] + [f"a{i:03d}" for i in range(1, n - 1)] + ["end"]
    with (folder / "legs.csv").open("w") as fh:
        fh.write("from,to,hours\n")
        for i in range(n):
            for j in range(n):
                if i != j:
                    d = math.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1])
                    fh.write(f"{names[i]},{names[j]},{d!r}\n")
    areas = "\n".join(f"    - {{id: {names[i]}, value: {pts[i][2]:g}}}" for i in range(1, n - 1))
    vessels = "\n".join(f"    - {{id: V{k + 1}, nation: NZL, start: start, end: end, "
                        f"endurance: {tmax!r}}}" for k in range(m))
    (folder / "patrol.yaml").write_text(
        f"forcegen: 1\nname: {path.stem}\npatrol:\n  legs: legs.csv\n  areas:\n{areas}\n"
        f"  vessels:\n{vessels}\n")


def check(path: Path, doc: dict) -> tuple[bool, float, str]:
    """Independent feasibility and score from the raw instance, not from forcegen's numbers."""
    m, tmax, pts = read_instance(path)
    n = len(pts)
    index = {f"a{i:03d}": i for i in range(1, n - 1)}
    seen: set[int] = set()
    total = 0.0
    if len(doc["routes"]) > m:
        return False, 0.0, "more routes than team members"
    for r in doc["routes"]:
        if not r["stops"]:  # the vessel does not sail (docs/scenario.md): nothing to check
            continue
        seq = [0] + [index[s] for s in r["stops"]] + [n - 1]
        length = sum(math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1])
                     for a, b in itertools.pairwise(seq))
        if length > tmax + TOL:
            return False, 0.0, f"{r['vessel']}: length {length} > {tmax}"
        for a in seq[1:-1]:
            if a in seen:
                return False, 0.0, f"area {a} visited twice"
            seen.add(a)
            total += pts[a][2]
    if abs(total - doc["total"]) > 1e-6:
        return False, total, f"reported total {doc['total']} != recomputed {total}"
    return True, total, ""


def run(folder: Path, time_limit: float, method: str) -> tuple[dict, float]:
    cmd = [sys.executable, "-m", "forcegen", "patrol", str(folder), "--json", "--drop-unreachable",
           "--time-limit", str(time_limit), "--method", method]
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    secs = time.monotonic() - t0
    if out.returncode != 0:  # recorded as a failure, not hidden: the run goes on
        err = out.stderr.strip().splitlines()[-1:] or ["?"]
        return {"error": f"exit {out.returncode}: {err[0]}", "routes": [], "total": 0.0,
                "status": "error", "bound": None, "method": method}, secs
    return json.loads(out.stdout), secs


def pick(names: list[str], sample: int) -> list[str]:
    """Every k-th instance of the list sorted by set, so each set is represented."""
    if sample <= 0 or sample >= len(names):
        return names
    step = len(names) / sample
    return [names[int(i * step)] for i in range(sample)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=0, help="instances to run (0 = all 387)")
    ap.add_argument("--only", nargs="*", default=None, help="instance names, e.g. p1.2.a")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    bks = {ln.split()[0].removesuffix(".txt"): float(ln.split()[1])
           for ln in (DATA / "chaoResults_bks.txt").read_text().splitlines() if ln.strip()}
    files = {p.stem: p for p in DATA.glob("Set_*/p*.txt")}
    names = sorted(files, key=lambda s: [int(x) if x.isdigit() else x for x in s.split(".")])
    names = args.only if args.only else pick(names, args.sample)
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            encode(files[name], Path(tmp))
            doc, secs = run(Path(tmp), args.time_limit, "auto")
            gdoc, gsecs = run(Path(tmp), args.time_limit, "greedy")
        ok, total, why = check(files[name], doc)
        if "error" in doc:
            ok, why = False, doc["error"]
        gok, gtotal, _ = check(files[name], gdoc)
        row = {"instance": name, "bks": bks.get(name), "total": total, "feasible": ok,
               "why": why, "status": doc["status"], "bound": doc["bound"],
               "method": doc["method"], "seconds": round(secs, 2), "greedy": gtotal,
               "greedy_feasible": gok, "greedy_seconds": round(gsecs, 2),
               "reached_bks": ok and bks.get(name) is not None and total >= bks[name] - 1e-6}
        # A proven optimum below the listed value: that value assumes another budget (see
        # BUDGET_NOTES); the instance counts as at its best under the budget its file prints.
        row["at_best"] = row["reached_bks"] or (ok and doc["status"] == "optimal")
        if row["at_best"] and not row["reached_bks"]:
            row["note"] = BUDGET_NOTES.get(name, "proven optimal below the listed best-known")
        rows.append(row)
        print(json.dumps(row), flush=True)
    reached = sum(r["reached_bks"] for r in rows)
    at_best = sum(r["at_best"] for r in rows)
    summary = {
        "kind": "sample" if len(rows) < len(files) else "full",
        "instances": len(rows), "time_limit_s": args.time_limit,
        "reached_bks": reached, "reached_bks_share": round(reached / max(1, len(rows)), 4),
        "at_best": at_best, "at_best_share": round(at_best / max(1, len(rows)), 4),
        "all_feasible": all(r["feasible"] for r in rows),
        "proven_optimal": sum(r["status"] == "optimal" for r in rows),
        "max_seconds": max((r["seconds"] for r in rows), default=0.0),
        "mean_gap_to_bks": round(sum((r["bks"] - r["total"]) / r["bks"] for r in rows
                                     if r["bks"]) / max(1, len(rows)), 5),
        "greedy_reached_bks": sum(r["greedy"] >= (r["bks"] or 0) - 1e-6 for r in rows),
        "machine": "2 cores shared with ~7 other sessions; CP-SAT limited to 2 workers",
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
