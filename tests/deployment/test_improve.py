"""Forward-backward improvement and sampling: every plan feasible (checked from the input
itself), never later than the plan it starts from, and on PSPLIB j30 never below the optimum."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from forcegen.deployment.improve import improve, justify
from forcegen.deployment.model import Deployment, LiftType, Movement
from forcegen.deployment.problem import from_deployment, serial_schedule

from .test_schedule import _violations

DATA = Path(__file__).resolve().parents[1] / "data" / "psplib"


def _spec(seed: int) -> dict:
    rng = random.Random(seed)
    caps = {"C17": rng.randint(2, 5), "RORO": rng.randint(1, 4)}
    moves = []
    for j in range(14):
        m = {"id": f"M{j}", "days": rng.randint(1, 5),
             "lift": {k: rng.randint(0, c) for k, c in caps.items()}}
        after = [f"M{i}" for i in range(j) if rng.random() < 0.15]
        if after:
            m["after"] = after
        if rng.random() < 0.3:
            m["available"] = rng.randint(0, 6)
        moves.append(m)
    return {"lift": [{"id": k, "mode": "air", "capacity": c} for k, c in caps.items()],
            "movements": moves}


def _problem(spec: dict):
    dep = Deployment("t", None, [LiftType(**x) for x in spec["lift"]], [],
                     [Movement(**m) for m in spec["movements"]])
    return from_deployment(dep)


@pytest.mark.parametrize("seed", range(12))
def test_justified_and_sampled_plans_are_feasible_and_no_later(seed: int) -> None:
    spec = _spec(seed)
    p = _problem(spec)
    base = serial_schedule(p)
    for plan in (justify(p, base), improve(p, base, 0.05, seed=seed)):
        assert _violations(spec, dict(zip(p.ids, map(int, plan), strict=True))) == []
        assert (plan + p.dur).max() <= (base + p.dur).max()


def test_improve_is_deterministic() -> None:
    p = _problem(_spec(3))
    base = serial_schedule(p)
    # Same seed, same data: the same plan (the time budget only bounds the number of samples,
    # so compare the justified plan, which takes no samples).
    assert np.array_equal(justify(p, base), justify(p, base))


@pytest.mark.parametrize("name", ["j3013_1", "j3029_2", "j3045_3"])
def test_psplib_heuristic_plans_check_out_and_respect_the_optimum(name: str) -> None:
    from .test_psplib import BENCH, OPTIMA

    inst = BENCH.read_sm(DATA / f"{name}.sm")
    spec = BENCH.to_scenario(inst)
    p = _problem(spec)
    base = serial_schedule(p)
    best = improve(p, base, 0.5)
    rows = [{"id": i, "start": int(s)} for i, s in zip(p.ids, best, strict=True)]
    closure, errors = BENCH.check(inst, rows)  # the bench's checker, from the .sm file
    assert errors == []
    param, number = (int(x) for x in name[3:].split("_"))
    assert OPTIMA[(param, number)] <= closure <= int((base + p.dur).max())
