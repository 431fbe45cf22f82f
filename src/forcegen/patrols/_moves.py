"""Improvement moves of the patrol search: insert after re-ordering, replace, relocate.

:func:`_local_search` applies them until none improves the routes. Split from
:mod:`forcegen.patrols.heuristic`.
"""

from __future__ import annotations

import numpy as np

from forcegen.patrols._routing import Routes, _Ctx, _insert_all, _tighten
from forcegen.patrols.replace import replace_move

REOPT_TRIES = 12  # re-ordering attempts per call (each runs 2-opt and or-opt)


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
