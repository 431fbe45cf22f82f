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
from forcegen.patrols.replace import replace_move

__all__ = ["Routes", "greedy", "iterated_local_search", "score"]

Routes = list[list[int]]
STALE = 50  # iterations without a new best before going back to the round's best
REOPT_TRIES = 12  # re-ordering attempts per call (each runs 2-opt and or-opt)
ROUND = 400  # iterations without a new best before a fresh start (multi-start ILS)


class _Ctx:
    """Per-vessel distance matrices with the start (index A) and end (A+1) appended."""

    def __init__(self, prob: PatrolProblem) -> None:
        a, v = prob.n_areas, prob.n_vessels
        d = np.full((v, a + 2, a + 2), np.inf)
        d[:, :a, :a] = prob.t_between
        d[:, a, :a] = prob.t_start
        d[:, :a, a + 1] = prob.t_end
        d[:, a, a + 1] = prob.t_direct
        self.travel = d
        self.d = d + np.concatenate([prob.station, [0.0, 0.0]])[None, None, :]  # station on arrival
        self.prob = prob
        self.a = a
        self.windows = prob.has_windows
        self.values = prob.values
        # Closeness of areas for related removal: the quickest leg over any vessel.
        finite = np.where(np.isfinite(prob.t_between), prob.t_between, np.inf)
        self.near = finite.min(axis=0) if v else np.zeros((a, a))

    def length(self, k: int, route: list[int]) -> float:
        # An empty route counts its start -> end passage here, so that every saving the moves
        # compute is consistent; only feasibility treats it as "does not sail" (see ok()).
        seq = [self.a, *route, self.a + 1]
        return float(self.d[k, seq[:-1], seq[1:]].sum())

    def ok(self, k: int, route: list[int]) -> bool:
        if not route:
            return True
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
                trial = [*route[:p], int(cand[ci]), *route[p:]]
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
    """Reverse the segment that shortens the route most, while one does.

    Every (i, j) reversal is priced at once on travel hours (exact for symmetric legs); the
    chosen one is confirmed on the whole route, so asymmetric tables stay correct.
    """
    if len(route) < 2 or ctx.windows:
        return False
    dt, improved = ctx.travel[k], False
    for _ in range(len(route) * 4):  # bounded: every accepted move strictly shortens
        seq = np.array([ctx.a, *route, ctx.a + 1])
        pos = np.arange(1, len(seq) - 1)
        i, j = np.meshgrid(pos, pos, indexing="ij")
        delta = (dt[seq[i - 1], seq[j]] + dt[seq[i], seq[j + 1]]
                 - dt[seq[i - 1], seq[i]] - dt[seq[j], seq[j + 1]])
        delta[j <= i] = np.inf
        bi, bj = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[bi, bj] < -1e-9:
            break
        lo, hi = int(pos[bi]) - 1, int(pos[bj])
        trial = route[:lo] + route[lo:hi][::-1] + route[hi:]
        if ctx.length(k, trial) >= ctx.length(k, route) - 1e-9:
            break
        route[:] = trial
        improved = True
    return improved


def _or_opt(ctx: _Ctx, k: int, route: list[int]) -> bool:
    """Move single stops to a better place in the same route while that shortens it.

    All (stop, edge) pairs are priced at once: removing stop x saves ``gain[x]``, putting it on
    edge (p, p+1) of the current sequence costs ``cost[x, p]``; edges touching x are excluded.
    """
    if len(route) < 3 or ctx.windows:
        return False
    dk, improved = ctx.d[k], False
    for _ in range(len(route) * 4):  # bounded: every pass strictly shortens the route
        seq = np.array([ctx.a, *route, ctx.a + 1])
        x = seq[1:-1]
        gain = dk[seq[:-2], x] + dk[x, seq[2:]] - dk[seq[:-2], seq[2:]]
        head, tail = seq[:-1], seq[1:]
        cost = dk[head[None, :], x[:, None]] + dk[x[:, None], tail[None, :]] \
            - dk[head, tail][None, :]
        n = len(x)
        idx = np.arange(n)
        cost[idx, idx] = np.inf  # edge (prev, x): x's own place
        cost[idx, idx + 1] = np.inf  # edge (x, next)
        delta = cost - gain[:, None]
        i, p = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[i, p] >= -1e-9:
            break
        stop = route[i]
        trial = route[:i] + route[i + 1:]
        trial.insert(p if p < i else p - 1, stop)
        if ctx.length(k, trial) >= ctx.length(k, route) - 1e-9:
            break  # asymmetric legs: the priced move did not pay
        route[:] = trial
        improved = True
    return improved


