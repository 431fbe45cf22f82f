"""Route tools of the patrol search: per-vessel leg matrices, insertion, 2-opt and or-opt.

:class:`_Ctx` holds each vessel's hours between its start, the areas and its end (station hours
counted on arrival); the insertion and re-ordering moves price every candidate at once as numpy
arrays. Split from :mod:`forcegen.patrols.heuristic`, which drives them.
"""

from __future__ import annotations

import numpy as np

from forcegen.patrols.problem import EPS, PatrolProblem

__all__ = ["Routes"]

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
