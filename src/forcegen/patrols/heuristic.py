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

from forcegen.patrols._fastils import fast_ils
from forcegen.patrols._moves import _local_search
from forcegen.patrols._routing import Routes, _Ctx, _insert_all
from forcegen.patrols.problem import PatrolProblem

__all__ = ["Routes", "greedy", "iterated_local_search", "score"]

STALE = 50  # iterations without a new best before going back to the round's best
ROUND = 400  # iterations without a new best before a fresh start (multi-start ILS)


def score(prob: PatrolProblem, routes: Routes) -> float:
    """The value of the areas the routes visit."""
    return float(sum(prob.values[a] for r in routes for a in r))


def greedy(prob: PatrolProblem) -> Routes:
    """Baseline: cheapest value²/hours insertion only, no improvement moves."""
    ctx = _Ctx(prob)
    routes: Routes = [[] for _ in range(prob.n_vessels)]
    _insert_all(ctx, routes, np.zeros(prob.n_areas, dtype=bool))
    return routes


def _key(prob: PatrolProblem, ctx: _Ctx, routes: Routes) -> tuple[float, float]:
    return (score(prob, routes), -sum(ctx.length(k, r) for k, r in enumerate(routes)))


def _visited(prob: PatrolProblem, routes: Routes) -> np.ndarray:
    visited = np.zeros(prob.n_areas, dtype=bool)
    for r in routes:
        visited[r] = True
    return visited


def _remove_related(ctx: _Ctx, trial: Routes, tv: np.ndarray, rng: np.random.Generator) -> None:
    """Remove the visited areas nearest a random area (re-plan a region)."""
    on = np.array([a for r in trial for a in r], dtype=int)
    if on.size:
        centre = int(rng.integers(ctx.prob.n_areas))
        near = np.minimum(ctx.near[centre, on], ctx.near[on, centre])
        q = int(rng.integers(1, max(2, int(0.4 * on.size) + 1)))
        gone = set(on[np.argsort(near, kind="stable")[:q]].tolist())
        for route in trial:
            route[:] = [a for a in route if a not in gone]
        tv[list(gone)] = False


def _remove_random(trial: Routes, tv: np.ndarray, rng: np.random.Generator) -> None:
    """Remove a random share of all visited areas."""
    on_list = [a for r in trial for a in r]
    q = int(rng.integers(1, max(2, int(0.3 * len(on_list)) + 1))) if on_list else 0
    out = (set(rng.choice(on_list, size=min(q, len(on_list)), replace=False).tolist())
           if q else set())
    for route in trial:
        route[:] = [a for a in route if a not in out]
    tv[list(out)] = False


def _perturb(ctx: _Ctx, trial: Routes, tv: np.ndarray, rng: np.random.Generator, s: int,
             r_len: int) -> None:
    """Remove areas from ``trial`` (and from ``tv``) by one of three rules drawn at random."""
    pick = rng.random()
    if pick < 0.3:
        _remove_related(ctx, trial, tv, rng)
    elif pick < 0.65:  # remove a run of r_len stops from position s in every route
        for route in trial:
            if route:
                at = s % len(route)
                tv[route[at:at + r_len]] = False
                del route[at:at + r_len]
    else:
        _remove_random(trial, tv, rng)


def _fresh_start(ctx: _Ctx, rng: np.random.Generator) -> tuple[Routes, np.ndarray]:
    """A random construction, locally optimised: the start of a new round."""
    routes: Routes = [[] for _ in range(ctx.prob.n_vessels)]
    visited = np.zeros(ctx.prob.n_areas, dtype=bool)
    _insert_all(ctx, routes, visited, rng)
    _local_search(ctx, routes, visited)
    return routes, visited


def iterated_local_search(prob: PatrolProblem, *, time_limit: float = 10.0, seed: int = 0,
                          max_iter: int = 2000, target: float | None = None,
                          start: Routes | None = None, stall: float = float("inf"),
                          workers: int = 1) -> Routes:
    """Best routes found; stops at ``max_iter`` iterations, ``time_limit`` s or ``target``.

    Without time windows the search runs on the compiled moves (:mod:`._fastils`), which also
    stop after ``stall`` iterations without a new best, on ``workers`` threads (independent
    searches, the best wins); with windows every candidate needs its timetable, and the array
    moves below handle that (one thread).
    """
    ctx = _Ctx(prob)
    if not ctx.windows and prob.n_areas:
        return fast_ils(ctx, time_limit=time_limit, seed=seed, max_iter=max_iter,
                        target=target, start=start, stall=stall, workers=workers)
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + time_limit
    routes = [list(r) for r in start] if start else [[] for _ in range(prob.n_vessels)]
    visited = _visited(prob, routes)
    _local_search(ctx, routes, visited)
    glob, glob_key = [list(r) for r in routes], _key(prob, ctx, routes)
    best, best_key, cur_key = [list(r) for r in routes], glob_key, glob_key
    s, r_len, stale, round_stale = 1, 1, 0, 0
    max_r = max(1, prob.n_areas // (3 * max(1, prob.n_vessels)))
    for _ in range(max_iter):
        if time.monotonic() > deadline or (target is not None and glob_key[0] >= target - 1e-9):
            break
        if round_stale > ROUND:  # this round is stuck: start afresh from a random construction
            routes, visited = _fresh_start(ctx, rng)
            best = [list(r) for r in routes]
            best_key = cur_key = _key(prob, ctx, routes)
            stale = round_stale = 0
        trial = [list(r) for r in routes]
        tv = visited.copy()
        _perturb(ctx, trial, tv, rng, s, r_len)
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
            r_len, stale, round_stale = r_len + 1, stale + 1, round_stale + 1
        s += int(rng.integers(1, r_len + 1))
        r_len = 1 if r_len > max_r else r_len
        if stale > STALE:  # wandered off: go back to this round's best
            routes = [list(r) for r in best]
            visited = _visited(prob, routes)
            cur_key, stale = best_key, 0
    return glob
