"""The replacement move of the patrol search, priced for every (stop, candidate) pair at once.

Swapping stop ``i`` of a route for an unvisited area ``c`` costs the cheapest insertion of c
into the route without i: either on the edge that closes the gap i leaves, or on any other
edge, whose prices do not change when i goes (edges i and i+1 are the ones that vanish, so the
cheapest of each candidate's three cheapest edges that survives is the cheapest overall). That
gives an (n stops x C candidates) table per route in a few numpy operations, where pricing
each removal separately took a Python loop with a full insertion scan per stop. Same move,
same choice as :func:`forcegen.patrols._moves._replace` on routes without time windows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["replace_move"]


def replace_move(ctx: Any, routes: list[list[int]], visited: np.ndarray) -> bool:
    """Apply the best replacement (most value gained, then most hours saved); False if none."""
    prob = ctx.prob
    unv = np.flatnonzero(~visited & prob.allowed.any(axis=0))
    if unv.size == 0:
        return False
    best = None
    for k, route in enumerate(routes):
        c = unv[prob.allowed[k, unv]]
        n = len(route)
        if c.size == 0 or n == 0:
            continue
        dk = ctx.d[k]
        seq = np.array([ctx.a, *route, ctx.a + 1])
        head, tail = seq[:-1], seq[1:]  # n + 1 edges
        edge = dk[head, tail]
        cost = dk[head[None, :], c[:, None]] + dk[c[:, None], tail[None, :]] - edge[None, :]
        x = seq[1:-1]
        removal = dk[seq[:-2], x] + dk[x, seq[2:]] - dk[seq[:-2], seq[2:]]  # hours saved
        merged = (dk[seq[:-2][:, None], c[None, :]] + dk[c[None, :], seq[2:][:, None]]
                  - dk[seq[:-2], seq[2:]][:, None])  # (n, C): insert on the merged edge
        # Cheapest edge other than idx, idx+1: among each candidate's three cheapest edges.
        m = min(3, n + 1)
        order = np.argsort(cost, axis=1, kind="stable")[:, :m]  # (C, m)
        idx = np.arange(n)
        alt = np.full((n, c.size), np.inf)
        alt_pos = np.zeros((n, c.size), dtype=int)
        for t in range(m - 1, -1, -1):  # the cheapest allowed edge wins: go from worst to best
            e = order[:, t][None, :]  # (1, C)
            okm = (e != idx[:, None]) & (e != idx[:, None] + 1)
            val = cost[np.arange(c.size), order[:, t]][None, :]
            take = okm & (val <= alt)
            alt = np.where(take, val, alt)
            alt_pos = np.where(take, np.where(e > idx[:, None], e - 1, e), alt_pos)
        use_merged = merged <= alt
        delta = np.where(use_merged, merged, alt)
        pos = np.where(use_merged, idx[:, None], alt_pos)
        base = float(edge.sum())
        slack = prob.endurance[k] + 1e-7 - (base - removal)  # hours left in the rest route
        delta = np.where(delta > slack[:, None], np.inf, delta)
        saved = removal[:, None] - delta
        gain = prob.values[c][None, :] - prob.values[np.array(route)][:, None]
        useful = np.isfinite(delta) & (gain >= 0) & ((gain > 0) | (saved > 1e-6))
        if not useful.any():
            continue
        for i in range(n):
            if not useful[i].any():
                continue
            o = np.lexsort((-saved[i], -gain[i]))
            j = int(next(q for q in o if useful[i, q]))
            key = (float(gain[i, j]), float(saved[i, j]), k, i, int(c[j]), int(pos[i, j]))
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return False
    _, _, k, i, u, p = best
    visited[routes[k][i]] = False
    del routes[k][i]
    routes[k].insert(p, u)
    visited[u] = True
    return True
