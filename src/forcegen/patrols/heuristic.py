"""Greedy baseline and an iterated local search (ILS) for the team orienteering problem.

Moves: cheapest insertion by value²/added-hours, 2-opt within a route, relocation of an area
to another vessel's route (to free hours), replacement of a visited area by a more valuable
unvisited one; the perturbation removes a run of stops from every route (Vansteenwegen et al.,
"Iterated local search for the team orienteering problem with time windows", 2009), with a
seeded random start so that runs are repeatable. Insertion costs are computed as numpy arrays
over (candidate area, position) at once; time windows fall back to timing each candidate.
"""

from __future__ import annotations

import time

import numpy as np

from forcegen.patrols.problem import EPS, PatrolProblem

__all__ = ["Routes", "greedy", "iterated_local_search", "score"]

Routes = list[list[int]]


class _Ctx:
    """Per-vessel distance matrices with the start (index A) and end (A+1) appended."""

    def __init__(self, prob: PatrolProblem) -> None:
        a, v = prob.n_areas, prob.n_vessels
        d = np.full((v, a + 2, a + 2), np.inf)
        d[:, :a, :a] = prob.t_between
        d[:, a, :a] = prob.t_start
        d[:, :a, a + 1] = prob.t_end
        d[:, a, a + 1] = prob.t_direct
        self.d = d + np.concatenate([prob.station, [0.0, 0.0]])[None, None, :]  # station on arrival
        self.prob = prob
        self.a = a
        self.windows = prob.has_windows
        self.values = prob.values

    def length(self, k: int, route: list[int]) -> float:
        seq = [self.a, *route, self.a + 1]
        return float(self.d[k, seq[:-1], seq[1:]].sum())

    def ok(self, k: int, route: list[int]) -> bool:
        if self.windows:
            return self.prob.route_ok(k, route)
        return self.length(k, route) <= self.prob.endurance[k] + EPS

    def best_insertions(self, k: int, route: list[int], cand: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate: the least added hours over positions (inf if none fits), where."""
        seq = np.array([self.a, *route, self.a + 1])
        dk = self.d[k]
        prev, nxt = seq[:-1], seq[1:]
        delta = dk[np.ix_(prev, cand)].T + dk[np.ix_(cand, nxt)] - dk[prev, nxt][None, :]
        slack = self.prob.endurance[k] + EPS - dk[prev, nxt].sum()
        delta[delta > slack] = np.inf
        if self.windows:
            for ci, p in zip(*np.nonzero(np.isfinite(delta)), strict=True):
                trial = route[:p] + [int(cand[ci])] + route[p:]
                if not self.prob.route_ok(k, trial):
                    delta[ci, p] = np.inf
        pos = np.argmin(delta, axis=1)  # first (canonical) position among equal costs
        return delta[np.arange(len(cand)), pos], pos


def score(prob: PatrolProblem, routes: Routes) -> float:
    return float(sum(prob.values[a] for r in routes for a in r))


def _insert_all(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> bool:
    """Insert unvisited areas greedily by value²/added hours until none fits."""
    prob, changed = ctx.prob, False
    while True:
        best = (0.0, -1, -1, -1)
        for k, route in enumerate(routes):
            cand = np.flatnonzero(~visited & prob.allowed[k])
            if cand.size == 0:
                continue
            delta, pos = ctx.best_insertions(k, route, cand)
            fin = np.isfinite(delta)
            if not fin.any():
                continue
            ratio = np.where(fin, ctx.values[cand] ** 2 / (delta + 1e-9), -1.0)
            i = int(np.argmax(ratio))
            if ratio[i] > best[0] or (best[1] < 0 and ratio[i] >= 0):
                best = (float(ratio[i]), k, int(cand[i]), int(pos[i]))
        if best[1] < 0:
            return changed
        _, k, a, p = best
        routes[k].insert(p, a)
        visited[a] = True
        changed = True


def _two_opt(ctx: _Ctx, k: int, route: list[int]) -> bool:
    """Reverse segments while that shortens the route (first improvement, canonical order)."""
    if len(route) < 2 or ctx.windows:
        return False
    dk, improved = ctx.d[k], False
    again = True
    while again:
        again = False
        seq = [ctx.a, *route, ctx.a + 1]
        n = len(seq)
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                old = dk[seq[i - 1], seq[i]] + dk[seq[j], seq[j + 1]]
                new = dk[seq[i - 1], seq[j]] + dk[seq[i], seq[j + 1]]
                # station hours sit on arrival, so a reversal's interior cost is unchanged
                # only for symmetric legs: check the whole route instead of trusting the sum.
                if new < old - 1e-9:
                    trial = seq[1:i] + seq[i:j + 1][::-1] + seq[j + 1:-1]
                    if ctx.length(k, trial) < ctx.length(k, route) - 1e-9:
                        route[:] = trial
                        again = improved = True
                        break
            if again:
                break
    return improved


def _replace(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> bool:
    """Swap one visited area for a more valuable unvisited one in the same route."""
    prob = ctx.prob
    unvisited = [int(u) for u in np.flatnonzero(~visited & prob.allowed.any(axis=0))]
    unvisited.sort(key=lambda u: (-prob.values[u], u))
    for u in unvisited:
        for k, route in enumerate(routes):
            if not prob.allowed[k, u]:
                continue
            for idx in sorted(range(len(route)), key=lambda i: (prob.values[route[i]], i)):
                if prob.values[route[idx]] >= prob.values[u]:
                    break
                rest = route[:idx] + route[idx + 1:]
                delta, pos = ctx.best_insertions(k, rest, np.array([u]))
                if np.isfinite(delta[0]):
                    visited[route[idx]] = False
                    rest.insert(int(pos[0]), u)
                    route[:] = rest
                    visited[u] = True
                    return True
    return False


def _relocate(ctx: _Ctx, routes: Routes) -> bool:
    """Move an area to another route where that lowers the total hours (frees room)."""
    prob = ctx.prob
    for k, route in enumerate(routes):
        base_k = ctx.length(k, route)
        for idx in range(len(route)):
            a = route[idx]
            rest = route[:idx] + route[idx + 1:]
            saved = base_k - ctx.length(k, rest)
            for m, other in enumerate(routes):
                if m == k or not prob.allowed[m, a]:
                    continue
                delta, pos = ctx.best_insertions(m, other, np.array([a]))
                if delta[0] < saved - 1e-9:
                    route[:] = rest
                    other.insert(int(pos[0]), a)
                    return True
    return False


def _local_search(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> None:
    while True:
        for k, r in enumerate(routes):
            _two_opt(ctx, k, r)
        if _insert_all(ctx, routes, visited):
            continue
        if _replace(ctx, routes, visited):
            continue
        if _relocate(ctx, routes) and _insert_all(ctx, routes, visited):
            continue
        return


def greedy(prob: PatrolProblem) -> Routes:
    """Baseline: cheapest value²/hours insertion only, no improvement moves."""
    ctx = _Ctx(prob)
    routes: Routes = [[] for _ in range(prob.n_vessels)]
    _insert_all(ctx, routes, np.zeros(prob.n_areas, dtype=bool))
    return routes


def _key(prob: PatrolProblem, ctx: _Ctx, routes: Routes) -> tuple[float, float]:
    return (score(prob, routes), -sum(ctx.length(k, r) for k, r in enumerate(routes)))


def iterated_local_search(prob: PatrolProblem, *, time_limit: float = 10.0, seed: int = 0,
                          max_iter: int = 2000, target: float | None = None,
                          start: Routes | None = None) -> Routes:
    """Best routes found; stops at ``max_iter`` iterations, ``time_limit`` s or ``target``."""
    ctx = _Ctx(prob)
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + time_limit
    routes = [list(r) for r in start] if start else [[] for _ in range(prob.n_vessels)]
    visited = np.zeros(prob.n_areas, dtype=bool)
    for r in routes:
        visited[r] = True
    _local_search(ctx, routes, visited)
    best, best_key = [list(r) for r in routes], _key(prob, ctx, routes)
    s, r_len, stale = 1, 1, 0
    max_r = max(1, prob.n_areas // (3 * max(1, prob.n_vessels)))
    for _ in range(max_iter):
        if time.monotonic() > deadline or (target is not None and best_key[0] >= target - 1e-9):
            break
        for route in routes:  # remove a run of r_len stops from position s in every route
            if route:
                start_at = s % len(route)
                for a in route[start_at:start_at + r_len]:
                    visited[a] = False
                del route[start_at:start_at + r_len]
        _local_search(ctx, routes, visited)
        key = _key(prob, ctx, routes)
        if key > best_key:
            best, best_key, r_len, stale = [list(r) for r in routes], key, 1, 0
        else:
            r_len += 1
            stale += 1
        s += int(rng.integers(1, r_len + 1))
        if r_len > max_r:
            r_len = 1
        if stale > 40:  # wandered off: restart from the best known
            routes = [list(r) for r in best]
            visited[:] = False
            for r in routes:
                visited[r] = True
            stale = 0
    return best