def _tighten(ctx: _Ctx, k: int, route: list[int]) -> None:
    while _two_opt(ctx, k, route) | _or_opt(ctx, k, route):
        pass


def _insert_reoptimised(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> bool:
    """Insert an area that does not fit as the route stands but does once it is re-ordered.

    Only areas at most 3 % of the endurance over the limit at their cheapest place are tried,
    the most valuable first, at most REOPT_TRIES per call (each try runs 2-opt and or-opt).
    """
    if ctx.windows:
        return False
    prob = ctx.prob
    unv = np.flatnonzero(~visited & prob.allowed.any(axis=0))
    tries: list[tuple[float, float, int, int, int]] = []
    for k, route in enumerate(routes):
        cand = unv[prob.allowed[k, unv]]
        if cand.size == 0:
            continue
        seq = np.array([ctx.a, *route, ctx.a + 1])
        dk = ctx.d[k]
        prev, nxt = seq[:-1], seq[1:]
        delta = (dk[prev[None, :], cand[:, None]] + dk[cand[:, None], nxt[None, :]]
                 - dk[prev, nxt][None, :])
        pos = np.argmin(delta, axis=1)
        over = dk[prev, nxt].sum() + delta[np.arange(cand.size), pos] - prob.endurance[k]
        for i in np.flatnonzero((over > 0) & (over <= 0.03 * prob.endurance[k])):
            tries.append((-float(prob.values[cand[i]]), float(over[i]), k, int(cand[i]),
                          int(pos[i])))
    for _, _, k, u, p in sorted(tries)[:REOPT_TRIES]:
        trial = [*routes[k][:p], u, *routes[k][p:]]
        _tighten(ctx, k, trial)
        if ctx.ok(k, trial):
            routes[k][:] = trial
            visited[u] = True
            return True
    return False


def _replace(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> bool:
    """Swap a visited area for an unvisited one worth more, or as much but quicker to patrol.

    Best gain over all routes, then most hours saved; equal values only when hours are saved
    (that frees room for a later insertion).
    """
    if not ctx.windows:
        return replace_move(ctx, routes, visited)
    prob = ctx.prob
    unv = np.flatnonzero(~visited & prob.allowed.any(axis=0))
    if unv.size == 0:
        return False
    best: tuple[float, float, int, int, int, int] | None = None
    for k, route in enumerate(routes):
        cand_k = unv[prob.allowed[k, unv]]
        if cand_k.size == 0:
            continue
        base = ctx.length(k, route)
        for idx in range(len(route)):
            c = cand_k[prob.values[cand_k] >= prob.values[route[idx]]]
            if c.size == 0:
                continue
            rest = route[:idx] + route[idx + 1:]
            delta, pos = ctx.best_insertions(k, rest, c)
            saved = base - (ctx.length(k, rest) + delta)
            gain = prob.values[c] - prob.values[route[idx]]
            useful = np.isfinite(delta) & ((gain > 0) | (saved > 1e-6))
            if not useful.any():
                continue
            order = np.lexsort((-saved, -gain))  # most value, then most hours saved
            i = int(next(j for j in order if useful[j]))
            key = (float(gain[i]), float(saved[i]), k, idx, int(c[i]), int(pos[i]))
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return False
    _, _, k, idx, u, p = best
    visited[routes[k][idx]] = False
    del routes[k][idx]
    routes[k].insert(p, u)
    visited[u] = True
    return True


def _relocate(ctx: _Ctx, routes: Routes) -> bool:
    """Move the area whose move to another route lowers total hours most (frees room)."""
    prob = ctx.prob
    best: tuple[float, int, int, int, int] | None = None  # hours saved, from, index, to, pos
    for k, route in enumerate(routes):
        if not route:
            continue
        seq = np.array([ctx.a, *route, ctx.a + 1])
        dk, x = ctx.d[k], seq[1:-1]
        saved = dk[seq[:-2], x] + dk[x, seq[2:]] - dk[seq[:-2], seq[2:]]
        for m, other in enumerate(routes):
            if m == k:
                continue
            ok = np.flatnonzero(prob.allowed[m, x])
            if ok.size == 0:
                continue
            delta, pos = ctx.best_insertions(m, other, x[ok])
            win = saved[ok] - delta
            i = int(np.argmax(win))
            if win[i] > 1e-9 and (best is None or win[i] > best[0]):
                best = (float(win[i]), k, int(ok[i]), m, int(pos[i]))
    if best is None:
        return False
    _, k, idx, m, p = best
    if ctx.windows:  # saving computed without waits: confirm on the real timetable
        trial_k = routes[k][:idx] + routes[k][idx + 1:]
        if not ctx.ok(k, trial_k):
            return False
    routes[m].insert(p, routes[k].pop(idx))
    return True


def _local_search(ctx: _Ctx, routes: Routes, visited: np.ndarray) -> None:
    # Every move strictly raises the value or strictly lowers the hours, so this ends; the cap
    # only guards the time limit against a float tie that would let two moves undo each other.
    for _ in range(100 * (ctx.a + 1)):
        for k, r in enumerate(routes):
            _tighten(ctx, k, r)
        if _insert_all(ctx, routes, visited):
            continue
        if _insert_reoptimised(ctx, routes, visited):
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
    glob, glob_key = [list(r) for r in routes], _key(prob, ctx, routes)
    best, best_key, cur_key = [list(r) for r in routes], glob_key, glob_key
    s, r_len, stale, round_stale = 1, 1, 0, 0
    max_r = max(1, prob.n_areas // (3 * max(1, prob.n_vessels)))
    for _ in range(max_iter):
        if time.monotonic() > deadline or (target is not None and glob_key[0] >= target - 1e-9):
            break
        if round_stale > ROUND:  # this round is stuck: start afresh from a random construction
            routes = [[] for _ in range(prob.n_vessels)]
            visited[:] = False
            _insert_all(ctx, routes, visited, rng)
            _local_search(ctx, routes, visited)
            best = [list(r) for r in routes]
            best_key = cur_key = _key(prob, ctx, routes)
            stale = round_stale = 0
        trial = [list(r) for r in routes]
        tv = visited.copy()
        pick = rng.random()
        if pick < 0.3:  # remove the visited areas nearest a random area (re-plan a region)
            on = np.array([a for r in trial for a in r], dtype=int)
            if on.size:
                centre = int(rng.integers(prob.n_areas))
                near = np.minimum(ctx.near[centre, on], ctx.near[on, centre])
                q = int(rng.integers(1, max(2, int(0.4 * on.size) + 1)))
                gone = set(on[np.argsort(near, kind="stable")[:q]].tolist())
                for route in trial:
                    route[:] = [a for a in route if a not in gone]
                tv[list(gone)] = False
        elif pick < 0.65:  # remove a run of r_len stops from position s in every route
            for route in trial:
                if route:
                    at = s % len(route)
                    tv[route[at:at + r_len]] = False
                    del route[at:at + r_len]
        else:  # remove a random share of all visited areas
            on_list = [a for r in trial for a in r]
            q = int(rng.integers(1, max(2, int(0.3 * len(on_list)) + 1))) if on_list else 0
            out = (set(rng.choice(on_list, size=min(q, len(on_list)), replace=False).tolist())
                   if q else set())
            for route in trial:
                route[:] = [a for a in route if a not in out]
            tv[list(out)] = False
        _insert_all(ctx, trial, tv, rng)
        _local_search(ctx, trial, tv)
        key = _key(prob, ctx, trial)
        # Accept ties and small losses (at most half an area's worth) to keep moving.
        if key >= cur_key or key[0] >= cur_key[0] - float(rng.choice(prob.values)) * 0.5:
            routes, visited, cur_key = trial, tv, key
        if key > glob_key:
            glob, glob_key = [list(r) for r in trial], key
        if key > best_key:
            best, best_key, r_len, stale, round_stale = [list(r) for r in trial], key, 1, 0, 0
        else:
            r_len += 1
            stale += 1
            round_stale += 1
        s += int(rng.integers(1, r_len + 1))
        if r_len > max_r:
            r_len = 1
        if stale > STALE:  # wandered off: go back to this round's best
            routes = [list(r) for r in best]
            visited[:] = False
            for r in routes:
                visited[r] = True
            cur_key, stale = best_key, 0
    return glob
