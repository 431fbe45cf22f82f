"""Whole-command sourcing benchmark: ``forcegen source PATH --json`` timed from outside.

    python bench/sourcing_wall.py [--quick] [--repeat N] [--out FILE] [--keep DIR]

Run it with the interpreter forcegen is installed in (e.g. ``.venv/bin/python``); the
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
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

try:
    import yaml

    import forcegen
    from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
    from forcegen.sourcing import Sourcer, SourcingOptions
    from forcegen.synth import synthetic_scenario_dict
except ImportError as exc:  # e.g. a system python3 without forcegen
    sys.exit(f"{exc}: run this script with the Python forcegen is installed in "
             f"(e.g. .venv/bin/python bench/sourcing_wall.py --quick)")

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


def src_env(src: Path | None) -> dict[str, str] | None:
    """Environment that makes the command import forcegen from ``src`` (a ``src`` folder)."""
    if src is None:
        return None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed(cmd: list[str], parse_json: bool = True,
          env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; wall and child CPU seconds, load before/after, and the parsed stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    la0 = load1()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
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


def breakdown(path: Path, fmt: str) -> tuple[dict[str, Any], Sourcer, Any]:
    """Library phases in this process, wall and CPU seconds (CPU is less sensitive to other
    jobs). ``parse`` is timed on its own (private reader functions, under the same garbage
    collector setting as ``load_scenario``); ``validate`` is the rest of ``load_scenario``."""
    from forcegen.scenario import _sources  # private: parse time alone, for the breakdown
    from forcegen.sourcing.solver import scenario_digest

    try:
        from forcegen._gc import gc_paused
    except ImportError:  # code from before the collector was paused while reading
        gc_paused = contextlib.nullcontext

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(name: str) -> Iterator[None]:
        t, c = time.perf_counter(), time.process_time()
        yield
        wall[name] = round(time.perf_counter() - t, 3)
        cpu[name] = round(time.process_time() - c, 3)

    def read_yaml(p: Path) -> Any:
        # As load_scenario reads it: without the line map (read again with it only for
        # messages); code from before that read has no such switch.
        try:
            return _sources.read_yaml(p, lines=False)
        except TypeError:
            return _sources.read_yaml(p)

    with phase("parse"), gc_paused():
        if fmt == "yaml":
            read_yaml(path)
        else:
            read_yaml(path / "scenario.yaml")
            for name in ("pledges.csv", "requirements.csv"):
                _sources.read_csv_table(path / name)
    with phase("load_total"):
        scenario = load_scenario(path)
    with phase("compile"):
        sourcer = Sourcer(scenario)
    with phase("digest"):
        scenario_digest(scenario)
    with phase("solve"):  # includes explaining shortfalls and the digest (kept afterwards)
        plan = sourcer.solve(SourcingOptions())
    with phase("plan_to_json"):
        json.dumps(plan.to_dict())
    for d in (wall, cpu):
        d["validate"] = round(max(0.0, d["load_total"] - d["parse"]), 3)
    return ({"wall": wall, "cpu": cpu, "solve_reported": plan.seconds.get("solve"),
             "pairs": sourcer.comp.n_pairs, "load1": load1()}, sourcer, plan)


def run_case(spec: tuple[int, int, int, int, str], workdir: Path, python: str, repeat: int,
             seed: int, base_env: dict[str, str] | None) -> dict[str, Any]:
    n, p, r, ppc, fmt = spec
    name = case_name(*spec)
    t0 = time.perf_counter()
    path = write_case(workdir / name, n, p, r, ppc, fmt, seed)
    size = sum(f.stat().st_size for f in ([path] if path.is_file() else path.iterdir()))
    print(f"{name}: written in {time.perf_counter() - t0:.1f} s ({size / 1e6:.1f} MB)",
          file=sys.stderr)
    cmd = forcegen_cmd(python)
    reps = repeat if r <= 1000 else 1
    exact, greedy, base = [], [], []
    for _ in range(reps):
        # Interleaved, so this code, its greedy command and the baseline code share the load.
        exact.append(timed([*cmd, "source", str(path), "--json"]))
        greedy.append(timed([*cmd, "source", str(path), "--json", "--method", "greedy"]))
        if base_env is not None:
            base.append(timed([*cmd, "source", str(path), "--json"], env=base_env))
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
    if base:
        out["baseline_code"] = {**summarize(base), "plan": plan_facts(base[0].get("doc"))}
        out["ratio_wall_vs_baseline_code"] = round(
            out["wall"]["wall_min"] / out["baseline_code"]["wall_min"], 3)
        out["ratio_cpu_vs_baseline_code"] = round(
            out["wall"]["cpu_min"] / out["baseline_code"]["cpu_min"], 3)
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
        if base_env is not None:
            base_w = [timed([*cmd, "source", str(path), "--json", "--withdraw", biggest],
                            env=base_env) for _ in range(reps)]
        out["whatif_withdraw_largest"] = {
            "nation": biggest, "library_resolve_seconds": round(lib, 3),
            "library_status": w.status, "library_fill": w.fill, "target": WHATIF_TARGET,
            "command": summarize(cmd_w), "command_plan": plan_facts(cmd_w[0].get("doc")),
        }
        if base_env is not None:
            out["whatif_withdraw_largest"]["baseline_code_command"] = summarize(base_w)
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
        "forcegen_from": str(Path(str(forcegen.__file__)).parent),
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
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="also run the command with forcegen imported from this src folder "
                    "(e.g. a checkout before the changes), interleaved, as a same-run baseline")
    ap.add_argument("--label", default=None,
                    help="free text kept with the results (e.g. the commit, when run from an "
                    "exported copy that is not a git checkout)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sourcing_wall.json")
    args = ap.parse_args()
    specs = [s for s in (QUICK if args.quick else FULL)
             if args.only is None or args.only in case_name(*s)]
    results: dict[str, Any] = {"machine": machine(args.python)}
    if args.label:
        results["machine"]["label"] = args.label
    if args.baseline_src is not None:
        results["machine"]["baseline_src"] = str(args.baseline_src.resolve())
    # Interpreter start-up, the floor under every command (same run, same load).
    results["baseline_python_startup"] = summarize(
        [timed([args.python, "-c", "pass"], parse_json=False) for _ in range(5)])
    results["baseline_forcegen_help"] = summarize(
        [timed([*forcegen_cmd(args.python), "--help"], parse_json=False) for _ in range(3)])
    results["cases"] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        for spec in specs:
            results["cases"].append(run_case(spec, work, args.python, args.repeat, args.seed,
                                             src_env(args.baseline_src)))
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
        if "baseline_code" in c:
            extra += f"  (baseline code {c['baseline_code']['wall_min']:.2f} s)"
        print(f"{c['case']:<32} wall {c['wall']['wall_min']:6.2f} s (target "
              f"{c['target_wall']}) load {c['wall']['load1'][0]:.1f} "
              f"{c['plan'].get('status')}{extra}", file=sys.stderr)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
