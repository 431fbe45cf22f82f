"""Compiled serial schedules, double justification and one genetic generation on activity lists.

The problem is passed as flat arrays: ``dur`` (n,), ``dem`` (n, R), ``cap`` (R,), the
predecessors and successors in compressed rows (``pptr``/``pidx``, ``sptr``/``sidx``: the
movements before j are ``pidx[pptr[j]:pptr[j + 1]]``), ``release`` (n,) and ``free``, an
(H, R) work array covering every day a serial schedule can use (the last release day plus every
duration). An *activity list* is an order of the movements in which each comes after those it
waits for; the serial schedule generation scheme starts each, in list order, on the first day
from its release and its predecessors' arrivals on which its lift is free for all its days.

Each function is one loop nest compiled by numba (plain Python without it: same results,
slower), cached on disk as :mod:`forcegen.patrols._kernels` does, so that the genetic search of
:mod:`.genetic` evaluates hundreds of thousands of schedules in the seconds it is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forcegen._jit import njit


@njit
def seed(s: int) -> None:
    """Seed the compiled code's random stream (repeatable searches)."""
    np.random.seed(s)


@njit
def order_by(prio: Any, pptr: Any, pidx: Any, sptr: Any, sidx: Any) -> Any:
    """The activity list taking, each time, the eligible movement with the least ``prio``.

    Ties go to the lower index: the order of :func:`~.problem.serial_schedule`'s heap of
    ``(priority, index)`` pairs, so that the serial schedule of this list is that function's.
    """
    n = prio.size
    left = np.empty(n, np.int64)
    elig = np.empty(n, np.int64)
    ne = 0
    for j in range(n):
        left[j] = pptr[j + 1] - pptr[j]
        if left[j] == 0:
            elig[ne] = j
            ne += 1
    out = np.empty(n, np.int64)
    for k in range(n):
        b = 0
        for e in range(1, ne):
            a = elig[e]
            c = elig[b]
            if prio[a] < prio[c] or (prio[a] == prio[c] and a < c):
                b = e
        j = elig[b]
        ne -= 1
        elig[b] = elig[ne]
        out[k] = j
        for q in range(sptr[j], sptr[j + 1]):
            s = sidx[q]
            left[s] -= 1
            if left[s] == 0:
                elig[ne] = s
                ne += 1
    return out


@njit
def sgs(al: Any, dur: Any, dem: Any, cap: Any, pptr: Any, pidx: Any, release: Any,
        free: Any) -> Any:
    """Start day of each movement by the serial schedule generation scheme on list ``al``."""
    n = al.size
    nr = cap.size
    hi = free.shape[0]
    for t in range(hi):
        for r in range(nr):
            free[t, r] = cap[r]
    start = np.zeros(n, np.int64)
    for k in range(n):
        j = al[k]
        t0 = release[j]
        for q in range(pptr[j], pptr[j + 1]):
            i = pidx[q]
            if start[i] + dur[i] > t0:
                t0 = start[i] + dur[i]
        d = dur[j]
        if d > 0:
            t0 = _first_fit(j, t0, d, dem, free)
            for u in range(t0, t0 + d):
                for r in range(nr):
                    free[u, r] -= dem[j, r]
        start[j] = t0
    return start


@njit
def _first_fit(j: int, t0: int, d: int, dem: Any, free: Any) -> int:
    """The first day from ``t0`` starting a run of ``d`` days on which j's lift is free."""
    nr = free.shape[1]
    t = t0
    u = t
    while u < t + d:
        fits = True
        for r in range(nr):
            if dem[j, r] > free[u, r]:
                fits = False
                break
        if fits:
            u += 1
        else:
            t = u + 1
            u = t
    return t


@njit
def makespan(start: Any, dur: Any) -> int:
    """The closure of a schedule: the latest arrival."""
    m = 0
    for j in range(start.size):
        if start[j] + dur[j] > m:
            m = start[j] + dur[j]
    return m


@njit
def justify(start: Any, dur: Any, dem: Any, cap: Any, pptr: Any, pidx: Any, sptr: Any,
            sidx: Any, release: Any, free: Any) -> Any:
    """One forward-backward pass (double justification): the new list and its schedule.

    Backward: latest arrival first, each as late as it fits (the serial scheme on the reversed
    project, no release days); forward: in the order of those late starts, from the release
    days. As :func:`.improve.justify`, which keeps ``start`` when the result closes later.
    """
    n = start.size
    fin = np.empty(n, np.int64)
    for j in range(n):
        fin[j] = -(start[j] + dur[j])
    back_al = order_by(fin, sptr, sidx, pptr, pidx)
    back = sgs(back_al, dur, dem, cap, sptr, sidx, np.zeros(n, np.int64), free)
    h = makespan(back, dur)
    late = np.empty(n, np.int64)
    for j in range(n):
        late[j] = h - back[j] - dur[j]
    fwd_al = order_by(late, pptr, pidx, sptr, sidx)
    return fwd_al, sgs(fwd_al, dur, dem, cap, pptr, pidx, release, free)


