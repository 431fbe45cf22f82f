"""CPU per search iteration of two versions of the patrol search (same seed, same iterations).

Each Chao instance (encoded as ``patrol_top.encode`` does) runs the compiled iterated local
search (``forcegen.patrols._fastils.fast_ils``) for a fixed number of iterations from the greedy
routes, seed 0, one worker, in a fresh process per version with ``PYTHONPATH`` at that version's
``src`` (the two versions alternate, the first one alternating per instance). A fixed
iteration budget measures CPU per unit of search whatever the load: the CPU seconds are the
process time of the search alone (after the kernels are loaded), and the routes' digest says
whether both versions ran the very same search.

    python bench/patrol_kernels_cpu.py --a /work/main/src --b src --iterations 10000 \\
        --only p4.2.k p7.4.n --out bench/results/patrol_kernels_cpu_session8.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from patrol_top import DATA, encode

CHILD = """
import hashlib, json, sys, time
from pathlib import Path
from forcegen.patrols import load_patrol
from forcegen.patrols import _kernels as kn
from forcegen.patrols._fastils import fast_ils
from forcegen.patrols._routing import _Ctx
from forcegen.patrols.heuristic import greedy, score
kn.warm_up()
prob = load_patrol(Path(sys.argv[1]), drop_unreachable=True)
start = greedy(prob)
c0 = time.process_time()
routes = fast_ils(_Ctx(prob), time_limit=1e9, seed=0, max_iter=int(sys.argv[2]), target=None,
                  start=start)
cpu = time.process_time() - c0
print(json.dumps({"total": score(prob, routes), "cpu_seconds": round(cpu, 3),
                  "digest": hashlib.sha256(repr(routes).encode()).hexdigest()[:16]}))
"""


def run(src: Path, folder: Path, iterations: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(iterations)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, required=True, help="src folder of version A")
    ap.add_argument("--b", type=Path, required=True, help="src folder of version B")
    ap.add_argument("--only", nargs="+", required=True)
    ap.add_argument("--iterations", type=int, default=10000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    files = {p.stem: p for p in DATA.glob("Set_*/p*.txt")}
    srcs = {"A": args.a, "B": args.b}
    rows = []
    for i, name in enumerate(args.only):
        with tempfile.TemporaryDirectory() as tmp:
            encode(files[name], Path(tmp))
            order = ["A", "B"] if i % 2 == 0 else ["B", "A"]
            res = {v: {**run(srcs[v], Path(tmp), args.iterations),
                       "load_before": round(os.getloadavg()[0], 2)} for v in order}
        row = {"instance": name, "iterations": args.iterations, **res,
               "same_routes": res["A"]["digest"] == res["B"]["digest"],
               "cpu_ratio_b_over_a": round(res["B"]["cpu_seconds"] / res["A"]["cpu_seconds"], 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    ratios = [r["cpu_ratio_b_over_a"] for r in rows]
    summary = {"iterations": args.iterations, "instances": len(rows),
               "all_same_routes": all(r["same_routes"] for r in rows),
               "cpu_ratio_b_over_a": {"min": min(ratios), "max": max(ratios),
                                      "mean": round(sum(ratios) / len(ratios), 3)},
               "cpu_seconds": {v: round(sum(r[v]["cpu_seconds"] for r in rows), 2)
                               for v in srcs},
               "sources": {v: str(s) for v, s in srcs.items()},
               "load_average_end": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(summary, indent=2))
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
