"""Iterated local search for the team orienteering problem on the compiled moves.

The same search as :func:`forcegen.patrols.heuristic.iterated_local_search` (perturb, repair
by noisy value^alpha / hours insertion, local search, accept ties and small losses, go back to
the round's best when stale, restart from a random construction when a round is stuck), run
on :mod:`forcegen.patrols._kernels` for problems without time windows. Rounds are short so
that the many restarts the compiled speed allows spread the search (Vansteenwegen et al.,
2009; restarts as in the multi-start ILS for the team orienteering problem).
"""

from __future__ import annotations

import time

import numpy as np

from forcegen.patrols import _kernels as kn
from forcegen.patrols._routing import Routes, _Ctx

__all__ = ["fast_ils"]

STALE = 40  # iterations without a new best before going back to the round's best
ROUND = 600  # iterations without a new best before a fresh start
ACCEPT = 0.5  # a trial worse by up to this share of a random area's value is accepted


class _State:
    """Routes as arrays (see :mod:`forcegen.patrols._kernels`) and the areas they visit."""

    def __init__(self, R: np.ndarray, L: np.ndarray, H: np.ndarray, visited: np.ndarray):
        self.R, self.L, self.H, self.visited = R, L, H, visited

    def copy(self) -> _State:
        return _State(self.R.copy(), self.L.copy(), self.H.copy(), self.visited.copy())

    def key(self, vals: np.ndarray) -> tuple[float, float]:
        """Value first, then fewer hours: the order in which the search ranks routes."""
        return float(vals[self.visited].sum()), -float(self.H.sum())

    def routes(self) -> Routes:
        return [[int(x) for x in self.R[k, :n]] for k, n in enumerate(self.L)]


def fast_ils(ctx: _Ctx, *, time_limit: float, seed: int, max_iter: int,
             target: float | None, start: Routes | None, stall: float = float("inf")
             ) -> Routes:
    """Best routes found; stops at ``max_iter`` iterations, ``time_limit`` s, ``target``, or
    after ``stall`` iterations without a new best."""
    prob = ctx.prob
    deadline = time.monotonic() + time_limit
    kn.seed(seed)
    rng = np.random.default_rng(seed)
    v, a = prob.n_vessels, prob.n_areas
    D, T = np.ascontiguousarray(ctx.d), np.ascontiguousarray(ctx.travel)
    vals = np.ascontiguousarray(prob.values, dtype=float)
    allowed = np.ascontiguousarray(prob.allowed, dtype=np.bool_)
    E = np.ascontiguousarray(prob.endurance, dtype=float)
    near = np.ascontiguousarray(ctx.near, dtype=float)

    def build(routes: Routes | None) -> _State:
        R = np.zeros((v, max(1, a)), dtype=np.int64)
        L = np.zeros(v, dtype=np.int64)
        visited = np.zeros(a, dtype=np.bool_)
        for k, r in enumerate(routes or []):
            R[k, :len(r)] = r
            L[k] = len(r)
            visited[r] = True
        H = np.array([kn.route_hours(D, k, R, int(L[k])) for k in range(v)], dtype=float)
        return _State(R, L, H, visited)

    def improve(st: _State) -> None:
        kn.local_search(D, T, vals, allowed, E, st.R, st.L, st.H, st.visited)

    def restart() -> _State:
        """A random construction, locally optimised: the start of a new round."""
        st = build(None)
        kn.insert_all(D, vals, allowed, E, st.R, st.L, st.H, st.visited,
                      float(rng.uniform(1.0, 3.0)), 0.3)
        improve(st)
        return st

    cur = build(start)
    improve(cur)
    glob = best = cur.copy()
    glob_key = best_key = cur_key = cur.key(vals)
    s, r_len, stale, round_stale, since = 1, 1, 0, 0, 0
    max_r = max(1, a // (3 * max(1, v)))
    for it in range(max_iter):
        if (target is not None and glob_key[0] >= target - 1e-9) or (
                it % 8 == 0 and time.monotonic() > deadline) or it - since > stall:
            break
        if round_stale > ROUND:  # this round is stuck: start afresh from a random construction
            cur = restart()
            best, best_key = cur.copy(), cur.key(vals)
            if best_key > glob_key:
                glob, glob_key, since = best.copy(), best_key, it
            cur_key, stale, round_stale = best_key, 0, 0
        trial = cur.copy()
        kn.perturb(D, trial.R, trial.L, trial.H, trial.visited, near, s, r_len)
        kn.insert_all(D, vals, allowed, E, trial.R, trial.L, trial.H, trial.visited,
                      float(rng.uniform(1.0, 3.0)), 0.3)
        improve(trial)
        key = trial.key(vals)
        # Accept ties and small losses (at most half an area's worth) to keep moving.
        if key >= cur_key or key[0] >= cur_key[0] - float(rng.choice(vals)) * ACCEPT:
            cur, cur_key = trial, key
        if key > glob_key:
            glob, glob_key, since = trial.copy(), key, it
        if key > best_key:
            best, best_key, r_len, stale, round_stale = trial.copy(), key, 1, 0, 0
        else:
            r_len, stale, round_stale = r_len + 1, stale + 1, round_stale + 1
        s += int(rng.integers(1, r_len + 1))
        r_len = 1 if r_len > max_r else r_len
        if stale > STALE:  # wandered off: go back to this round's best
            cur, cur_key, stale = best.copy(), best_key, 0
    return glob.routes()
