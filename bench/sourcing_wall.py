"""Whole-command sourcing benchmark: ``forcegen source PATH --json`` timed from outside.

    python bench/sourcing_wall.py [--quick] [--repeat N] [--out FILE] [--keep DIR]

Run it with the interpreter forcegen is installed in (e.g. ``/tmp/venv/bin/python``); the
command under test is the ``forcegen`` script beside that interpreter, or ``python -m forcegen``.

For every case a synthetic scenario is generated (``forcegen.synth``) with a given density of
the capability pools (pledges per capability type: sparse 10, typical 80, dense 400) and
written either as ONE inline ``scenario.yaml`` or as a folder with ``pledges.csv`` and
``requirements.csv``. Then, per case:

* ``wall``: the whole command as a user runs it, start-up included, as a subprocess
  (``forcegen source PATH --json``); its stdout must parse as one JSON document. Wall seconds
  and the child's CPU seconds (user + system, less sensitive to other jobs on the machine).
* ``baseline``: in the same run, ``python -c pass`` (interpreter start-up) and the same command
  with ``--method greedy`` (same reading and checking, no optimizer), so figures can be read
  as ratios against a baseline measured under the same load.
* ``breakdown``: the library's phases in this process: ``parse`` (YAML/CSV to records),
  ``validate`` (the rest of ``load_scenario``: models and references), ``compile`` (arrays),
  ``digest`` (scenario hash), ``solve``.
* at 1,000 lines: the what-if "withdraw the largest contributor", in the library (re-solve
  on the kept ``Sourcer``) and as a whole command (``--withdraw NATION``).

The load average (1 min) is recorded before and after every timed command: on a shared
machine read each figure together with it. Results: ``bench/results/sourcing_wall.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
from forcegen.sourcing import Sourcer, SourcingOptions
from forcegen.synth import synthetic_scenario_dict

HERE = Path(__file__).resolve().parent

# (nations, pledges, lines, pledges per capability type, format)
QUICK = [
    (40, 5000, 1000, 80, "yaml"),
    (40, 5000, 1000, 80, "csv"),
    (40, 5000, 1000, 10, "yaml"),
    (40, 5000, 1000, 400, "yaml"),
    (200, 50000, 10000, 80, "yaml"),
]
FULL = [
    *QUICK,
    (40, 5000, 1000, 10, "csv"),
    (40, 5000, 1000, 400, "csv"),
    (200, 50000, 10000, 80, "csv"),
    (200, 50000, 10000, 10, "yaml"),
    (200, 50000, 10000, 400, "yaml"),
]
TARGETS = {1000: 2.0, 10000: 15.0}  # seconds of wall, issue 9 section 5
WHATIF_TARGET = 1.0


def case_name(n: int, p: int, r: int, ppc: int, fmt: str) -> str:
    return f"{n}x{p}x{r}-ppc{ppc}-{fmt}"


def load1() -> float:
    return os.getloadavg()[0]


def write_case(folder: Path, n: int, p: int, r: int, ppc: int, fmt: str, seed: int) -> Path:
    """Write the case; returns the path given to ``forcegen source``."""
    doc = synthetic_scenario_dict(n, p, r, capabilities=max(1, p // ppc), seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "yaml":
        # One file, every section inline, block style (as a script or an exporter writes it).
        path = folder / "scenario.yaml"
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump(doc, fh, Dumper=dumper, sort_keys=False, default_flow_style=False)
        return path
    scen = scenario_from_dict(doc)
    scen.layout = {"pledges": "pledges.csv", "requirements": "requirements.csv"}
    write_scenario(scen, folder, overwrite=True)
    return folder


def forcegen_cmd(python: str) -> list[str]:
    script = Path(python).parent / "forcegen"
    return [str(script)] if script.is_file() else [python, "-m", "forcegen"]


def timed(cmd: list[str], parse_json: bool = True) -> dict[str, Any]:
    """Run ``cmd``; wall and child CPU seconds, load before/after, and the parsed stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    la0 = load1()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out: dict[str, Any] = {
        "wall": round(wall, 3),
        "cpu": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3),
        "load1_before": la0, "load1_after": load1(), "returncode": proc.returncode,
    }
    if proc.returncode != 0:
        out["stderr_tail"] = proc.stderr[-2000:]
    if parse_json:
        try:
            out["doc"] = json.loads(proc.stdout)
            out["stdout_is_one_json_document"] = True
        except json.JSONDecodeError:
            # A native library printing on stdout (issue 9 section 1) breaks --json: record it,
            # and still read the plan from the first "{" so the timing remains usable.
            out["stdout_is_one_json_document"] = False
            start = proc.stdout.find("{")
            out["doc"] = json.loads(proc.stdout[start:]) if start >= 0 else None
    return out


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [r["wall"] for r in runs]
    return {
        "wall_min": min(walls), "wall_median": round(statistics.median(walls), 3),
        "cpu_min": min(r["cpu"] for r in runs),
        "load1": [r["load1_before"] for r in runs] + [runs[-1]["load1_after"]],
        "runs": [{k: v for k, v in r.items() if k != "doc"} for r in runs],
    }


