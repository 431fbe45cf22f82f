"""A generated deployment at the issue's target size, solved by ``forcegen deploy --json``.

The issue's target: 5,000 movements, 12 lift types, 30 ports, about 180 days; a plan with a
proven gap <= 5 % within 60 s including loading. The instance is random but seeded (numbers are
illustrative, not real fleets): 5 % of movements are enablers (port opening, logistics) that the
others in their sector wait for; each movement uses one lift type (a few use two), embarks at a
POE and lands at a POD with a daily throughput; availability days spread over the first weeks;
required delivery days set so that some are late. The schedule printed is checked here
(precedence, availability, lift and port use per day recomputed from the generated data).

Usage::

    python bench/deploy_generated.py --movements 5000 --time-limit 60 \\
        --out bench/results/deploy_generated.json
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
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def generate(n: int, n_lift: int = 12, n_ports: int = 30, seed: int = 1,
             slack: tuple[int, int] = (20, 150)) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    modes = ["air", "sea", "rail", "road"]
    lift = [{"id": f"L{k:02d}", "mode": modes[k % 4], "capacity": int(rng.integers(40, 100))}
            for k in range(n_lift)]
    kinds = ["airport", "seaport", "railhead", "border-crossing"]
    ports = [{"id": f"P{k:02d}", "kind": kinds[k % 4], "throughput": int(rng.integers(70, 140))}
             for k in range(n_ports)]
    n_enablers = max(1, n // 20)
    sectors = 6
    moves: list[dict[str, Any]] = []
    for i in range(n):
        k = int(rng.integers(n_lift))
        m: dict[str, Any] = {"id": f"ULN-{i:05d}", "days": int(rng.integers(1, 8)),
                             "lift": {f"L{k:02d}": int(rng.integers(1, 6))}}
        if rng.random() < 0.1:
            k2 = (k + 1 + int(rng.integers(n_lift - 1))) % n_lift
            m["lift"][f"L{k2:02d}"] = int(rng.integers(1, 4))
        m["poe"] = f"P{int(rng.integers(n_ports // 2)):02d}"
        m["pod"] = f"P{n_ports // 2 + int(rng.integers(n_ports // 2)):02d}"
        m["destination"] = f"sector-{i % sectors}"
        if i >= n_enablers:
            # Waits for an enabler of its own sector (enablers first).
            enabler = (i % sectors) + sectors * int(rng.integers(n_enablers // sectors))
            m["after"] = [f"ULN-{enabler:05d}"]
            m["available"] = int(rng.integers(0, 45))
            m["required"] = int(m["available"] + rng.integers(*slack))
        moves.append(m)
    return {"forcegen": 1, "name": f"generated deployment, {n} movements (illustrative)",
            "lift": lift, "ports": ports, "movements": moves}


def check(sc: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    moves = {m["id"]: m for m in sc["movements"]}
    start = {r["id"]: int(r["start"]) for r in rows}
    errors = []
    if set(start) != set(moves):
        return ["movement set differs"]
    end = max(start[i] + moves[i]["days"] for i in moves)
    use: dict[str, np.ndarray] = {}
    for i, m in moves.items():
        s = start[i]
        if s < m.get("available", 0):
            errors.append(f"{i} before available")
        for a in m.get("after", []):
            if s < start[a] + moves[a]["days"]:
                errors.append(f"{i} before {a} arrives")
        total = sum(m["lift"].values())
        for key, amount in [*m["lift"].items(), *[(f"port:{p}", total) for p in
                                                   {m["poe"], m["pod"]}]]:
            use.setdefault(key, np.zeros(end + 1, dtype=np.int64))[s:s + m["days"]] += amount
    caps = {x["id"]: x["capacity"] for x in sc["lift"]}
    caps.update({f"port:{p['id']}": p["throughput"] for p in sc["ports"]})
    for key, u in use.items():
        if u.max() > caps[key]:
            errors.append(f"{key} over capacity on day {int(u.argmax())}")
    return errors[:10]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--movements", type=int, default=5000)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slack", type=int, nargs=2, default=(20, 150), metavar=("MIN", "MAX"),
                    help="required day = available day + a random MIN..MAX days (tighter: "
                    "more lines late)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    sc = generate(args.movements, seed=args.seed, slack=tuple(args.slack))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="deploy-gen-") as tmp:
        f = Path(tmp) / "scenario.yaml"
        f.write_text(yaml.safe_dump(sc, sort_keys=False))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "forcegen", "deploy", str(f), "--json",
                               "--time-limit", str(args.time_limit)], capture_output=True,
                              text=True, env=env, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    doc = json.loads(proc.stdout)
    errors = check(sc, doc["movements"])
    res = {"benchmark": "generated deployment", "movements": args.movements, "lift_types": 12,
           "ports": 30, "seed": args.seed, "time_limit": args.time_limit,
           "wall_seconds_including_loading": round(wall, 2), "solve_seconds": doc["seconds"],
           "status": doc["status"], "closure": doc["closure"], "bound": doc["bound"],
           "gap": doc["gap"], "lateness": doc["lateness"],
           "lateness_bound": doc["lateness_bound"], "greedy": doc["baseline"],
           "slack_days": list(args.slack),
           "lateness_gap": (None if not doc["lateness"] else
                            round((doc["lateness"] - doc["lateness_bound"]) / doc["lateness"], 4)),
           "violations": errors, "notes": doc["notes"],
           "machine": {"cpus": os.cpu_count(), "note": "2 cores shared with other jobs",
                       "loadavg_before": [round(x, 2) for x in load_before],
                       "loadavg_after": [round(x, 2) for x in os.getloadavg()]}}
    text = json.dumps(res, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
