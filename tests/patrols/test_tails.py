"""2-opt* (exchange the tails of two routes): the compiled move against a brute force over every
pair of cuts, and the search's routes re-timed from the raw legs with no tail exchange left."""

from __future__ import annotations

import itertools
from itertools import chain

import numpy as np
import pytest
from _patrol_oracle import random_instance, route_hours, write_patrol

from forcegen.patrols import _kernels as kn
from forcegen.patrols import load_patrol
from forcegen.patrols.heuristic import iterated_local_search


def _hours(D: np.ndarray, k: int, route: list[int]) -> float:
    a = D.shape[1] - 2
    seq = [a, *route, a + 1]
    return float(sum(D[k, x, y] for x, y in itertools.pairwise(seq)))


def _random_state(rng: np.random.Generator, V: int = 3, A: int = 12):
    """Per-vessel asymmetric hours, random caveats, random routes, endurance a little over."""
    D = rng.uniform(1, 5, (V, A + 2, A + 2))
    allowed = rng.random((V, A)) < 0.85
    R, L = np.zeros((V, A), np.int64), np.zeros(V, np.int64)
    stops = rng.permutation(A)[:int(rng.integers(3, A + 1))]
    for k, part in enumerate(np.array_split(stops, np.sort(rng.choice(stops.size + 1, V - 1)))):
        R[k, :part.size], L[k] = part, part.size
    H = np.array([kn.route_hours(D, k, R, int(L[k])) for k in range(V)])
    return D, allowed, H + rng.uniform(0, 3, V), R, L, H


def _best_exchange(D, allowed, E, routes) -> float:
    """The most hours any feasible tail exchange saves (brute force; 0 when none saves)."""
    best = 0.0
    for k, m in itertools.combinations(range(len(routes)), 2):
        for i, j in itertools.product(range(len(routes[k]) + 1), range(len(routes[m]) + 1)):
            new_k, new_m = routes[k][:i] + routes[m][j:], routes[m][:j] + routes[k][i:]
            if not (all(allowed[k, u] for u in routes[m][j:])
                    and all(allowed[m, u] for u in routes[k][i:])):
                continue
            hk, hm = _hours(D, k, new_k), _hours(D, m, new_m)
            if hk <= E[k] + 1e-7 and hm <= E[m] + 1e-7:
                best = max(best, _hours(D, k, routes[k]) + _hours(D, m, routes[m]) - hk - hm)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_tail_exchange_is_the_best_feasible_one(seed):
    rng = np.random.default_rng(seed)
    moved = 0
    for _ in range(60):
        D, allowed, E, R, L, H = _random_state(rng)
        before = [[int(x) for x in R[k, :L[k]]] for k in range(len(L))]
        want = _best_exchange(D, allowed, E, before)
        changed = kn.two_opt_star(D, allowed, E, R, L, H)
        after = [[int(x) for x in R[k, :L[k]]] for k in range(len(L))]
        assert sorted(chain(*after)) == sorted(chain(*before))  # same stops, none twice
        for k, route in enumerate(after):  # re-timed: within endurance, H kept right
            assert _hours(D, k, route) == pytest.approx(H[k], abs=1e-9)
            assert _hours(D, k, route) <= E[k] + 1e-7
            assert all(allowed[k, u] for u in route if u not in before[k])
        saved = sum(_hours(D, k, r) for k, r in enumerate(before)) - H.sum()
        assert changed == (want > kn.GAIN)
        assert saved == pytest.approx(want if changed else 0.0, abs=1e-9)
        moved += changed
    assert moved > 10  # the cases do exercise the move


@pytest.mark.parametrize("seed", range(3))
def test_search_routes_leave_no_tail_exchange_on_the_raw_legs(tmp_path, seed):
    """Asymmetric legs, two ports, caveats: routes feasible and 2-opt*-optimal when re-timed."""
    patrol, legs = random_instance(300 + seed, 24, 3, caveats=True)
    rng = np.random.default_rng(seed)
    legs = {pair: h * float(rng.uniform(0.6, 1.6)) for pair, h in legs.items()}
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    routes = iterated_local_search(prob, time_limit=20, max_iter=200, seed=seed)
    vessels = {v["id"]: v for v in patrol["vessels"]}
    stops = [[prob.area_ids[a] for a in r] for r in routes]
    ves = [vessels[prob.vessel_ids[k]] for k in range(len(routes))]
    assert len(list(chain(*stops))) == len(set(chain(*stops)))
    hours = [route_hours(patrol, legs, v, s) for v, s in zip(ves, stops, strict=True)]
    assert all(h is not None for h in hours)
    for k, m in itertools.combinations(range(len(routes)), 2):
        for i, j in itertools.product(range(len(stops[k]) + 1), range(len(stops[m]) + 1)):
            hk = route_hours(patrol, legs, ves[k], stops[k][:i] + stops[m][j:])
            hm = route_hours(patrol, legs, ves[m], stops[m][:j] + stops[k][i:])
            if hk is not None and hm is not None:
                assert hk + hm >= hours[k] + hours[m] - 1e-6, (k, m, i, j)
