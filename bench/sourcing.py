"""Sourcing benchmark: scaled scenarios, exact optimizer vs the greedy baseline, what-ifs.

    python bench/sourcing.py [--quick] [--orlib DIR]

For each case: generate a synthetic scenario (nations x pledges x lines, with caveats, statuses
and national ceilings), write it as scenario files, then time loading the files, building the
model and solving; record status and proven gap; run the greedy baseline on the same case and
report solve time and plan quality as ratios against it. At the 1,000-line size, time what-if
re-solves on the built model. OR-Library GAP instances are solved and compared to their optima.
Results go to ``bench/results/sourcing.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
from forcegen.sourcing import Sourcer, SourcingOptions
from forcegen.synth import synthetic_scenario_dict

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from orlib_gap import gap_scenario_dict, read_gap  # noqa: E402

console = Console(stderr=True)

CASES = [
    {"name": "50x5000x1000", "nations": 50, "pledges": 5000, "lines": 1000},
    # Every nation's ceiling binds hard: the cost stage becomes a multi-knapsack that HiGHS
    # does not close quickly; run with a time limit to show the gap reached.
    {"name": "50x5000x1000-tight", "nations": 50, "pledges": 5000, "lines": 1000,
     "ceiling_tightness": 0.4, "time_limit": 20},
    {"name": "200x50000x10000", "nations": 200, "pledges": 50000, "lines": 10000,
     "time_limit": 60},
]


def run_case(case: dict[str, Any], workdir: Path, seed: int = 1) -> dict[str, Any]:
    kw = {k: v for k, v in case.items() if k not in ("name", "nations", "pledges", "lines",
                                                    "time_limit")}
    doc = synthetic_scenario_dict(case["nations"], case["pledges"], case["lines"], seed=seed, **kw)
    folder = workdir / case["name"]
    scen = scenario_from_dict(doc)
    scen.layout = {"pledges": "pledges.csv", "requirements": "requirements.csv"}
    write_scenario(scen, folder, overwrite=True)
    del scen, doc

    t0 = time.perf_counter()
    scenario = load_scenario(folder)
    t_load = time.perf_counter() - t0
    sourcer = Sourcer(scenario)
    t_build = time.perf_counter() - t0 - t_load
    plan = sourcer.solve(SourcingOptions(time_limit=case.get("time_limit")))
    t_total = time.perf_counter() - t0

    tg = time.perf_counter()
    greedy = sourcer.solve(SourcingOptions(method="greedy"))
    t_greedy = time.perf_counter() - tg
    out: dict[str, Any] = {
        "case": case["name"], "nations": case["nations"], "pledges": case["pledges"],
        "lines": case["lines"], "pairs": sourcer.comp.n_pairs,
        "seconds": {"load_files": t_load, "compile": t_build, "solve": plan.seconds["solve"],
                    "wall_total_incl_load": t_total},
        "status": plan.status, "gap": plan.gap, "method": plan.method,
        "fill": plan.fill, "required": plan.required, "cost": plan.cost,
        "stages": plan.stages,
        "greedy": {"seconds": t_greedy, "fill": greedy.fill, "cost": greedy.cost},
        "ratios_vs_greedy": {
            "time": t_total / max(t_greedy, 1e-9),
            "fill": plan.fill / max(greedy.fill, 1),
            "cost": plan.cost / greedy.cost if greedy.cost else None,
            "priority1_units_gained": plan.fill_by_priority.get(1, 0)
            - greedy.fill_by_priority.get(1, 0),
        },
    }
    if case["lines"] <= 1000:
        nations = [n.code for n in scenario.nations]
        biggest = max(plan.burden, key=lambda b: b.personnel).nation
        whatifs = {
            f"withdraw {biggest}": SourcingOptions(withdraw=(biggest,)),
            "include provisional": SourcingOptions(include=("provisional",)),
            f"lift caveats {nations[0]},{nations[1]}": SourcingOptions(
                lift_caveats=(nations[0], nations[1])),
            f"ceiling {biggest}=+50%": SourcingOptions(ceilings={biggest: int(
                1.5 * next(b.personnel for b in plan.burden if b.nation == biggest))}),
        }
        times = {}
        for label, opts in whatifs.items():
            if case.get("time_limit"):
                opts = dataclasses.replace(opts, time_limit=case["time_limit"])
            t = time.perf_counter()
            p = sourcer.solve(opts)
            times[label] = {"seconds": time.perf_counter() - t, "status": p.status,
                            "fill": p.fill, "gap": p.gap}
        out["whatif_resolve"] = times
    return out


def run_gap(files: list[Path], optima: dict[str, list[int]]) -> list[dict[str, Any]]:
    rows = []
    for f in files:
        for k, prob in enumerate(read_gap(f)):
            t = time.perf_counter()
            scen = scenario_from_dict(gap_scenario_dict(prob))
            plan = Sourcer(scen).solve(SourcingOptions(time_limit=60))
            best = optima.get(f.stem, [None] * 10)[k] if f.stem in optima else None
            rows.append({"instance": f"{f.stem}-{k + 1}", "agents": prob[0], "jobs": prob[1],
                         "seconds": time.perf_counter() - t, "status": plan.status,
                         "cost": plan.cost, "published_min": best,
                         "matches": best is not None and plan.cost == best,
                         "gap": plan.gap})
    return rows


def _known_optima(orlib: Path | None) -> dict[str, list[int]]:
    opt = {"gap1": [261, 269, 256, 274, 251], "gap12": [974, 956, 941, 954, 945],
           "gapa": [1698, 3235, 1360, 2623, 1158, 2339]}
    if orlib is not None and (orlib / "gap_known_optima.csv").is_file():
        import csv

        opt = {}
        with (orlib / "gap_known_optima.csv").open() as fh:
            for row in csv.DictReader(fh):
                stem = row["file"].removesuffix(".txt")
                val = row["opt_min"]
                opt.setdefault(stem, []).append(int(val) if val.strip().isdigit() else None)
    return opt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the 10,000-line case")
    ap.add_argument("--gap-only", action="store_true", help="only the OR-Library GAP instances")
    ap.add_argument("--orlib", type=Path, default=None,
                    help="folder with all OR-Library GAP files (default: the test copies)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sourcing.json")
    args = ap.parse_args()
    cases = [c for c in CASES if not (args.quick and c["lines"] > 1000) and not args.gap_only]
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu_count": __import__("os").cpu_count(),
                    "platform": platform.platform()},
        "cases": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            console.print(f"case {case['name']} ...")
            r = run_case(case, Path(tmp))
            results["cases"].append(r)
            console.print(f"  {r['status']} gap {r['gap']:.2e} in "
                          f"{r['seconds']['wall_total_incl_load']:.2f} s (greedy "
                          f"{r['greedy']['seconds']:.2f} s)")
    gap_dir = args.orlib or (HERE.parent / "tests" / "data" / "orlib_gap")
    files = sorted(p for p in gap_dir.glob("gap*.txt") if p.stem != "gapinfo")
    console.print(f"OR-Library GAP: {len(files)} files ...")
    results["gap"] = run_gap(files, _known_optima(args.orlib))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=float) + "\n")

    if results["cases"]:
        t = Table(title="sourcing benchmark")
        for col in ("case", "status", "gap", "wall s (incl. load)", "greedy s", "fill vs greedy",
                    "cost vs greedy"):
            t.add_column(col)
        for r in results["cases"]:
            rv = r["ratios_vs_greedy"]
            t.add_row(r["case"], r["status"], f"{r['gap']:.1e}",
                      f"{r['seconds']['wall_total_incl_load']:.2f}",
                      f"{r['greedy']['seconds']:.2f}",
                      f"{rv['fill']:.4f}", f"{rv['cost']:.4f}" if rv["cost"] else "-")
        console.print(t)
        for r in results["cases"]:
            for label, w in r.get("whatif_resolve", {}).items():
                console.print(f"  what-if {r['case']} {label}: {w['seconds']:.3f} s {w['status']}")
    g = results["gap"]
    solved = [x for x in g if x["published_min"] is not None]
    console.print(f"GAP: {sum(x['matches'] for x in solved)}/{len(solved)} at published optimum, "
                  f"max {max(x['seconds'] for x in g):.2f} s, "
                  f"median {float(np.median([x['seconds'] for x in g])):.2f} s")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