@njit
def evaluate(al: Any, dur: Any, dem: Any, cap: Any, pptr: Any, pidx: Any, sptr: Any,
             sidx: Any, release: Any, free: Any) -> Any:
    """Schedule ``al``, then justify while that shortens it; ``al`` becomes the final list.

    Returns the schedule (the list is rewritten in place: the search keeps what it learned).
    """
    best = sgs(al, dur, dem, cap, pptr, pidx, release, free)
    ms = makespan(best, dur)
    for _ in range(8):
        nal, cand = justify(best, dur, dem, cap, pptr, pidx, sptr, sidx, release, free)
        cm = makespan(cand, dur)
        if cm > ms:
            break
        improved = cm < ms
        best = cand
        ms = cm
        al[:] = nal
        if not improved:
            break
    return best


@njit
def _crossover(mom: Any, dad: Any, q1: int, q2: int, child: Any, taken: Any) -> None:
    """Hartmann's two-point crossover: mom's first q1, dad's next q2 - q1, mom's rest."""
    n = mom.size
    taken[:] = False
    k = 0
    for i in range(q1):
        child[k] = mom[i]
        taken[mom[i]] = True
        k += 1
    for i in range(n):
        if k >= q2:
            break
        a = dad[i]
        if not taken[a]:
            child[k] = a
            taken[a] = True
            k += 1
    for i in range(n):
        a = mom[i]
        if not taken[a]:
            child[k] = a
            taken[a] = True
            k += 1


@njit
def _mutate(al: Any, is_pred: Any, rate: float) -> None:
    """Swap neighbours with probability ``rate`` where the first need not precede the second."""
    for i in range(al.size - 1):
        if np.random.random() < rate and not is_pred[al[i], al[i + 1]]:
            a = al[i]
            al[i] = al[i + 1]
            al[i + 1] = a


@njit
def fingerprint(start: Any) -> int:
    """A hash of a schedule (FNV-1a over its start days): equal plans, equal prints."""
    h = 1469598103934665603
    for j in range(start.size):
        h = (h ^ start[j]) * 1099511628211
    return h


@njit
def generation(pop: Any, score: Any, prints: Any, best_start: Any, is_pred: Any, rate: float,
               dur: Any, dem: Any, cap: Any, pptr: Any, pidx: Any, sptr: Any, sidx: Any,
               release: Any, free: Any) -> int:
    """One generation of the genetic search; returns the best closure in the population.

    ``pop`` (P, n) holds activity lists sorted by ``score`` (closure; best first) with
    ``prints`` their schedules' fingerprints. Parents are paired at random; each pair gives two
    children (two-point crossover, neighbour-swap mutation), each justified; the best P of
    parents and children with distinct schedules survive. ``best_start`` is kept as the
    schedule of the best list found.
    """
    size, n = pop.shape
    kids = np.empty((size, n), np.int64)
    kscore = np.empty(size, np.int64)
    kprint = np.empty(size, np.int64)
    taken = np.zeros(n, np.bool_)
    perm = np.random.permutation(size)
    best = score[0]
    for c in range(0, size - 1, 2):
        mom = pop[perm[c]]
        dad = pop[perm[c + 1]]
        q1 = np.random.randint(0, n + 1)
        q2 = np.random.randint(0, n + 1)
        if q1 > q2:
            q1, q2 = q2, q1
        for side in range(2):
            child = kids[c + side]
            if side == 0:
                _crossover(mom, dad, q1, q2, child, taken)
            else:
                _crossover(dad, mom, q1, q2, child, taken)
            _mutate(child, is_pred, rate)
            st = evaluate(child, dur, dem, cap, pptr, pidx, sptr, sidx, release, free)
            kscore[c + side] = makespan(st, dur)
            kprint[c + side] = fingerprint(st)
            if kscore[c + side] < best:
                best = kscore[c + side]
                best_start[:] = st
    nk = size - (size % 2)
    _survivors(pop, score, prints, kids[:nk], kscore[:nk], kprint[:nk])
    return best


@njit
def _survivors(pop: Any, score: Any, prints: Any, kids: Any, kscore: Any, kprint: Any) -> None:
    """The best of parents and children into ``pop``, a schedule kept once (diversity)."""
    size, n = pop.shape
    allscore = np.concatenate((score, kscore))
    allprint = np.concatenate((prints, kprint))
    order = np.argsort(allscore, kind="mergesort")  # parents first among equals
    newpop = np.empty((size, n), np.int64)
    newscore = np.empty(size, np.int64)
    newprint = np.empty(size, np.int64)
    used = np.zeros(order.size, np.bool_)
    m = 0
    for pick in range(2):  # distinct schedules first, then duplicates if too few
        for q in order:
            if m >= size:
                break
            if used[q]:
                continue
            dup = False
            for e in range(m):
                if newprint[e] == allprint[q]:
                    dup = True
                    break
            if dup and pick == 0:
                continue
            used[q] = True
            newpop[m] = pop[q] if q < size else kids[q - size]
            newscore[m] = allscore[q]
            newprint[m] = allprint[q]
            m += 1
    pop[:] = newpop
    score[:] = newscore
    prints[:] = newprint


@njit
def random_lists(count: int, prio: Any, noise: float, pptr: Any, pidx: Any, sptr: Any,
                 sidx: Any) -> Any:
    """``count`` activity lists by priority ``prio`` perturbed by uniform noise of ``noise``."""
    n = prio.size
    out = np.empty((count, n), np.int64)
    for c in range(count):
        pr = np.empty(n, np.int64)
        for j in range(n):
            pr[j] = np.int64((prio[j] + noise * np.random.random()) * 16.0)
        out[c] = order_by(pr, pptr, pidx, sptr, sidx)
    return out
