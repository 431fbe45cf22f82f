"""Readiness benchmark: OR-Library p-median / p-center / capacitated, and disruption scenarios.

Usage::

    python bench/readiness.py [--pmed 1-40] [--cap all] [--max-nodes 400] [--samples 100000]
    python bench/readiness.py --pmed 21-40 --max-nodes 900 --pmed-limit 300 --no-pcenter \
        --cap none --samples 0    # the 500-900 node instances only

- p-median: each pmed instance with up to ``--max-nodes`` vertices is solved exactly with a
  ``--pmed-limit`` (default 60 s) limit (radius formulation, HiGHS) and compared to OR-Library's
  optimum; the heuristic (greedy + interchange, same run) is reported as a ratio to the optimum.
- cap: capacitated instances with a 10 s limit against OR-Library ``capopt``.
- disruption: ``--samples`` Monte Carlo scenarios (depot losses p=0.1) on the example
  scenario (``examples/reassurance-force``) with 1 and 2 worker processes.

OR-Library files are read from ``--orlib`` (default ``../shared/benchmarks``): a benchmark input,
never a runtime dependency. Results: ``bench/results/readiness.json``; a partial run (``--pmed``
subset, ``--cap none``, ``--samples 0``) replaces only the rows it re-ran and keeps the rest.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from forcegen.readiness._heuristics import greedy_interchange
from forcegen.readiness.preposition import preposition, preposition_capacitated

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("orlib_to_scenario", HERE / "orlib_to_scenario.py")
assert spec is not None and spec.loader is not None
orlib = importlib.util.module_from_spec(spec)
spec.loader.exec_module(orlib)


def _range(text: str, hi: int) -> list[int]:
    if text == "all":
        return list(range(1, hi + 1))
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def bench_pmed(root: Path, which: list[int], max_nodes: int, limit: float,
               pcenter: bool = True) -> list[dict[str, Any]]:
    opt = {r["instance"]: r for r in csv.DictReader((root / "pmed_known_optima.csv").open())}
    rows = []
    for k in which:
        name = f"pmed{k}"
        if int(opt[name]["vertices"]) > max_nodes:
            continue
        d, p = orlib.read_pmed(root / f"{name}.txt")
        n = d.shape[0]
        ids = [str(i) for i in range(n)]
        t0 = time.perf_counter()
        h = greedy_interchange(d, np.ones(n), p)
        th = time.perf_counter() - t0
        hval = float(d[h].min(axis=0).sum())
        t0 = time.perf_counter()
        res = preposition(d, np.ones(n), ids, ids, p=p, time_limit=limit)
        t_exact = time.perf_counter() - t0
        best = float(opt[name]["pmedian_opt"])
        row = {
            "instance": name, "n": n, "p": p, "published": best, "total": res.total,
            "status": res.status, "gap": res.gap, "seconds": round(t_exact, 3),
            "reached_optimum": bool(abs(res.total - best) < 1e-6),
            "time_limit": limit, "load_average_1min": round(os.getloadavg()[0], 2),
            "heuristic": hval, "heuristic_ratio": hval / best, "heuristic_seconds": round(th, 4),
        }
        if pcenter:
            t0 = time.perf_counter()
            pc = preposition(d, np.ones(n), ids, ids, p=p, objective="worst", time_limit=limit)
            row.update({"pcenter": pc.objective,
                        "pcenter_published": float(opt[name]["pcenter_opt"]),
                        "pcenter_status": pc.status,
                        "pcenter_seconds": round(time.perf_counter() - t0, 3)})
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def bench_cap(root: Path, names: list[str], limit: float) -> list[dict[str, Any]]:
    opt = {r["instance"]: float(r["opt_value"])
           for r in csv.DictReader((root / "cap_known_optima.csv").open())}
    rows = []
    for name in names:
        q, f, dem, c = orlib.read_cap(root / f"{name}.txt")
        m, n = c.shape
        t0 = time.perf_counter()
        res = preposition_capacitated(c, dem, q, f, [str(i) for i in range(m)],
                                      [str(j) for j in range(n)], time_limit=limit)
        secs = time.perf_counter() - t0
        row = {"instance": name, "m": m, "n": n, "published": opt[name],
               "objective": res.objective, "status": res.status, "seconds": round(secs, 3),
               "reached_optimum": bool(abs(res.objective - opt[name]) < 0.01)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def bench_disruption(example: Path, samples: int) -> dict[str, Any]:
    from forcegen.readiness._disruptions import disruption_model
    from forcegen.readiness.robustness import simulate
    from forcegen.scenario import load_scenario

    sc = load_scenario(example)
    t0 = time.perf_counter()
    model = disruption_model(sc, fail_prob=0.1)
    t_model = time.perf_counter() - t0
    out: dict[str, Any] = {"example": str(example), "samples": samples,
                           "depots": len(model.depot_ids), "sectors": len(model.sector_ids),
                           "model_seconds": round(t_model, 3)}
    for workers in (1, 2):
        t0 = time.perf_counter()
        simulate(model, samples, seed=0, workers=workers)
        out[f"seconds_workers_{workers}"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    linked = disruption_model(sc, fail_prob=0.1, link_prob=0.01, link_patterns=32)
    out["link_patterns_32_seconds"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    simulate(linked, samples, seed=0, workers=2)
    out["seconds_with_link_patterns_workers_2"] = round(time.perf_counter() - t0, 3)
    print(json.dumps(out), flush=True)
    return out


def _merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``old`` not re-run, replaced by ``new`` ones, in instance-number order."""
    rows = {r["instance"]: r for r in old} | {r["instance"]: r for r in new}

    def key(name: str) -> tuple[str, int]:
        head = name.rstrip("0123456789")
        return head, int(name[len(head):] or 0)

    return [rows[k] for k in sorted(rows, key=key)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orlib", type=Path, default=HERE.parent.parent / "shared" / "benchmarks")
    ap.add_argument("--pmed", default="all", help="instances, e.g. 21-40 or 1,5,21-25")
    ap.add_argument("--pmed-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--no-pcenter", action="store_true", help="skip the p-center runs")
    ap.add_argument("--max-nodes", type=int, default=400)
    ap.add_argument("--cap", default="all", help="instance names, 'all' or 'none'")
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--example", type=Path, default=HERE.parent / "examples" / "reassurance-force")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "readiness.json")
    args = ap.parse_args()
    caps = sorted(p.stem for p in (args.orlib / "orlib_cap").glob("cap*.txt"))
    if args.cap != "all":
        caps = [c for c in caps if c in args.cap.split(",")]
    old: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    pmed = bench_pmed(args.orlib / "orlib_pmed", _range(args.pmed, 40), args.max_nodes,
                      args.pmed_limit, pcenter=not args.no_pcenter)
    cap = bench_cap(args.orlib / "orlib_cap", caps, 10.0)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "pmed": _merge(old.get("pmed", []), pmed),
        "cap": _merge(old.get("cap", []), cap),
        "disruption": (bench_disruption(args.example, args.samples) if args.samples
                       else old.get("disruption")),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