def plan_facts(doc: dict[str, Any] | None) -> dict[str, Any]:
    if not doc:
        return {}
    obj = doc.get("objective") or {}
    return {"status": doc.get("status"), "method": doc.get("method"), "fill": obj.get("fill"),
            "required": doc.get("required"), "cost": obj.get("cost"), "gap": doc.get("gap"),
            "input_hash": doc.get("input_hash")}


def breakdown(path: Path, fmt: str) -> tuple[dict[str, float], Sourcer, Any]:
    """Library phases in this process (parse is measured separately, then the full load)."""
    from forcegen.scenario import _sources  # private: parse time alone, for the breakdown

    t0 = time.perf_counter()
    if fmt == "yaml":
        _sources.read_yaml(path)
    else:
        _sources.read_yaml(path / "scenario.yaml")
        for name in ("pledges.csv", "requirements.csv"):
            _sources.read_csv_table(path / name)
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    scenario = load_scenario(path)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    sourcer = Sourcer(scenario)
    t_compile = time.perf_counter() - t0
    from forcegen.sourcing.solver import scenario_digest

    t0 = time.perf_counter()
    scenario_digest(scenario)
    t_digest = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = sourcer.solve(SourcingOptions())
    t_solve = time.perf_counter() - t0  # includes the digest once (kept on the Sourcer)
    return ({"parse": round(t_parse, 3), "validate": round(max(0.0, t_load - t_parse), 3),
             "load_total": round(t_load, 3), "compile": round(t_compile, 3),
             "digest": round(t_digest, 3), "solve": round(t_solve, 3),
             "solve_reported": plan.seconds.get("solve"),
             "pairs": sourcer.comp.n_pairs}, sourcer, plan)


