"""The compiled search (routes without time windows): optimal on small cases, feasible on
asymmetric legs and caveats when re-timed from the raw input, and the same moves without numba."""

from __future__ import annotations

import numpy as np
import pytest
from _patrol_oracle import brute_force, random_instance, route_hours, write_patrol

from forcegen.patrols import _kernels as kn
from forcegen.patrols import load_patrol
from forcegen.patrols._fastils import fast_ils
from forcegen.patrols._routing import _Ctx
from forcegen.patrols.heuristic import iterated_local_search, score


def _stops(prob, routes):
    return [[prob.area_ids[a] for a in r] for r in routes]


def _assert_feasible(patrol, legs, prob, routes):
    by_id = {v["id"]: v for v in patrol["vessels"]}
    seen = [a for r in routes for a in r]
    assert len(seen) == len(set(seen))
    for k, stops in enumerate(_stops(prob, routes)):
        if stops:
            assert route_hours(patrol, legs, by_id[prob.vessel_ids[k]], stops) is not None


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("caveats", [False, True])
def test_heuristic_alone_finds_the_brute_force_optimum(tmp_path, seed, caveats):
    patrol, legs = random_instance(100 + seed, 6, 2, caveats=caveats)
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    routes = iterated_local_search(prob, time_limit=20, max_iter=300, seed=seed)
    _assert_feasible(patrol, legs, prob, routes)
    assert score(prob, routes) == pytest.approx(brute_force(patrol, legs))


@pytest.mark.parametrize("seed", range(3))
def test_asymmetric_legs_and_station_hours_stay_feasible(tmp_path, seed):
    patrol, legs = random_instance(200 + seed, 30, 3, caveats=True)
    rng = np.random.default_rng(seed)
    legs = {pair: h * float(rng.uniform(0.6, 1.6)) for pair, h in legs.items()}  # one-way legs
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    routes = iterated_local_search(prob, time_limit=20, max_iter=400, seed=seed)
    _assert_feasible(patrol, legs, prob, routes)
    assert score(prob, routes) > 0


def test_target_stops_the_search_once_reached(tmp_path):
    patrol, legs = random_instance(7, 30, 2)
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    first = fast_ils(_Ctx(prob), time_limit=20, seed=0, max_iter=10**6, target=1.0, start=None)
    # The first local optimum already beats a target of 1: no iteration runs after it.
    once = fast_ils(_Ctx(prob), time_limit=20, seed=0, max_iter=0, target=None, start=None)
    assert first == once


def test_moves_run_the_same_as_plain_python(tmp_path):
    """The search loop run as plain Python (numba's ``py_func``) makes the same routes."""
    patrol, legs = random_instance(9, 14, 2, caveats=True)
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    ctx = _Ctx(prob)
    v, a = prob.n_vessels, prob.n_areas
    args = []
    for use_py in (False, True):
        R, L, H = np.zeros((v, a), np.int64), np.zeros(v, np.int64), np.zeros(v)
        for k in range(v):
            H[k] = kn.route_hours(ctx.d, k, R, 0)
        visited = np.zeros(a, np.bool_)
        fn = getattr(kn.local_search, "py_func", kn.local_search) if use_py else kn.local_search
        fn(ctx.d, ctx.travel, prob.values.astype(float), prob.allowed, prob.endurance.astype(float),
           R, L, H, visited, kn.new_memo())
        args.append((R.copy(), L.copy(), H.copy(), visited.copy()))
    for x, y in zip(args[0], args[1], strict=True):
        np.testing.assert_allclose(x, y)
    routes = [list(args[0][0][k, :args[0][1][k]]) for k in range(v)]
    _assert_feasible(patrol, legs, prob, routes)


def test_two_workers_repeat_and_never_lose_to_one(tmp_path):
    """Two searches on threads, stopped by iteration counts: the same routes every time, and
    never below the one-worker search (its worker 0 is that search)."""
    patrol, legs = random_instance(21, 40, 3)
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)

    def run(workers):
        return fast_ils(_Ctx(prob), time_limit=600, seed=3, max_iter=150, target=None,
                        start=None, workers=workers)

    one, two, again = run(1), run(2), run(2)
    assert two == again
    assert score(prob, two) >= score(prob, one)
    _assert_feasible(patrol, legs, prob, two)
