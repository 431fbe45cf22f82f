"""CPU cost of keeping the route pool (issue 13): the same search with and without it.

Each Chao instance (encoded as ``patrol_top.encode`` does) runs the compiled iterated local
search from the greedy routes for a fixed number of iterations, seed 0, one worker, in one
process: without the pool (``pool_every=None``) and with it but never packed
(``pool_every`` beyond the iterations), so that both run the very same search (checked: same
routes) and the difference is the pool's upkeep alone. The two alternate, ``--reps`` times;
CPU seconds are the process time of the search, with the load average beside each.

    python bench/patrol_pool_cpu.py --iterations 20000 --reps 3 \\
        --only p4.2.h p5.3.y p7.4.k --out bench/results/patrol_pool_cpu_session9.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from forcegen.patrols import _kernels as kn
from forcegen.patrols import load_patrol
from forcegen.patrols._fastils import fast_ils
from forcegen.patrols._routing import _Ctx
from forcegen.patrols.heuristic import greedy
from patrol_top import DATA, encode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", required=True)
    ap.add_argument("--iterations", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    kn.warm_up()
    files = {p.stem: p for p in DATA.glob("Set_*/p*.txt")}
    rows = []
    for name in args.only:
        with tempfile.TemporaryDirectory() as tmp:
            encode(files[name], Path(tmp))
            prob = load_patrol(Path(tmp), drop_unreachable=True)
        start = greedy(prob)
        for rep in range(args.reps):
            order = ("off", "pool") if rep % 2 == 0 else ("pool", "off")
            got = {}
            for mode in order:
                stats: dict[str, float] = {}
                load = os.getloadavg()[0]
                c0 = time.process_time()
                routes = fast_ils(_Ctx(prob), time_limit=1e9, seed=0, max_iter=args.iterations,
                                  target=None, start=start, stats=stats,
                                  pool_every=None if mode == "off" else 10**12)
                cpu = time.process_time() - c0
                got[mode] = routes
                rows.append({"instance": name, "mode": mode, "rep": rep,
                             "iterations": args.iterations, "cpu_seconds": round(cpu, 3),
                             "load_before": round(load, 2)})
                print(json.dumps(rows[-1]), flush=True)
            assert got["off"] == got["pool"], f"{name}: the pool changed the search"
    summary = {}
    for name in args.only:
        cpu = {m: sum(r["cpu_seconds"] for r in rows if r["instance"] == name and r["mode"] == m)
               for m in ("off", "pool")}
        summary[name] = {"cpu_off": round(cpu["off"], 2), "cpu_pool": round(cpu["pool"], 2),
                         "ratio_pool_to_off": round(cpu["pool"] / cpu["off"], 3)}
    args.out.write_text(json.dumps({"iterations": args.iterations, "reps": args.reps,
                                    "summary": summary, "rows": rows}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
