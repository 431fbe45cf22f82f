"""The route pool of the compiled search: deduplication, vessel classes, the set packing
against brute force, and the search going on from a packing (see forcegen.patrols._pool)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from _patrol_oracle import random_instance, write_patrol

from forcegen.patrols import load_patrol
from forcegen.patrols._fastils import _Arrays, _recombine, fast_ils
from forcegen.patrols._pool import RoutePool, vessel_classes
from forcegen.patrols._routing import _Ctx
from forcegen.patrols.heuristic import score


def _routes(rows: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    R = np.zeros((len(rows), width), dtype=np.int64)
    L = np.zeros(len(rows), dtype=np.int64)
    for k, r in enumerate(rows):
        R[k, :len(r)], L[k] = r, len(r)
    return R, L


def _best_packing(pool: RoutePool) -> float:
    """Brute force: every subset of the pool, kept when disjoint and within the class sizes."""
    best = 0.0
    for n in range(len(pool) + 1):
        for pick in itertools.combinations(range(len(pool)), n):
            areas = [int(a) for j in pick for a in pool.stops[j]]
            per_class = np.bincount([pool.klass[j] for j in pick], minlength=len(pool.sizes))
            if len(areas) == len(set(areas)) and (per_class <= pool.sizes).all():
                best = max(best, sum(pool.value[j] for j in pick))
    return best


def test_pool_keeps_one_route_per_class_and_set_of_areas():
    vals = np.arange(1.0, 7.0)
    pool = RoutePool(np.array([0, 0, 1]), 6)
    R, L = _routes([[0, 1, 2], [2, 1, 0], [0, 1, 2]], 6)
    assert pool.add(R, L, np.array([5.0, 4.0, 5.0]), vals) == 2  # class 0 once, class 1 once
    assert len(pool) == 2
    at = pool.find(0, np.array([1, 2, 0]))
    assert at is not None and pool.hours[at] == 4.0  # the quicker order of the same set
    assert list(pool.stops[at]) == [2, 1, 0] and pool.value[at] == 6.0
    R, L = _routes([[0, 1], [], [3]], 6)
    assert pool.add(R, L, np.array([3.0, 0.0, 2.0]), vals) == 2  # a subset is another route
    assert pool.find(1, np.array([1, 0])) == 2 and pool.find(2, np.array([0, 1])) is None


def test_pool_past_its_cap_keeps_the_most_valuable():
    vals = np.arange(1.0, 11.0)
    pool = RoutePool(np.array([0]), 10, cap=8)
    for a in range(10):
        R, L = _routes([[a]], 10)
        pool.add(R, L, np.array([1.0]), vals)
    # The 9th route pruned the pool to the 6 best (values 4-9); the 10th joined them.
    assert sorted(pool.value) == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    for j, s in enumerate(pool.stops):  # the index still points at the right routes
        assert pool.find(0, s) == j


def test_vessel_classes_group_identical_vessels_only():
    D = np.zeros((4, 5, 5))
    D[2] += 1.0
    E = np.array([10.0, 10.0, 10.0, 12.0])
    allowed = np.ones((4, 3), dtype=bool)
    assert vessel_classes(D, E, allowed).tolist() == [0, 0, 1, 2]
    allowed[1, 0] = False
    assert vessel_classes(D, E, allowed).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("seed", range(12))
def test_packing_is_the_best_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    a = 9
    vals = rng.integers(1, 10, a).astype(float)
    pool = RoutePool(np.array([0, 0, 1]), a)
    for _ in range(5):
        rows = [list(rng.choice(a, int(rng.integers(0, 4)), replace=False)) for _ in range(3)]
        R, L = _routes(rows, a)
        pool.add(R, L, np.ones(3), vals)
    packed = pool.pack([], 10.0)
    assert packed is not None
    chosen, proven = packed
    assert proven
    areas = [int(x) for j in chosen for x in pool.stops[j]]
    assert len(areas) == len(set(areas))
    assert (np.bincount([pool.klass[j] for j in chosen], minlength=2) <= pool.sizes).all()
    assert sum(pool.value[j] for j in chosen) == pytest.approx(_best_packing(pool))


def _problem(tmp_path, seed, areas, vessels):
    patrol, legs = random_instance(seed, areas, vessels)
    return load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)


def test_recombined_routes_beat_both_parents_and_are_feasible(tmp_path):
    """Two vessels of one class; each of two plans has one good and one poor route, on
    disjoint areas: the packing takes both good routes, and they are feasible as they are."""
    prob = _problem(tmp_path, 4, 12, 2)
    first = np.zeros(2, dtype=int)  # vessel 0 twice
    prob = replace(prob, endurance=np.full(2, 12.0), t_start=prob.t_start[first],
                   t_end=prob.t_end[first], t_between=prob.t_between[first],
                   t_direct=prob.t_direct[first], allowed=np.ones((2, prob.n_areas), bool))
    ar = _Arrays(_Ctx(prob), 0)
    assert ar.classes.tolist() == [0, 0]
    singles = sorted(range(prob.n_areas), key=lambda u: -prob.values[u])
    ok = [u for u in singles if prob.route_ok(0, [u])]
    good1, good2, poor1, poor2 = ok[0], ok[1], ok[-1], ok[-2]
    pool = RoutePool(ar.classes, prob.n_areas)
    plan_a = ar.build([[good1], [poor1]])
    plan_b = ar.build([[poor2], [good2]])
    for st in (plan_a, plan_b):
        pool.add(st.R, st.L, st.H, ar.vals)
    # What the packing alone makes, before the local search adds to it.
    at = [pool.find(k, plan_a.R[k, :plan_a.L[k]]) for k in range(2)]
    chosen, _ = pool.pack([j for j in at if j is not None], 5.0)  # type: ignore[misc]
    assert sorted(int(pool.stops[j][0]) for j in chosen) == sorted([good1, good2])
    st = _recombine(ar, pool, plan_a, 5.0)
    assert st is not None
    routes = st.routes()
    assert score(prob, routes) >= prob.values[good1] + prob.values[good2]
    assert all(prob.route_ok(k, r) for k, r in enumerate(routes))
    seen = [a for r in routes for a in r]
    assert len(seen) == len(set(seen))


def test_search_goes_on_from_a_better_packing(tmp_path):
    """On this instance and seed the first packing (after 600 iterations) beats every round so
    far; at 1000 iterations the pooled search is ahead of the same search without the pool."""
    prob = _problem(tmp_path, 323, 40, 3)

    def run(pool_every):
        stats: dict[str, float] = {}
        routes = fast_ils(_Ctx(prob), time_limit=600, seed=0, max_iter=1000, target=None,
                          start=None, pool_every=pool_every, stats=stats)
        return routes, stats

    pooled, stats = run(600)
    alone, no_stats = run(None)
    assert stats["packs"] >= 1 and stats["pack_gains"] >= 1 and "packs" not in no_stats
    assert score(prob, pooled) > score(prob, alone)
    assert all(prob.route_ok(k, r) for k, r in enumerate(pooled))
    assert pooled == run(600)[0]  # same seed and iterations: same routes
