"""Pre-positioning models against brute force on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.readiness._heuristics import greedy_interchange, pcenter_interchange
from forcegen.readiness.preposition import (
    allocate_stocks,
    preposition,
    preposition_capacitated,
)


def _instance(seed: int, m: int = 7, n: int = 6, holes: bool = False):
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 25, (m, n)).astype(float)
    if holes:
        cost[rng.random((m, n)) < 0.2] = np.inf
        cost[0] = rng.integers(0, 25, n)  # keep every sector reachable
    w = rng.integers(1, 5, n).astype(float)
    return cost, w


def _subsets(m: int, p: int, fixed: list[int]):
    for s in itertools.combinations(range(m), p):
        if set(fixed) <= set(s):
            yield list(s)


def _ids(k: int, prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(k)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("objective", ["average", "worst", "coverage"])
def test_response_objectives_match_brute_force(seed: int, objective: str) -> None:
    cost, w = _instance(seed, holes=seed % 3 == 0)
    m, n = cost.shape
    p = 1 + seed % 4
    fixed = [2] if seed % 4 == 1 else []
    within = 8.0
    existing = np.isin(np.arange(m), fixed)

    def value(s: list[int]) -> float:
        d = cost[s].min(axis=0)
        if objective == "average":
            return float(w @ d) / w.sum()
        if objective == "worst":
            return float(d.max())
        return -float(w[d <= within].sum())

    best = min(value(s) for s in _subsets(m, p, fixed))
    res = preposition(cost, w, _ids(m, "s"), _ids(n, "t"), p=p, objective=objective,
                      within=within, existing=existing)
    assert res.status == "optimal"
    assert len(res.depots) == p
    chosen = [int(d[1:]) for d in res.depots]
    assert set(fixed) <= set(chosen)
    # Independent recomputation of the reported objective from the chosen sites.
    assert value(chosen) == pytest.approx(best, abs=1e-9)
    sign = -1 if objective == "coverage" else 1
    assert sign * res.objective == pytest.approx(best, abs=1e-9)
    assert res.gap == pytest.approx(0.0, abs=1e-6)
    # Each sector is allocated to its nearest chosen site, with its whole demand.
    reached = np.isfinite(cost[chosen].min(axis=0))
    assert sorted(a[1] for a in res.allocation) == sorted(
        f"t{j}" for j in np.flatnonzero(reached))
    assert res.extra.get("unreached", []) == [f"t{j}" for j in np.flatnonzero(~reached)]
    for site, sector, amount in res.allocation:
        j = int(sector[1:])
        assert cost[int(site[1:]), j] == cost[chosen, j].min()
        assert amount == w[j]
    if objective == "average":
        assert res.total == pytest.approx(w @ cost[chosen].min(axis=0))


@pytest.mark.parametrize("seed", range(6))
def test_heuristics_are_feasible_and_never_better_than_exact(seed: int) -> None:
    cost, w = _instance(seed, m=10, n=12)
    p = 3
    best_avg = min(float(w @ cost[s].min(axis=0)) for s in _subsets(10, p, []))
    best_max = min(float(cost[s].min(axis=0).max()) for s in _subsets(10, p, []))
    h = greedy_interchange(cost, w, p)
    c = pcenter_interchange(cost, p)
    assert len(set(h.tolist())) == p and len(set(c.tolist())) == p
    assert float(w @ cost[h].min(axis=0)) >= best_avg - 1e-9
    assert float(cost[c].min(axis=0).max()) >= best_max - 1e-9
    res = preposition(cost, w, _ids(10, "s"), _ids(12, "t"), p=p, method="heuristic")
    assert res.method == "heuristic"
    assert res.objective * w.sum() >= best_avg - 1e-9
    assert res.bound * w.sum() <= best_avg + 1e-9  # the reported bound is a true lower bound


def _transport_lp(cost, d, q, open_sites):
    """Cheapest split of demand over the open sites (scipy LP, independent of HiGHS model)."""
    _m, n = cost.shape
    sub = [i for i in open_sites]
    c = np.concatenate([cost[i] * d for i in sub])
    c = np.where(np.isfinite(c), c, 1e9)
    a_eq = np.zeros((n, len(sub) * n))
    a_ub = np.zeros((len(sub), len(sub) * n))
    for k, _ in enumerate(sub):
        a_eq[np.arange(n), k * n + np.arange(n)] = 1
        a_ub[k, k * n : (k + 1) * n] = d
    r = linprog(c, A_ub=a_ub, b_ub=q[sub], A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1),
                method="highs")
    return r.fun if r.status == 0 and r.fun < 1e8 else np.inf


@pytest.mark.parametrize("seed", range(6))
def test_capacitated_matches_enumeration_of_open_sets(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    m, n = 5, 6
    cost = rng.uniform(1, 10, (m, n))
    d = rng.integers(1, 10, n).astype(float)
    q = rng.integers(8, 25, m).astype(float)
    f = rng.integers(5, 60, m).astype(float)
    existing = np.zeros(m, bool)
    existing[seed % m] = seed % 2 == 0
    best = np.inf
    for k in range(1, m + 1):
        for s in itertools.combinations(range(m), k):
            if not set(np.flatnonzero(existing)) <= set(s):
                continue
            best = min(best, f[list(s)].sum() + _transport_lp(cost, d, q, list(s)))
    res = preposition_capacitated(cost, d, q, f, _ids(m, "s"), _ids(n, "t"), existing=existing)
    if not np.isfinite(best):
        assert res.status == "infeasible"
        return
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-6)
    # Feasibility recomputed: demand met, capacity kept, only open sites used.
    served = np.zeros(n)
    load = np.zeros(m)
    for site, sector, amount in res.allocation:
        assert site in res.depots
        served[int(sector[1:])] += amount
        load[int(site[1:])] += amount
    assert served == pytest.approx(d)
    assert np.all(load <= q + 1e-6)
    fixed = sum(f[int(s[1:])] for s in res.depots)
    assert res.objective == pytest.approx(fixed + res.total, rel=1e-9)


def test_capacitated_infeasible_when_capacity_short() -> None:
    cost = np.ones((2, 2))
    res = preposition_capacitated(cost, [5, 5], [3, 3], [1, 1], ["a", "b"], ["x", "y"])
    assert res.status == "infeasible"
    assert res.depots == []


@pytest.mark.parametrize("seed", range(4))
def test_stock_allocation_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    m, n, t = 3, 3, 2
    cost = rng.uniform(1, 9, (m, n))
    dem = rng.integers(0, 6, (n, t)).astype(float)
    q = rng.integers(4, 12, m).astype(float)
    f = rng.integers(0, 5, m).astype(float)
    price = np.array([1.0, 2.0])
    budget = 15.0
    pen = cost.max() + 1
    best = np.inf
    nvar = m * n * t
    for k in range(m + 1):
        for s in itertools.combinations(range(m), k):
            s = list(s)
            # LP over a_ijt (open sites only) and s_jt.
            c = np.concatenate([np.repeat(cost, t, axis=1).reshape(-1), np.full(n * t, pen)])
            ub = np.zeros(nvar + n * t)
            ub[nvar:] = np.inf
            for i in s:
                ub[i * n * t : (i + 1) * n * t] = np.inf
            a_eq = np.zeros((n * t, nvar + n * t))
            for i in range(m):
                for j in range(n):
                    for tt in range(t):
                        a_eq[j * t + tt, i * n * t + j * t + tt] = 1
            a_eq[:, nvar:] = np.eye(n * t)
            a_ub = [np.r_[np.tile(price, m * n), np.zeros(n * t)]]
            b_ub = [budget - f[s].sum()]
            for i in range(m):
                row = np.zeros(nvar + n * t)
                row[i * n * t : (i + 1) * n * t] = 1
                a_ub.append(row)
                b_ub.append(q[i])
            r = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq, b_eq=dem.reshape(-1),
                        bounds=list(zip(np.zeros(nvar + n * t), ub, strict=True)),
                        method="highs")
            if r.status == 0:
                best = min(best, r.fun)
    res = allocate_stocks(cost, dem, ["ammunition", "fuel"], _ids(m, "s"), _ids(n, "t"),
                          budget=budget, price=price, capacity=q, fixed_cost=f)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert res.extra["spent"] <= budget + 1e-6
    held = {}
    for a in res.extra["stock_allocation"]:
        assert a["site"] in res.depots
        held[a["site"]] = held.get(a["site"], 0.0) + a["amount"]
    for site, tons in held.items():
        assert tons <= q[int(site[1:])] + 1e-6
    short = sum(s["missing"] for s in res.extra["shortfalls"])
    assert res.extra["positioned"] + short == pytest.approx(dem.sum())


def test_bad_input_is_named() -> None:
    cost = np.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.raises(NetworkInputError, match=r"'a'.*'y'"):
        preposition(cost, [1, 1], ["a", "b"], ["x", "y"], p=1)
    cost = np.array([[1.0, np.inf], [3.0, np.inf]])
    with pytest.raises(NetworkInputError, match="'y'"):
        preposition(cost, [1, 1], ["a", "b"], ["x", "y"], p=1)
    ok = np.ones((2, 2))
    with pytest.raises(OptionError, match="between 1 and"):
        preposition(ok, [1, 1], ["a", "b"], ["x", "y"], p=3)
    with pytest.raises(OptionError, match="existing"):
        preposition(ok, [1, 1], ["a", "b"], ["x", "y"], p=1, existing=[True, True])
    with pytest.raises(OptionError, match="objective coverage needs within"):
        preposition(ok, [1, 1], ["a", "b"], ["x", "y"], p=1, objective="coverage")
    with pytest.raises(OptionError, match="capacity"):
        preposition_capacitated(ok, [1, 1], [None, 4], [1, 1], ["a", "b"], ["x", "y"])


def test_time_limit_reports_status_and_gap() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(1, 30, (60, 150))  # non-metric: hard for any MILP
    res = preposition(cost, np.ones(150), _ids(60, "s"), _ids(150, "t"), p=6, time_limit=0.5)
    assert res.status in ("optimal", "feasible")
    assert len(res.depots) == 6
    assert res.objective >= res.bound - 1e-9
    if res.status == "feasible":
        assert res.gap > 0
