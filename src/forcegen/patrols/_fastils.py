"""Iterated local search for the team orienteering problem on the compiled moves.

The same search as :func:`forcegen.patrols.heuristic.iterated_local_search` (perturb, repair
by noisy value^alpha / hours insertion, local search, accept ties and small losses, go back to
the round's best when stale, restart from a random construction when a round is stuck), run
on :mod:`forcegen.patrols._kernels` for problems without time windows. Rounds are short so
that the many restarts the compiled speed allows spread the search (Vansteenwegen et al.,
2009; restarts as in the multi-start ILS for the team orienteering problem).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from forcegen.patrols import _kernels as kn
from forcegen.patrols._perturb import perturb
from forcegen.patrols._pool import RoutePool, vessel_classes
from forcegen.patrols._routing import Routes, _Ctx

__all__ = ["fast_ils"]

STALE = 40  # iterations without a new best before going back to the round's best
ROUND = 600  # iterations without a new best before a fresh start
ACCEPT = 0.5  # a trial worse by up to this share of a random area's value is accepted
#: Recombine the route pool (see :mod:`forcegen.patrols._pool`) at the end of a round once at
#: least this many iterations ran since the last time; doubled after each recombination that
#: found nothing better (up to POOL_EVERY_MAX), back to it after one that did.
POOL_EVERY = 3000
POOL_EVERY_MAX = 48000
#: Seconds HiGHS gets for one set packing (fewer when the deadline is nearer), and the most
#: share of the search's time the packings may take together.
PACK_SECONDS = 2.0
PACK_SHARE = 0.15


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


class _Arrays:
    """The problem as the kernels take it, and the moves that make and improve routes."""

    def __init__(self, ctx: _Ctx, seed: int) -> None:
        prob = ctx.prob
        self.v, self.a = prob.n_vessels, prob.n_areas
        self.D, self.T = np.ascontiguousarray(ctx.d), np.ascontiguousarray(ctx.travel)
        self.vals = np.ascontiguousarray(prob.values, dtype=float)
        self.allowed = np.ascontiguousarray(prob.allowed, dtype=np.bool_)
        self.E = np.ascontiguousarray(prob.endurance, dtype=float)
        self.near = np.ascontiguousarray(ctx.near, dtype=float)
        self.rng = np.random.default_rng(seed)
        self.memo = kn.new_memo()  # failed re-ordered insertions: valid for the whole search
        self.classes = vessel_classes(self.D, self.E, self.allowed)
        kn.seed(seed)

    def build(self, routes: Routes | None) -> _State:
        """Routes as arrays (none: every vessel in port)."""
        R = np.zeros((self.v, max(1, self.a)), dtype=np.int64)
        L = np.zeros(self.v, dtype=np.int64)
        visited = np.zeros(self.a, dtype=np.bool_)
        for k, r in enumerate(routes or []):
            R[k, :len(r)] = r
            L[k] = len(r)
            visited[r] = True
        H = np.array([kn.route_hours(self.D, k, R, int(L[k])) for k in range(self.v)])
        return _State(R, L, H, visited)

    def improve(self, st: _State) -> None:
        """Local search to a local optimum."""
        kn.local_search(self.D, self.T, self.vals, self.allowed, self.E, st.R, st.L, st.H,
                        st.visited, self.memo)

    def fill(self, st: _State) -> None:
        """Noisy value^alpha / hours insertion (alpha drawn in [1, 3]) of what still fits."""
        kn.insert_all(self.D, self.vals, self.allowed, self.E, st.R, st.L, st.H, st.visited,
                      float(self.rng.uniform(1.0, 3.0)), 0.3)

    def restart(self) -> _State:
        """A random construction, locally optimised: the start of a new round."""
        st = self.build(None)
        self.fill(st)
        self.improve(st)
        return st

    def trial(self, cur: _State, s: int, r_len: int) -> _State:
        """Perturb a copy of ``cur``, repair it and improve it."""
        st = cur.copy()
        perturb(self.D, st.R, st.L, st.H, st.visited, self.near, s, r_len)
        self.fill(st)
        self.improve(st)
        return st


def fast_ils(ctx: _Ctx, *, time_limit: float, seed: int, max_iter: int,
             target: float | None, start: Routes | None, stall: float = float("inf"),
             workers: int = 1, pool_every: int | None = POOL_EVERY,
             stats: dict[str, float] | None = None) -> Routes:
    """Best routes found.

    Stops at ``max_iter`` iterations, ``time_limit`` s, ``target`` or after ``stall``
    iterations without a new best. With ``workers`` > 1, as many independent searches run on
    threads (the compiled moves release the GIL), seeded ``seed``, ``seed + 1``, ...; the
    best routes win (ties: the lowest seed), and one reaching ``target`` stops the others.
    Worker 0 is the one-worker search, so more workers never do worse for a given seed when
    the stops are iteration counts.

    Each worker pools the routes of its local optima and, at the end of a round, at least
    ``pool_every`` iterations after the last time (None: never), packs the best of them into
    one set of routes by a MILP (:class:`forcegen.patrols._pool.RoutePool`); a packing worth
    more than the worker's best is where its search goes on from. ``stats`` (when given)
    receives the iterations, packings and their seconds and gains, summed over the workers.
    """
    deadline = time.monotonic() + time_limit
    stop = threading.Event()
    found: list[tuple[tuple[float, float], Routes] | None] = [None] * max(1, workers)
    failed: list[BaseException] = []
    figures: list[dict[str, float]] = [{} for _ in range(max(1, workers))]

    def run(w: int) -> None:
        try:
            found[w] = _search(ctx, deadline, seed + w, max_iter, target, start, stall, stop,
                               pool_every, figures[w])
        except BaseException as exc:  # re-raised in the caller's thread below
            failed.append(exc)
            stop.set()

    threads = [threading.Thread(target=run, args=(w,), daemon=True)
               for w in range(1, max(1, workers))]
    for t in threads:
        t.start()
    run(0)
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    if stats is not None:
        for f in figures:
            for name, x in f.items():
                stats[name] = stats.get(name, 0) + x
    best = max((f for f in found if f is not None), key=lambda f: f[0])  # first of equals
    return best[1]


def _search(ctx: _Ctx, deadline: float, seed: int, max_iter: int, target: float | None,
            start: Routes | None, stall: float, stop: threading.Event,
            pool_every: int | None, figures: dict[str, float]
            ) -> tuple[tuple[float, float], Routes]:
    """One search (see :func:`fast_ils`): its best key and routes; sets ``stop`` on target."""
    ar = _Arrays(ctx, seed)
    vals, rng = ar.vals, ar.rng
    cur = ar.build(start)
    ar.improve(cur)
    glob = best = cur.copy()
    glob_key = best_key = cur_key = cur.key(vals)
    s, r_len, stale, round_stale, since = 1, 1, 0, 0, 0
    max_r = max(1, ar.a // (3 * max(1, ar.v)))
    goal = float("inf") if target is None else target - 1e-9
    rec = _Recombiner(ar, pool_every, figures) if pool_every is not None else None
    figures["iterations"] = 0
    it = 0
    for it in range(max_iter):
        if glob_key[0] >= goal or it - since > stall or (
                it % 8 == 0 and (time.monotonic() > deadline or stop.is_set())):
            break
        if round_stale > ROUND:  # this round is stuck: recombine, or start afresh
            packed = rec.packing(it, glob, glob_key, deadline) if rec is not None else None
            if packed is not None:  # better than every round so far: go on from it
                cur = packed
                glob, glob_key, since = cur.copy(), cur.key(vals), it
            else:
                cur = ar.restart()
            best, best_key = cur.copy(), cur.key(vals)
            cur_key, stale, round_stale = best_key, 0, 0
        trial = ar.trial(cur, s, r_len)
        key = trial.key(vals)
        if rec is not None and key != cur_key:  # the same value and hours: most often the same
            rec.pool.add(trial.R, trial.L, trial.H, vals)  # routes, already pooled
        # Accept ties and small losses (a share of a random area's value) to keep moving.
        if key >= cur_key or key[0] >= cur_key[0] - float(rng.choice(vals)) * ACCEPT:
            cur, cur_key = trial, key
        top = max(key, best_key)  # best_key: a fresh start may beat every earlier round
        if top > glob_key:
            glob, glob_key, since = (trial if key >= best_key else best).copy(), top, it
        if key > best_key:
            best, best_key, r_len, stale, round_stale = trial.copy(), key, 1, 0, 0
        else:
            r_len, stale, round_stale = r_len + 1, stale + 1, round_stale + 1
        s += int(rng.integers(1, r_len + 1))
        r_len = 1 if r_len > max_r else r_len
        if stale > STALE:  # wandered off: go back to this round's best
            cur, cur_key, stale = best.copy(), best_key, 0
    figures["iterations"] = it
    if glob_key[0] >= goal:
        stop.set()
    return glob_key, glob.routes()


class _Recombiner:
    """When to pack the pool (see :func:`fast_ils`), and the figures of the packings."""

    def __init__(self, ar: _Arrays, every: int, figures: dict[str, float]) -> None:
        self.ar, self.base, self.every, self.figures = ar, every, every, figures
        self.pool = RoutePool(ar.classes, ar.a)
        self.began, self.last, self.seconds = time.monotonic(), 0, 0.0
        figures.update(packs=0, pack_seconds=0.0, pack_gains=0, pack_gain=0.0)

    def packing(self, it: int, glob: _State, glob_key: tuple[float, float], deadline: float
                ) -> _State | None:
        """A packing better than ``glob`` when one is due and found, else None."""
        if it - self.last < self.every:
            return None
        now = time.monotonic()
        budget = min(PACK_SECONDS, 0.5 * (deadline - now))  # HiGHS may overrun a little
        if budget < 0.2 or self.seconds > PACK_SHARE * (now - self.began):
            return None
        packed = _recombine(self.ar, self.pool, glob, budget)
        spent = time.monotonic() - now
        self.seconds += spent
        self.last = it
        f = self.figures
        f["packs"] += 1
        f["pack_seconds"] += spent
        if packed is not None and packed.key(self.ar.vals) > glob_key:
            f["pack_gains"] += 1
            f["pack_gain"] += packed.key(self.ar.vals)[0] - glob_key[0]
            self.every = self.base
            return packed
        self.every = min(2 * self.every, POOL_EVERY_MAX)
        return None


def _recombine(ar: _Arrays, pool: RoutePool, glob: _State, seconds: float) -> _State | None:
    """The best packing of the pool's routes (from ``glob``'s), locally optimised.

    None when HiGHS found no packing worth more than ``glob``. The packed routes are feasible
    as they stand (each was, for a vessel of the same class); the local search may then add
    the areas that the packing left free.
    """
    pool.add(glob.R, glob.L, glob.H, ar.vals)
    at = [pool.find(k, glob.R[k, :glob.L[k]]) for k in range(ar.v) if glob.L[k]]
    start = [] if any(j is None for j in at) else [j for j in at if j is not None]
    packed = pool.pack(start, seconds)
    if packed is None:
        return None
    chosen = packed[0]
    if sum(pool.value[j] for j in chosen) <= float(ar.vals[glob.visited].sum()) + 1e-9:
        return None
    free = {int(c): [int(k) for k in np.flatnonzero(ar.classes == c)]
            for c in np.unique(ar.classes)}
    routes: Routes = [[] for _ in range(ar.v)]
    for j in chosen:
        routes[free[pool.klass[j]].pop(0)] = [int(x) for x in pool.stops[j]]
    st = ar.build(routes)
    ar.improve(st)
    return st
