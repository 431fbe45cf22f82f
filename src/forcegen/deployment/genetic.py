"""A genetic search for early-closing plans: activity lists, serial schedules, justification.

The upper-bound search that complements CP-SAT on the tightly constrained cases (PSPLIB j60
with resource strength 0.2, where CP-SAT alone stays days above the best known plans): the
genetic algorithm of Hartmann (Naval Research Logistics 45, 1998) on activity lists, two-point
crossover and neighbour-swap mutation, with every child justified forward and backward (Valls,
Ballestín and Quintanilla, EJOR 165, 2005) and the justified order written back into it. The
population is seeded from the plans already found (greedy, sampled, CP-SAT's) and perturbed
latest-finish orders; when it stops improving, all but the best few are drawn afresh.

Compiled by numba (:mod:`._sgs_kernels`); the search runs generation by generation from here
so that the clock is read between them. Same problem, seed and number of generations: the
same plan. Release days are honoured; ``latest`` and ``required`` days are not (the caller
keeps a plan only if it meets every ``latest`` day: it is a hint and an upper bound).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from forcegen.deployment import _sgs_kernels as k
from forcegen.deployment.problem import IntArray, Problem, latest_finish

__all__ = ["GaResult", "compiled_serial_schedule", "genetic_search"]

#: Population size: Hartmann's 40 (20 pairs of parents a generation).
POPULATION = 40
#: Probability of swapping each pair of neighbours in a child.
MUTATION = 0.05
#: Generations without a better closure before all but the best few are drawn afresh.
STALL = 60
#: Kept across a restart.
ELITE = 4


@dataclass(frozen=True)
class _Arrays:
    """The problem as the kernels take it (see :mod:`._sgs_kernels`)."""

    dur: IntArray
    dem: IntArray
    cap: IntArray
    pptr: IntArray
    pidx: IntArray
    sptr: IntArray
    sidx: IntArray
    release: IntArray
    free: IntArray
    is_pred: np.ndarray

    def args(self) -> tuple[np.ndarray, ...]:
        """The arrays every evaluation takes, in the kernels' order."""
        return (self.dur, self.dem, self.cap, self.pptr, self.pidx, self.sptr, self.sidx,
                self.release, self.free)


def _csr(rows: list[list[int]]) -> tuple[IntArray, IntArray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    idx = np.array([i for r in rows for i in r], dtype=np.int64)
    return ptr, idx


def _arrays(p: Problem) -> _Arrays:
    pptr, pidx = _csr(p.preds)
    sptr, sidx = _csr(p.succs())
    horizon = int(p.release.max() + p.dur.sum() + 1)
    is_pred = np.zeros((p.n, p.n), dtype=np.bool_)
    for j, ps in enumerate(p.preds):
        is_pred[ps, j] = True
    return _Arrays(p.dur.astype(np.int64), np.ascontiguousarray(p.demand, dtype=np.int64),
                   p.capacity.astype(np.int64), pptr, pidx, sptr, sidx,
                   p.release.astype(np.int64),
                   np.zeros((horizon + 1, len(p.resources)), dtype=np.int64), is_pred)


def schedulable(p: Problem) -> bool:
    """Whether the serial scheme can place every movement (no demand above a capacity)."""
    return p.n > 0 and bool((p.demand <= p.capacity).all())


def compiled_serial_schedule(p: Problem, priority: IntArray) -> IntArray:
    """:func:`~.problem.serial_schedule` with ``priority``, compiled (same plan)."""
    a = _arrays(p)
    al = k.order_by(np.asarray(priority, dtype=np.int64), a.pptr, a.pidx, a.sptr, a.sidx)
    return np.asarray(k.sgs(al, a.dur, a.dem, a.cap, a.pptr, a.pidx, a.release, a.free))


@dataclass
class GaResult:
    """The best plan found, its closure, and what the search cost."""

    start: IntArray
    closure: int
    schedules: int      # lists evaluated (each justified at least once)
    generations: int
    restarts: int


def genetic_search(p: Problem, seconds: float, seeds: list[IntArray] | tuple[()] = (),
                   seed: int = 0, generations: int | None = None,
                   target: int = 0) -> GaResult:
    """The earliest-closing plan found in ``seconds`` (or in ``generations``, if given).

    Parameters
    ----------
    p
        The problem; every demand must fit its capacity (:func:`schedulable`).
    seconds
        Wall-clock budget, read between generations (the first generation always runs).
    seeds
        Plans to start from (start days); each becomes a list in the order of its start days.
    seed
        Seed of the compiled random stream: same seed and generations, same plan.
    generations
        Stop after this many generations (for repeatable runs); None: only the clock stops it.
    target
        A proven lower bound on the closure: the search stops when it reaches it.

    Returns
    -------
    GaResult
        The best plan (feasible for lift, precedence and release days) and the search's cost.
    """
    t_end = time.perf_counter() + seconds
    a = _arrays(p)
    k.seed(seed)
    lft = latest_finish(p).astype(np.float64)
    spread = max(1.0, float(lft.std()))
    pop = np.empty((POPULATION, p.n), dtype=np.int64)
    filled = 0
    for s in list(seeds)[:POPULATION // 2]:
        pop[filled] = k.order_by(np.asarray(s, dtype=np.int64), a.pptr, a.pidx, a.sptr, a.sidx)
        filled += 1
    pop[filled] = k.order_by(lft.astype(np.int64), a.pptr, a.pidx, a.sptr, a.sidx)
    filled += 1
    pop[filled:] = k.random_lists(POPULATION - filled, lft, spread, a.pptr, a.pidx,
                                  a.sptr, a.sidx)
    score, prints, best_start = _evaluate_all(pop, a)
    order = np.argsort(score, kind="stable")
    pop[:], score[:], prints[:] = pop[order], score[order], prints[order]
    best, done, restarts, since = int(score[0]), 0, 0, 0
    schedules = POPULATION
    while best > target:
        if generations is not None and done >= generations:
            break
        if generations is None and done and time.perf_counter() >= t_end:
            break
        got = int(k.generation(pop, score, prints, best_start, a.is_pred, MUTATION,
                               *a.args()))
        done += 1
        schedules += POPULATION
        if got < best:
            best, since = got, 0
            continue
        since += 1
        if since >= STALL:  # a fresh population around the best few: out of the local optimum
            restarts += 1
            since = 0
            noise = spread * (1.0 + restarts % 3)
            pop[ELITE:] = k.random_lists(POPULATION - ELITE, lft, noise, a.pptr, a.pidx,
                                         a.sptr, a.sidx)
            sc, pr, _ = _evaluate_all(pop[ELITE:], a)
            schedules += POPULATION - ELITE
            score[ELITE:], prints[ELITE:] = sc, pr
            order = np.argsort(score, kind="stable")
            pop[:], score[:], prints[:] = pop[order], score[order], prints[order]
    return GaResult(best_start.copy(), int((best_start + p.dur).max()), schedules, done,
                    restarts)


def _evaluate_all(pop: IntArray, a: _Arrays) -> tuple[IntArray, IntArray, IntArray]:
    """Closure and fingerprint of each list (each justified, rewritten in place); best plan."""
    score = np.empty(len(pop), dtype=np.int64)
    prints = np.empty(len(pop), dtype=np.int64)
    best: IntArray | None = None
    for i in range(len(pop)):
        st = k.evaluate(pop[i], *a.args())
        score[i] = k.makespan(st, a.dur)
        prints[i] = k.fingerprint(st)
        if best is None or score[i] < (best + a.dur).max():
            best = np.asarray(st)
    assert best is not None
    return score, prints, best