def run_case(spec: tuple[int, int, int, int, str], workdir: Path, python: str, repeat: int,
             seed: int) -> dict[str, Any]:
    n, p, r, ppc, fmt = spec
    name = case_name(*spec)
    t0 = time.perf_counter()
    path = write_case(workdir / name, n, p, r, ppc, fmt, seed)
    size = sum(f.stat().st_size for f in ([path] if path.is_file() else path.iterdir()))
    print(f"{name}: written in {time.perf_counter() - t0:.1f} s ({size / 1e6:.1f} MB)",
          file=sys.stderr)
    cmd = forcegen_cmd(python)
    reps = repeat if r <= 1000 else 1
    exact = [timed([*cmd, "source", str(path), "--json"]) for _ in range(reps)]
    greedy = [timed([*cmd, "source", str(path), "--json", "--method", "greedy"])
              for _ in range(reps)]
    out: dict[str, Any] = {
        "case": name, "nations": n, "pledges": p, "lines": r, "pledges_per_capability": ppc,
        "format": fmt, "bytes": size,
        "wall": summarize(exact), "plan": plan_facts(exact[0].get("doc")),
        "stdout_is_one_json_document": all(x.get("stdout_is_one_json_document") for x in exact),
        "baseline_greedy_command": summarize(greedy),
        "target_wall": TARGETS.get(r),
    }
    out["ratio_wall_vs_greedy_command"] = round(
        out["wall"]["wall_min"] / out["baseline_greedy_command"]["wall_min"], 3)
    parts, sourcer, plan = breakdown(path, fmt)
    out["breakdown"] = parts
    print(f"  wall {out['wall']['wall_min']:.2f} s (greedy command "
          f"{out['baseline_greedy_command']['wall_min']:.2f} s) {out['plan'].get('status')}; "
          f"breakdown {parts}", file=sys.stderr)
    if r <= 1000:
        biggest = max(plan.burden, key=lambda b: b.personnel).nation
        t0 = time.perf_counter()
        w = sourcer.solve(SourcingOptions(withdraw=(biggest,)))
        lib = time.perf_counter() - t0
        cmd_w = [timed([*cmd, "source", str(path), "--json", "--withdraw", biggest])
                 for _ in range(reps)]
        out["whatif_withdraw_largest"] = {
            "nation": biggest, "library_resolve_seconds": round(lib, 3),
            "library_status": w.status, "library_fill": w.fill, "target": WHATIF_TARGET,
            "command": summarize(cmd_w), "command_plan": plan_facts(cmd_w[0].get("doc")),
        }
        print(f"  what-if withdraw {biggest}: library re-solve {lib:.2f} s, command "
              f"{out['whatif_withdraw_largest']['command']['wall_min']:.2f} s", file=sys.stderr)
    return out


def machine(python: str) -> dict[str, Any]:
    def ver(pkg: str) -> str | None:
        try:
            return version(pkg)
        except Exception:
            return None

    git = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
        "python": platform.python_version(), "platform": platform.platform(),
        "highspy": ver("highspy"), "numpy": ver("numpy"), "pydantic": ver("pydantic"),
        "pyyaml": ver("pyyaml"), "libyaml": hasattr(yaml, "CSafeLoader"),
        "forcegen_from": str(Path(__import__("forcegen").__file__).parent),
        "git_head": git, "command": forcegen_cmd(python),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="the 1,000-line cases and one 10,000-line YAML case (a few minutes)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per command at 1,000 lines (min and median kept); 1 above")
    ap.add_argument("--only", default=None, help="only cases whose name contains this")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (unseen scenarios)")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the command")
    ap.add_argument("--keep", type=Path, default=None, help="write the cases here, keep them")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sourcing_wall.json")
    args = ap.parse_args()
    specs = [s for s in (QUICK if args.quick else FULL)
             if args.only is None or args.only in case_name(*s)]
    results: dict[str, Any] = {"machine": machine(args.python)}
    # Interpreter start-up, the floor under every command (same run, same load).
    results["baseline_python_startup"] = summarize(
        [timed([args.python, "-c", "pass"], parse_json=False) for _ in range(5)])
    results["baseline_forcegen_help"] = summarize(
        [timed([*forcegen_cmd(args.python), "--help"], parse_json=False) for _ in range(3)])
    results["cases"] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        for spec in specs:
            results["cases"].append(run_case(spec, work, args.python, args.repeat, args.seed))
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2, default=float) + "\n")
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    args.out.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"python -c pass: {results['baseline_python_startup']['wall_min']:.3f} s; "
          f"forcegen --help: {results['baseline_forcegen_help']['wall_min']:.3f} s",
          file=sys.stderr)
    for c in results["cases"]:
        w = c.get("whatif_withdraw_largest")
        extra = (f"  what-if lib {w['library_resolve_seconds']:.2f} s / cmd "
                 f"{w['command']['wall_min']:.2f} s") if w else ""
        print(f"{c['case']:<32} wall {c['wall']['wall_min']:6.2f} s (target "
              f"{c['target_wall']}) load {c['wall']['load1'][0]:.1f} "
              f"{c['plan'].get('status')}{extra}", file=sys.stderr)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
