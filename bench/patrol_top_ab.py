"""Two versions of the patrol planner side by side on the same Chao instances (A/B).

Each instance is encoded as ``patrol_top.encode`` does and run through ``forcegen patrol --json
--drop-unreachable --time-limit T`` once per version, the two commands started together (so
both see the same load; which one starts first alternates), each with ``PYTHONPATH`` pointing
at its version's ``src``. Recorded per run: the wall seconds of the whole command, its CPU
seconds (user + system of that child, from ``os.wait4``), the load average before, and the
routes re-checked from the raw instance (``patrol_top.check``).

    python bench/patrol_top_ab.py --a /work/main/src --b src --time-limit 60 \\
        --only p4.2.h p4.2.k --out bench/results/patrol_top_session8.json
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

from patrol_top import BUDGET_NOTES, DATA, check, encode


def _git(src: Path) -> str:
    out = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


def _start(src: Path, folder: Path, time_limit: float, out: Path) -> tuple[subprocess.Popen,
                                                                          float]:
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    cmd = [sys.executable, "-m", "forcegen", "patrol", str(folder), "--json",
           "--drop-unreachable", "--time-limit", str(time_limit)]
    with out.open("w") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL, env=env), \
            time.monotonic()


def run_pair(name: str, path: Path, bks: float | None, srcs: dict[str, Path],
             time_limit: float, first: str) -> list[dict]:
    """Both versions on one instance, started together; one row per version."""
    load0 = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        folder.mkdir()
        encode(path, folder)
        order = [first] + [v for v in srcs if v != first]
        procs = {v: _start(srcs[v], folder, time_limit, Path(tmp) / f"{v}.json") for v in order}
        done: dict[int, tuple[float, float, int]] = {}
        while len(done) < len(procs):
            pid, status, ru = os.wait4(-1, 0)
            done[pid] = (time.monotonic(), ru.ru_utime + ru.ru_stime, status)
        for v in order:
            proc, t0 = procs[v]
            t1, cpu, status = done[proc.pid]
            text = (Path(tmp) / f"{v}.json").read_text()
            doc = json.loads(text) if status == 0 and text.strip() else {
                "routes": [], "total": 0.0, "status": "error", "bound": None, "method": "?",
                "seconds": None}
            ok, total, why = check(path, doc)
            reached = ok and bks is not None and total >= bks - 1e-6
            row = {"instance": name, "version": v, "bks": bks, "total": total, "feasible": ok,
                   "why": why, "status": doc["status"], "bound": doc["bound"],
                   "method": doc["method"], "wall_seconds": round(t1 - t0, 2),
                   "reported_seconds": doc.get("seconds"), "cpu_seconds": round(cpu, 2),
                   "gap_to_bks": round((bks - total) / bks, 6) if bks else 0.0,
                   "reached_bks": reached, "started_first": v == first,
                   "load_before": round(load0, 2)}
            row["at_best"] = reached or (ok and doc["status"] == "optimal")
            if row["at_best"] and not reached:
                row["note"] = BUDGET_NOTES.get(name, "proven optimal below the listed value")
            rows.append(row)
    return rows


def summarise(rows: list[dict], versions: list[str]) -> dict:
    out = {}
    for v in versions:
        rs = [r for r in rows if r["version"] == v]
        n = max(1, len(rs))
        out[v] = {
            "instances": len(rs), "reached_bks": sum(r["reached_bks"] for r in rs),
            "at_best": sum(r["at_best"] for r in rs),
            "all_feasible": all(r["feasible"] for r in rs),
            "mean_gap_to_bks": round(sum(r["gap_to_bks"] for r in rs) / n, 5),
            "max_wall_seconds": max((r["wall_seconds"] for r in rs), default=0.0),
            "cpu_seconds_total": round(sum(r["cpu_seconds"] for r in rs), 1),
            "cpu_seconds_mean": round(sum(r["cpu_seconds"] for r in rs) / n, 2),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, required=True, help="src folder of version A")
    ap.add_argument("--b", type=Path, required=True, help="src folder of version B")
    ap.add_argument("--names", nargs=2, default=None, metavar=("A", "B"),
                    help="what the two versions are (default: their git commits)")
    ap.add_argument("--only", nargs="+", required=True, help="instance names, e.g. p4.2.h")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    bks = {ln.split()[0].removesuffix(".txt"): float(ln.split()[1])
           for ln in (DATA / "chaoResults_bks.txt").read_text().splitlines() if ln.strip()}
    files = {p.stem: p for p in DATA.glob("Set_*/p*.txt")}
    srcs = {"A": args.a, "B": args.b}
    versions = {v: {"src": str(s), "commit": _git(s)} for v, s in srcs.items()}
    for v, name in zip(srcs, args.names or [], strict=False):
        versions[v]["name"] = name
    rows: list[dict] = []
    jsonl = args.out.with_suffix(".jsonl")
    jsonl.write_text("")
    for i, name in enumerate(args.only):
        pair = run_pair(name, files[name], bks.get(name), srcs, args.time_limit,
                        "AB"[i % 2])
        rows += pair
        with jsonl.open("a") as fh:
            for r in pair:
                fh.write(json.dumps(r) + "\n")
        print(json.dumps(pair), flush=True)
    summary = {"time_limit_s": args.time_limit, "versions": versions,
               "by_version": summarise(rows, list(srcs)),
               "load_average_end": [round(x, 2) for x in os.getloadavg()],
               "how": "both versions started together per instance (first alternating), "
                      "each as a whole `forcegen patrol --json` command"}
    print(json.dumps(summary, indent=2))
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
