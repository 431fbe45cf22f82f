"""The compiled serial schedule and the genetic search: the same plans as the Python scheme,
feasible (checked from the input itself), optimal on cases small enough to enumerate, repeatable
for a seed, and wired into the exact solver so that its plan is returned when CP-SAT misses."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from forcegen.deployment import _sgs_kernels as k
from forcegen.deployment import cpsat
from forcegen.deployment.genetic import (
    _arrays,
    compiled_serial_schedule,
    genetic_search,
    schedulable,
)
from forcegen.deployment.improve import justify
from forcegen.deployment.model import Deployment, LiftType, Movement
from forcegen.deployment.problem import (
    Problem,
    feasible,
    from_deployment,
    latest_finish,
    serial_schedule,
)

from .test_improve import _problem, _spec
from .test_psplib import BENCH, DATA, _optimum
from .test_schedule import _violations


def _closure(p: Problem, start: np.ndarray) -> int:
    return int((start + p.dur).max())


@pytest.mark.parametrize("seed", range(10))
def test_compiled_serial_schedule_is_the_python_one(seed: int) -> None:
    spec = _spec(seed)
    p = _problem(spec)
    rng = np.random.default_rng(seed)
    # Latest finish (the default rule), and random priorities with many ties (lower index
    # first, as the heap's pairs) and with few.
    for prio in (latest_finish(p), rng.integers(0, 5, p.n), rng.integers(0, 1000, p.n)):
        got = compiled_serial_schedule(p, prio)
        assert np.array_equal(got, serial_schedule(p, prio))
        assert _violations(spec, dict(zip(p.ids, map(int, got), strict=True))) == []


@pytest.mark.parametrize("seed", range(6))
def test_compiled_justification_is_the_python_one(seed: int) -> None:
    p = _problem(_spec(seed))
    a = _arrays(p)
    start = serial_schedule(p)
    al, fwd = k.justify(start, *a.args())
    want = justify(p, start)
    got = fwd if _closure(p, fwd) <= _closure(p, start) else start
    assert np.array_equal(got, want)
    # The list it returns schedules to that plan.
    assert np.array_equal(k.sgs(al, a.dur, a.dem, a.cap, a.pptr, a.pidx, a.release, a.free), fwd)


def _tiny(seed: int) -> tuple[dict, Problem]:
    rng = random.Random(seed)
    caps = {"C17": rng.randint(2, 4), "RORO": rng.randint(1, 3)}
    moves = []
    for j in range(6):
        m = {"id": f"M{j}", "days": rng.randint(1, 4),
             "lift": {x: rng.randint(1, c) for x, c in caps.items()}}
        after = [f"M{i}" for i in range(j) if rng.random() < 0.2]
        if after:
            m["after"] = after
        if rng.random() < 0.3:
            m["available"] = rng.randint(0, 4)
        moves.append(m)
    spec = {"lift": [{"id": x, "mode": "air", "capacity": c} for x, c in caps.items()],
            "movements": moves}
    return spec, _problem(spec)


def _brute_force(p: Problem) -> int:
    """The least closure over every order: the serial scheme on all activity lists gives every
    active schedule, among which is an optimal one (release days included)."""
    best = None
    for perm in itertools.permutations(range(p.n)):
        pos = {j: i for i, j in enumerate(perm)}
        if any(pos[i] > pos[j] for j, ps in enumerate(p.preds) for i in ps):
            continue
        prio = np.array([pos[j] for j in range(p.n)], dtype=np.int64)
        c = _closure(p, serial_schedule(p, prio))
        best = c if best is None else min(best, c)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(8))
def test_genetic_search_finds_the_enumerated_optimum(seed: int) -> None:
    spec, p = _tiny(seed)
    res = genetic_search(p, 10.0, [serial_schedule(p)], seed=seed, generations=30)
    assert _violations(spec, dict(zip(p.ids, map(int, res.start), strict=True))) == []
    assert res.closure == _closure(p, res.start) == _brute_force(p)


def test_genetic_search_is_repeatable_and_never_worse_than_its_seed() -> None:
    inst = BENCH.read_sm(DATA / "j3013_1.sm")
    spec = BENCH.to_scenario(inst)
    dep = Deployment("t", None, [LiftType(**x) for x in spec["lift"]], [],
                     [Movement(**m) for m in spec["movements"]])
    p = from_deployment(dep)
    greedy = serial_schedule(p)
    runs = [genetic_search(p, 60.0, [greedy], seed=7, generations=40) for _ in range(2)]
    assert np.array_equal(runs[0].start, runs[1].start)
    assert feasible(p, runs[0].start)
    assert _optimum("j3013_1") <= runs[0].closure <= _closure(p, greedy)


def test_not_schedulable_when_a_demand_exceeds_its_capacity() -> None:
    spec = {"lift": [{"id": "C17", "mode": "air", "capacity": 2}],
            "movements": [{"id": "M0", "days": 2, "lift": {"C17": 3}}]}
    assert not schedulable(_problem(spec))


def test_genetic_plan_returned_when_cp_sat_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT held to a hundredth of a second: the genetic search's plan (or better) comes back.

    The search is recorded as it runs; the plan returned must close no later than its plan,
    which must beat the greedy plan CP-SAT was hinted with, and be feasible.
    """
    inst = BENCH.read_sm(DATA / "j3013_1.sm")
    spec = BENCH.to_scenario(inst)
    dep = Deployment("t", None, [LiftType(**x) for x in spec["lift"]], [],
                     [Movement(**m) for m in spec["movements"]])
    p = from_deployment(dep)
    real_solver = cpsat._solver

    def short(seconds: float, workers: int):  # type: ignore[no-untyped-def]
        s = real_solver(seconds, workers)
        s.parameters.max_time_in_seconds = 0.01
        s.parameters.num_workers = 1
        s.parameters.stop_after_first_solution = True
        return s

    from forcegen.deployment import genetic

    found = []
    real_search = genetic.genetic_search

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        res = real_search(*args, **kwargs)
        found.append(res)
        return res

    monkeypatch.setattr(cpsat, "_solver", short)
    # Where it runs is priced in serial schedules timed in the run (tested on its own below):
    # under load a slow first one must not skip the search this test is about.
    monkeypatch.setattr(cpsat, "_GA_MIN_SERIALS", 0.0)
    monkeypatch.setattr(genetic, "genetic_search", recorded)
    plan = cpsat.solve_cpsat(p, time_limit=4.0, improve_seconds=0.0)
    assert found, "the genetic search did not run"
    assert plan.start is not None and feasible(p, plan.start)
    assert plan.closure is not None and plan.closure == _closure(p, plan.start)
    assert plan.closure <= found[0].closure < _closure(p, serial_schedule(p))
    assert plan.closure >= _optimum("j3013_1")
    assert plan.bound <= _optimum("j3013_1")


def test_genetic_search_only_where_it_buys_many_schedules() -> None:
    """Priced in Python serial schedules: never where one costs a large share of the time (the
    generated 5,000-line deployment, short what-ifs), nor where a demand cannot fit."""
    spec, p = _tiny(0)
    assert cpsat._genetic_worth(p, 2.0, 1e-4)
    assert not cpsat._genetic_worth(p, 2.0, 0.01)  # 200 serial schedules' worth only
    assert not cpsat._genetic_worth(p, 0.2, 1e-6)  # too short to be worth starting
    spec["movements"][0]["lift"] = {"C17": 99}
    assert not cpsat._genetic_worth(_problem(spec), 2.0, 1e-4)
