"""PSPLIB j30/j60 as deployment scenarios, solved by ``forcegen deploy --json`` and checked here.

Encoding (issue 12): each non-dummy activity is a movement with its duration as ``days``, its
request per renewable resource as ``lift``, its non-dummy predecessors in ``after``; each resource
is a lift type with its availability as ``capacity``; the dummy source and sink are dropped (so
closure = makespan). Each case runs ``forcegen deploy --json`` in a subprocess; the schedule it
prints is checked *here* (precedence and daily capacity recomputed from the .sm file, not from
forcegen's reading of it), and its closure compared to j30opt.sm (optima) or j60hrs.sm (best
known upper bounds). The greedy baseline is the one the same run reports in ``baseline``.

Usage::

    python bench/deploy_psplib.py --sample --time-limit 20 \
        --out bench/results/deploy_psplib_sample.json
    python bench/deploy_psplib.py --set j30 --time-limit 60          # all 480 (long)
    python bench/deploy_psplib.py --set j60 --only j609_5,j6013_7    # named instances

Source: PSPLIB, R. Kolisch and A. Sprecher, EJOR 96 (1996) 205-216 (see SOURCE.md beside the data).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PSPLIB_DIR", "/work/shared/benchmarks/psplib"))

__all__ = ["Instance", "check", "read_reference", "read_sm", "to_scenario"]


@dataclass(frozen=True)
class Instance:
    name: str
    dur: dict[int, int]                 # job -> duration (non-dummy jobs only)
    req: dict[int, list[int]]           # job -> request per resource
    preds: dict[int, list[int]]         # job -> non-dummy predecessors
    capacity: list[int]


def read_sm(path: Path) -> Instance:
    """Parse a PSPLIB single-mode .sm file (jobs 1 and n+2 are the dummies)."""
    lines = path.read_text().splitlines()
    n_jobs = next(int(x.split(":")[1]) for x in lines if x.startswith("jobs (incl."))
    sink = n_jobs
    i = next(k for k, x in enumerate(lines) if x.startswith("PRECEDENCE RELATIONS"))
    succ: dict[int, list[int]] = {}
    for row in lines[i + 2:i + 2 + n_jobs]:
        t = [int(v) for v in row.split()]
        succ[t[0]] = t[3:3 + t[2]]
    i = next(k for k, x in enumerate(lines) if x.startswith("REQUESTS/DURATIONS"))
    dur: dict[int, int] = {}
    req: dict[int, list[int]] = {}
    for row in lines[i + 3:i + 3 + n_jobs]:
        t = [int(v) for v in row.split()]
        dur[t[0]], req[t[0]] = t[2], t[3:]
    i = next(k for k, x in enumerate(lines) if x.startswith("RESOURCEAVAILABILITIES"))
    capacity = [int(v) for v in lines[i + 2].split()]
    real = [j for j in dur if j not in (1, sink)]
    preds: dict[int, list[int]] = {j: [] for j in real}
    for a, bs in succ.items():
        for b in bs:
            if a in preds and b in preds:
                preds[b].append(a)
    return Instance(path.stem, {j: dur[j] for j in real}, {j: req[j] for j in real}, preds,
                    capacity)


def to_scenario(inst: Instance) -> dict[str, object]:
    """The deployment scenario (as a YAML-ready dict) for one instance."""
    lift = [{"id": f"R{k + 1}", "mode": "road", "capacity": c}
            for k, c in enumerate(inst.capacity)]
    moves = []
    for j in sorted(inst.dur):
        m: dict[str, object] = {"id": f"J{j}", "days": inst.dur[j],
                                "lift": {f"R{k + 1}": r for k, r in enumerate(inst.req[j]) if r}}
        if inst.preds[j]:
            m["after"] = [f"J{a}" for a in inst.preds[j]]
        moves.append(m)
    return {"forcegen": 1, "name": f"PSPLIB {inst.name}", "lift": lift, "movements": moves}


def check(inst: Instance, movements: list[dict[str, object]]) -> tuple[int, list[str]]:
    """Closure of the printed schedule and every violation found (empty = feasible)."""
    errors: list[str] = []
    start = {int(str(m["id"])[1:]): int(m["start"]) for m in movements}  # type: ignore[call-overload]
    if set(start) != set(inst.dur):
        errors.append(f"movements {sorted(set(inst.dur) ^ set(start))} missing or extra")
        return -1, errors
    for j, ps in inst.preds.items():
        for a in ps:
            if start[j] < start[a] + inst.dur[a]:
                errors.append(f"J{j} starts {start[j]} before J{a} arrives "
                              f"{start[a] + inst.dur[a]}")
    closure = max((start[j] + inst.dur[j] for j in start), default=0)
    for t in range(closure):
        for k, cap in enumerate(inst.capacity):
            use = sum(inst.req[j][k] for j in start if start[j] <= t < start[j] + inst.dur[j])
            if use > cap:
                errors.append(f"day {t}: R{k + 1} use {use} > {cap}")
    if any(s < 0 for s in start.values()):
        errors.append("negative start")
    return closure, errors


def read_reference(path: Path) -> dict[tuple[int, int], int]:
    """``(parameter, instance) -> makespan`` from j30opt.sm or j60hrs.sm."""
    out: dict[tuple[int, int], int] = {}
    for row in path.read_text().splitlines():
        t = row.split()
        if len(t) >= 3 and t[0].isdigit() and t[1].isdigit() and t[2].isdigit():
            out[(int(t[0]), int(t[1]))] = int(t[2])
    return out


def run_case(path: Path, ref: int, time_limit: float, solver: str, tmp: Path) -> dict[str, object]:
    inst = read_sm(path)
    folder = tmp / inst.name
    folder.mkdir(exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(to_scenario(inst), sort_keys=False))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "forcegen", "deploy", str(folder), "--json", "--time-limit",
         str(time_limit), "--solver", solver], capture_output=True, text=True, env=env,
        check=False)
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    row: dict[str, object] = {"instance": inst.name, "solver": solver, "reference": ref,
                              "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                              "load": round(os.getloadavg()[0], 1), "exit": proc.returncode}
    if proc.returncode != 0:
        row["error"] = proc.stderr[-2000:]
        return row
    doc = json.loads(proc.stdout)  # exactly one JSON document, or this raises
    closure, errors = check(inst, doc["movements"])
    row.update(status=doc["status"], closure=doc["closure"], bound=doc["bound"], gap=doc["gap"],
               solve_seconds=doc["seconds"], greedy_closure=doc["baseline"]["closure"],
               greedy_seconds=doc["baseline"]["seconds"], checked_closure=closure,
               violations=errors[:5], feasible=not errors and closure == doc["closure"],
               reaches_reference=closure <= ref, below_reference=closure < ref,
               bound_valid=doc["bound"] <= ref)
    return row


def sample(set_name: str, even: bool = False) -> list[tuple[int, int]]:
    """A spread sample: j30 one instance of each of the 48 parameter sets, j60 one of every
    second set (instance number cycling 1..10 so that every instance index appears); ``even``:
    j60's other 24 sets instead (the two samples together cover all 48 parameter sets)."""
    if set_name == "j30":
        return [(p, (p - 1) % 10 + 1) for p in range(1, 49)]
    return [(p, (p // 2) % 10 + 1) for p in range(2 if even else 1, 49, 2)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--set", choices=["j30", "j60"], action="append")
    ap.add_argument("--sample", action="store_true", help="48 j30 + 24 j60 (see sample())")
    ap.add_argument("--even", action="store_true", help="with --sample: j60's even sets")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--solver", default="cp-sat", help="cp-sat, highs or greedy")
    ap.add_argument("--limit", type=int, default=0, help="only the first N cases of each set")
    ap.add_argument("--only", default="",
                    help="comma-separated instance names (e.g. j609_5,j6013_7): only these")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    sets = args.set or ["j30", "j60"]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="psplib-") as tmp_name:
        for s in sets:
            ref = read_reference(DATA / ("j30opt.sm" if s == "j30" else "j60hrs.sm"))
            cases = sample(s, args.even) if args.sample else sorted(ref)
            if only:
                cases = [(p, i) for p, i in sorted(ref) if f"{s}{p}_{i}" in only]
            if args.limit:
                cases = cases[:args.limit]
            for par, ins in cases:
                row = run_case(DATA / s / f"{s}{par}_{ins}.sm", ref[(par, ins)], args.time_limit,
                               args.solver, Path(tmp_name))
                row["set"] = s
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    summary: dict[str, object] = {}
    for s in sets:
        rs = [r for r in rows if r["set"] == s]
        ok = [r for r in rs if r.get("feasible")]
        summary[s] = {
            "cases": len(rs), "checked_feasible": len(ok),
            "reach_reference": sum(bool(r["reaches_reference"]) for r in ok),
            "below_reference": sum(bool(r["below_reference"]) for r in ok),
            "proven_optimal": sum(r["status"] == "optimal" for r in ok),
            "invalid_bounds": sum(not r["bound_valid"] for r in ok),
            "mean_closure_over_greedy": round(sum(int(r["closure"]) / int(r["greedy_closure"])
                                                  for r in ok) / max(1, len(ok)), 4),
            "max_wall_seconds": max((float(r["wall_seconds"]) for r in rs), default=0.0),
            "mean_wall_seconds": round(sum(float(r["wall_seconds"]) for r in rs)
                                       / max(1, len(rs)), 2),
        }
    doc = {"benchmark": "PSPLIB as deployment scenarios", "sample": args.sample,
           "solver": args.solver, "time_limit": args.time_limit, "machine": {
               "python": platform.python_version(), "cpus": os.cpu_count(),
               "note": "2 cores shared with other jobs; CP-SAT uses 2 workers",
               "load_average_at_end": os.getloadavg()[0]},
           "summary": summary, "cases": rows}
    text = json.dumps(doc, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
