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
        delta = (dk[prev[None, :], cand[:, None]] + dk[cand[:, None], nxt[None, :]]
                 - dk[prev, nxt][None, :])
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


def _insert_all(ctx: _Ctx, routes: Routes, visited: np.ndarray,
                rng: np.random.Generator | None = None) -> bool:
    """Insert unvisited areas greedily by value^alpha/added hours until none fits.

    With ``rng`` (repair after a perturbation) alpha is drawn in [1, 3] and each ratio gets
    multiplicative noise, so repeated repairs explore different routes; without it alpha = 2.
    """
    prob, changed = ctx.prob, False
    alpha = 2.0 if rng is None else float(rng.uniform(1.0, 3.0))
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
            ratio = np.where(fin, ctx.values[cand] ** alpha / (delta + 1e-9), -1.0)
            if rng is not None:
                ratio *= np.exp(rng.normal(0.0, 0.3, size=ratio.size))
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
    """Swap one visited area for a more valuable unvisited one (best gain over all routes)."""
    prob = ctx.prob
    unv = np.flatnonzero(~visited & prob.allowed.any(axis=0))
    if unv.size == 0:
        return False
    best: tuple[float, int, int, int, int] | None = None  # gain, route, index, area, position
    for k, route in enumerate(routes):
        cand_k = unv[prob.allowed[k, unv]]
        for idx in range(len(route) if cand_k.size else 0):
            c = cand_k[prob.values[cand_k] > prob.values[route[idx]]]
            if c.size == 0:
                continue
            delta, pos = ctx.best_insertions(k, route[:idx] + route[idx + 1:], c)
            gain = np.where(np.isfinite(delta), prob.values[c] - prob.values[route[idx]], -1.0)
            i = int(np.argmax(gain))  # first among equal gains: the lowest area index
            if gain[i] > 0 and (best is None or gain[i] > best[0]):
                best = (float(gain[i]), k, idx, int(c[i]), int(pos[i]))
    if best is None:
        return False
    _, k, idx, u, p = best
    visited[routes[k][idx]] = False
    del routes[k][idx]
    routes[k].insert(p, u)
    visited[u] = True
    return True


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
    cur_key = best_key
    s, r_len, stale = 1, 1, 0
    max_r = max(1, prob.n_areas // (3 * max(1, prob.n_vessels)))
    for _ in range(max_iter):
        if time.monotonic() > deadline or (target is not None and best_key[0] >= target - 1e-9):
            break
        trial = [list(r) for r in routes]
        tv = visited.copy()
        if rng.random() < 0.5:  # remove a run of r_len stops from position s in every route
            for route in trial:
                if route:
                    at = s % len(route)
                    tv[route[at:at + r_len]] = False
                    del route[at:at + r_len]
        else:  # remove a random share of all visited areas
            on = [a for r in trial for a in r]
            q = int(rng.integers(1, max(2, int(0.3 * len(on)) + 1))) if on else 0
            out = set(rng.choice(on, size=min(q, len(on)), replace=False).tolist()) if q else set()
            for route in trial:
                route[:] = [a for a in route if a not in out]
            tv[list(out)] = False
        _insert_all(ctx, trial, tv, rng)
        _local_search(ctx, trial, tv)
        key = _key(prob, ctx, trial)
        # Accept ties and small losses (at most one area's worth) to keep moving.
        if key >= cur_key or key[0] >= cur_key[0] - float(rng.choice(prob.values)) * 0.5:
            routes, visited, cur_key = trial, tv, key
        if key > best_key:
            best, best_key, r_len, stale = [list(r) for r in trial], key, 1, 0
        else:
            r_len += 1
            stale += 1
        s += int(rng.integers(1, r_len + 1))
        if r_len > max_r:
            r_len = 1
        if stale > 50:  # wandered off: restart from the best known
            routes = [list(r) for r in best]
            visited[:] = False
            for r in routes:
                visited[r] = True
            cur_key, stale = best_key, 0
    return best
