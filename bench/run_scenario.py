"""A workspace run's scenario: rows -> Scenario directly against the old dict round trip.

Usage::

    python bench/run_scenario.py [--pledges 2000,10000] [--repeat 3]

For each size, a SQLite workspace (temporary folder) holding ``bench/api.py``'s generated
scenario is read as a run reads it, both ways, in the same process:

* ``direct``: ``scenarios.runnable.runnable_scenario`` (each row validated into its core model,
  then ``scenario_from_models``), what runs use now;
* ``round_trip`` (baseline): the earlier path, rebuilt here from the same pieces: the whole
  workspace as a scenario-shaped dict (``export.to_dict``), each record validated to find the
  invalid ones, then ``scenario_from_dict`` (the file reader's ``_split_yaml`` and validation).
  Its rows are read by today's ``records.py`` (plain rows, no JSON round trip per row), so the
  ratio is the saving of the direct build alone, not of the faster row reading.

Both produce the same scenario (asserted). Also times reading the solver version per plan
(a HiGHS instance each time, as before) against the cached ``solver_version()``. Best of
``--repeat`` wall times; the machine is shared, so only the ratios measured in one run mean
much. Results: ``bench/results/run_scenario.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_api", HERE / "api.py")
assert _spec is not None and _spec.loader is not None
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_size(n_pledges: int, repeat: int) -> dict[str, Any]:
    from forcegen.scenario import models as core
    from forcegen.scenario import scenario_from_dict
    from forcegen.workspace.database import make_engine, make_session_factory, session_scope
    from forcegen.workspace.scenarios.export import to_dict
    from forcegen.workspace.scenarios.runnable import runnable_scenario

    models = {"nations": core.Nation, "catalog": core.Capability, "sectors": core.Sector,
              "requirements": core.Requirement, "pledges": core.Pledge}

    def round_trip(db: Any) -> Any:
        doc = to_dict(db)
        for section, model in models.items():
            for rec in doc.get(section, []):
                model.model_validate(rec)
        return scenario_from_dict(doc, source="<workspace>")

    with tempfile.TemporaryDirectory(prefix="forcegen-bench-") as tmp:
        url = f"sqlite:///{tmp}/ws.db"
        bench_api.prepare(url, n_pledges)
        engine = make_engine(url)
        with session_scope(make_session_factory(engine)) as db:
            runnable_scenario(db)  # warm-up: lazy imports, the built-in catalog, pycountry
            round_trip(db)
            t_direct, (direct, excluded) = _best(lambda: runnable_scenario(db), repeat)
            t_old, old = _best(lambda: round_trip(db), repeat)
        engine.dispose()
    assert excluded == []
    assert direct.data.model_dump(mode="json") == old.data.model_dump(mode="json")
    return {"pledges": n_pledges, "requirements": len(direct.requirements),
            "direct_s": round(t_direct, 4), "round_trip_s": round(t_old, 4),
            "speedup": round(t_old / t_direct, 2)}


def bench_version(calls: int = 200) -> dict[str, Any]:
    from importlib.metadata import version

    from forcegen._highs import new_highs
    from forcegen.sourcing.solver import solver_version

    t0 = time.perf_counter()
    for _ in range(calls):
        f"HiGHS {new_highs().version()} (highspy {version('highspy')})"
    per_old = (time.perf_counter() - t0) / calls
    solver_version()
    t0 = time.perf_counter()
    for _ in range(calls):
        solver_version()
    per_new = (time.perf_counter() - t0) / calls
    return {"calls": calls, "uncached_ms": round(1e3 * per_old, 4),
            "cached_ms": round(1e3 * per_new, 6)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pledges", default="2000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(x) for x in args.pledges.split(",") if x]
    out = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor(),
                    "note": "shared 2-core machine, other jobs running"},
        "sizes": [bench_size(n, args.repeat) for n in sizes],
        "solver_version": bench_version(),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "run_scenario.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
