"""Relief matching at scale: a generated scenario file loaded, matched and checked.

Places are random points in the south-west Pacific with an airfield each; requests and offers
sit at places (offers by air, at a few notice hours and speeds; requests with a needed-by hour
and a priority 1-3) over a number of capabilities. Timed in the same run: reading the file
(YAML, validation, references), the pairs and their legs, the lexicographic matching, and the
greedy baseline of ``forcegen.relief.greedy`` (quality: units in time, exact vs greedy).

    python bench/relief_scale.py --size 200x2000x60x10 --out bench/results/relief_scale.json
    python bench/relief_scale.py --size 2000x20000x300x20      # issue 17's target
    python bench/relief_scale.py --size 2000x20000x300x20 --baseline-src /path/to/old/src

``--baseline-src`` also runs the same cases (same seed, same files) with the forcegen found in
that source folder, one after the other in this run, and reports CPU seconds after / before.
With ``--repeat N`` both run N times, each in a fresh process, alternating which goes first
(on a shared machine the load drifts), with the load average before each run and the median
ratio per size:

    python bench/relief_scale.py --size 2000x20000x300x20 --baseline-src /path/to/old/src \
        --repeat 3 --out bench/results/relief_scale_session8.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from forcegen.relief import load_relief, plan_relief
from forcegen.relief.greedy import greedy_units
from forcegen.relief.plan import stage_coefficients


def scenario(seed: int, n_req: int, n_off: int, n_places: int, n_caps: int) -> dict:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(150.0, 190.0, n_places)
    lat = rng.uniform(-35.0, -10.0, n_places)
    places = [[round(float(a - 360 if a > 180 else a), 3), round(float(b), 3)]
              for a, b in zip(lon, lat, strict=True)]
    caps = [f"ITEM-{k:02d}" for k in range(n_caps)]
    nations = ["NZL", "AUS", "GBR", "FRA", "FJI", "TON"]
    requests = [{"id": f"RQ-{j:05d}", "event": "E", "capability": caps[int(rng.integers(n_caps))],
                 "quantity": int(rng.integers(1, 11)),
                 "at": list(places[int(rng.integers(n_places))]),
                 "by_hours": int(rng.choice([24, 36, 48, 72])),
                 "priority": int(rng.integers(1, 4))} for j in range(n_req)]
    offers = [{"id": f"OF-{i:06d}", "nation": nations[int(rng.integers(len(nations)))],
               "capability": caps[int(rng.integers(n_caps))],
               "quantity": int(rng.integers(1, 4)),
               "home": list(places[int(rng.integers(n_places))]),
               "notice_hours": int(rng.choice([6, 12, 24, 48, 72])),
               "speed": int(rng.choice([450, 650, 800])), "cost": int(rng.integers(0, 5))}
              for i in range(n_off)]
    return {"forcegen": 1, "name": f"generated relief {n_req}x{n_off}",
            "nations": [{"code": n, "name": n} for n in nations],
            "relief": {"events": [{"id": "E", "started": "2027-02-10"}],
                       "items": [{"id": c} for c in caps], "requests": requests,
                       "offers": offers,
                       "airfields": [{"id": f"AF{k:03d}", "at": p}
                                     for k, p in enumerate(places)]}}


def run(size: str, seed: int, time_limit: float) -> dict:
    n_req, n_off, n_places, n_caps = (int(v) for v in size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario(seed, n_req, n_off, n_places, n_caps),
                                       default_flow_style=None, sort_keys=False))
        t0, c0 = time.perf_counter(), time.process_time()
        prob = load_relief(path)
        t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    plan = plan_relief(prob, time_limit=time_limit)
    t_plan, c_plan = time.perf_counter() - t1, time.process_time() - c1
    t2 = time.perf_counter()
    xg = greedy_units(prob)
    t_greedy = time.perf_counter() - t2
    stages = stage_coefficients(prob)
    greedy_in_time = sum(float(c @ xg) for name, _, c in stages if name.startswith("in time"))
    exact_in_time = sum(s.value for s in plan.stages if s.name.startswith("in time"))
    by_name = {name: c for name, _, c in stages}
    return {
        "size": size, "seed": seed, "pairs": len(prob.pairs), "status": plan.status,
        "seconds": {"load_and_pairs": round(t_load, 3), "match": round(t_plan, 3),
                    "total": round(t_load + t_plan, 3), "greedy": round(t_greedy, 3)},
        # CPU seconds of this process (all threads): on a shared machine wall time is mostly
        # waiting for a core, so this is the figure to compare.
        "cpu_seconds": {"load_and_pairs": round(c_load, 3), "match": round(c_plan, 3),
                        "total": round(c_load + c_plan, 3)},
        "stages": [{"name": s.name, "value": s.value, "status": s.status,
                    "seconds": round(s.seconds, 3)} for s in plan.stages],
        "units_in_time": {"exact": exact_in_time, "greedy": greedy_in_time,
                          "ratio_exact_over_greedy": exact_in_time / greedy_in_time
                          if greedy_in_time else None},
        "units_asked": int(sum(r.quantity for r in prob.data.requests)),
        "unit_arrival_hours": {
            "exact": next(s.value for s in plan.stages if s.name == "arrival hours"),
            "greedy": float(by_name["arrival hours"] @ xg)},
    }


def _baseline(src: Path, args: argparse.Namespace) -> list[dict]:
    """The same cases run by the forcegen in ``src`` (a subprocess), as JSON results."""
    cmd = [sys.executable, __file__, "--seed", str(args.seed), "--time-limit",
           str(args.time_limit), "--size", *args.size]
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return list(json.loads(out)["results"])


def _same_values(a: list[dict], b: list[dict]) -> bool:
    return all(math.isclose(x["value"], y["value"], rel_tol=1e-9)
               for ra, rb in zip(a, b, strict=True)
               for x, y in zip(ra["stages"], rb["stages"], strict=True))


def _repeated(args: argparse.Namespace) -> dict:
    """Both sources ``args.repeat`` times, each run in a fresh process, alternating order."""
    import forcegen

    this = Path(forcegen.__file__).resolve().parents[1]
    runs = []
    for i in range(args.repeat):
        sides = [("before", args.baseline_src), ("after", this)]
        row: dict = {"first": sides[i % 2][0]}
        for name, src in sides if i % 2 == 0 else sides[::-1]:
            row[f"load_average_{name}"] = os.getloadavg()
            row[name] = _baseline(src, args)
        row["cpu_after_over_before"] = {
            a["size"]: round(a["cpu_seconds"]["total"] / b["cpu_seconds"]["total"], 3)
            for a, b in zip(row["after"], row["before"], strict=True)}
        row["same_plan_values"] = _same_values(row["after"], row["before"])
        runs.append(row)
    sizes = [r["size"] for r in runs[0]["after"]]

    def median(side: str, size: str) -> float:
        return round(float(np.median([next(x["cpu_seconds"]["total"] for x in r[side]
                                     if x["size"] == size) for r in runs])), 3)

    return {"src": {"before": str(args.baseline_src), "after": str(this)}, "runs": runs,
            "median_cpu_seconds": {s: {"before": median("before", s),
                                       "after": median("after", s)} for s in sizes},
            "median_cpu_after_over_before": {
                s: round(float(np.median([r["cpu_after_over_before"][s] for r in runs])), 3)
                for s in sizes},
            "same_plan_values": all(r["same_plan_values"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", nargs="+", default=["50x500x40x8", "200x2000x60x10"],
                    help="requests x offers x places x capabilities")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--baseline-src", type=Path,
                    help="also run the cases with the forcegen in this src folder")
    ap.add_argument("--repeat", type=int, default=1,
                    help="with --baseline-src: runs of each, in fresh processes, alternating")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    doc: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                             "load_average": os.getloadavg()}}
    if args.baseline_src and args.repeat > 1:
        doc.update(_repeated(args))
        doc["machine"]["load_average_after"] = os.getloadavg()
        text = json.dumps(doc, indent=2)
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
        return
    if args.baseline_src:
        before = _baseline(args.baseline_src, args)
        doc["baseline"] = {"src": str(args.baseline_src), "results": before}
    results = [run(s, args.seed, args.time_limit) for s in args.size]
    doc["results"] = results
    if args.baseline_src:
        doc["cpu_after_over_before"] = {
            a["size"]: round(a["cpu_seconds"]["total"] / b["cpu_seconds"]["total"], 3)
            for a, b in zip(results, doc["baseline"]["results"], strict=True)}
        doc["same_plan_values"] = _same_values(results, doc["baseline"]["results"])
    doc["machine"]["load_average_after"] = os.getloadavg()
    text = json.dumps(doc, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
