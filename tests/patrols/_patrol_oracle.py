"""Independent checks for patrol plans: small patrol files, raw re-timing, brute force."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import yaml


def write_patrol(folder: Path, patrol: dict[str, Any], legs: dict[tuple[str, str], float] | None
                 = None, name: str = "test") -> Path:
    if legs is not None:
        with (folder / "legs.csv").open("w") as fh:
            fh.write("from,to,hours\n")
            for (a, b), h in legs.items():
                fh.write(f"{a},{b},{h!r}\n")
        patrol = {"legs": "legs.csv", **patrol}
    path = folder / "patrol.yaml"
    path.write_text(yaml.safe_dump({"forcegen": 1, "name": name, "patrol": patrol},
                                   sort_keys=False))
    return path


def random_instance(seed: int, n_areas: int, n_vessels: int, *, windows: bool = False,
                    caveats: bool = False) -> tuple[dict[str, Any], dict[tuple[str, str], float]]:
    """Points in a square, Euclidean hours, vessels from two ports; all drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    names = ["P0", "P1"] + [f"A{i}" for i in range(n_areas)]
    xy = rng.uniform(0, 10, size=(len(names), 2))
    legs = {(a, b): float(np.hypot(*(xy[i] - xy[j])))
            for (i, a), (j, b) in itertools.permutations(enumerate(names), 2)}
    areas = []
    for i in range(n_areas):
        area: dict[str, Any] = {"id": f"A{i}", "value": int(rng.integers(1, 10)),
                                "hours": float(rng.integers(0, 3)), "zone": f"Z{i % 2}"}
        if windows and i % 2 == 0:
            lo = float(rng.uniform(0, 10))
            area["window"] = [lo, lo + float(rng.uniform(2, 8))]
        areas.append(area)
    vessels = []
    for k in range(n_vessels):
        v: dict[str, Any] = {"id": f"V{k}", "nation": ["NZL", "GBR", "AUS"][k % 3],
                             "start": f"P{k % 2}", "end": f"P{(k + 1) % 2}" if k else "P0",
                             "endurance": float(rng.uniform(15, 30))}
        if caveats and k == 0:
            v["zones"] = ["Z0"]
        vessels.append(v)
    return {"areas": areas, "vessels": vessels}, legs


def route_hours(patrol: dict[str, Any], legs: dict[tuple[str, str], float], vessel: dict[str, Any],
                stops: list[str]) -> float | None:
    """Hours of a route recomputed from the raw input (waits for windows); None if infeasible."""
    by_id = {a["id"]: a for a in patrol["areas"]}
    t, prev = 0.0, vessel["start"]
    for s in stops:
        a = by_id[s]
        if vessel.get("zones") is not None and a.get("zone") not in vessel["zones"]:
            return None
        t += legs[(prev, s)]
        lo, hi = a.get("window", [0.0, float("inf")])
        t = max(t, lo)
        if t > hi + 1e-9:
            return None
        t += a.get("hours", 0.0)
        prev = s
    t += legs[(prev, vessel["end"])] if prev != vessel["end"] else 0.0
    return t if t <= vessel["endurance"] + 1e-9 else None


def brute_force(patrol: dict[str, Any], legs: dict[tuple[str, str], float]) -> float:
    """Best total value by trying every assignment of areas to vessels and every order."""
    areas, vessels = patrol["areas"], patrol["vessels"]
    best_subset: list[dict[frozenset[str], bool]] = []
    for v in vessels:  # which subsets each vessel can sail in some order
        ok: dict[frozenset[str], bool] = {}
        ids = [a["id"] for a in areas]
        for r in range(len(ids) + 1):
            for combo in itertools.combinations(ids, r):
                ok[frozenset(combo)] = any(route_hours(patrol, legs, v, list(p)) is not None
                                           for p in itertools.permutations(combo))
        best_subset.append(ok)
    value = {a["id"]: a["value"] for a in areas}
    best = 0.0
    for assign in itertools.product(range(len(vessels) + 1), repeat=len(areas)):
        groups = [frozenset(a["id"] for a, g in zip(areas, assign, strict=True) if g == k)
                  for k in range(len(vessels))]
        if all(best_subset[k][g] for k, g in enumerate(groups)):
            best = max(best, float(sum(value[i] for g in groups for i in g)))
    return best
