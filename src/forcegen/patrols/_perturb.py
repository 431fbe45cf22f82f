"""Compiled perturbation of the patrol search: which stops to take out of the routes.

Routes as in :mod:`forcegen.patrols._kernels` (``R``, ``L``, ``H``); the removed areas become
unvisited, and the search's insertion and local search then rebuild the routes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forcegen.patrols._kernels import njit, route_hours

__all__ = ["perturb"]

SEGMENT = 0.25  # share of perturbations that remove a long run of one route


@njit
def _mark_segment(R: Any, L: Any, on: Any) -> None:
    """A long run (a tenth to a half) of one random route."""
    k = np.random.randint(R.shape[0])
    if L[k]:
        n = np.random.randint(max(1, L[k] // 10), max(2, L[k] // 2 + 1))
        at = np.random.randint(L[k])
        for t in range(at, min(L[k], at + n)):
            on[R[k, t]] = True


@njit
def _mark_runs(R: Any, L: Any, on: Any, s: int, r_len: int) -> None:
    """``r_len`` stops from position ``s`` of every route."""
    for k in range(R.shape[0]):
        if L[k]:
            at = s % L[k]
            for t in range(at, min(L[k], at + r_len)):
                on[R[k, t]] = True


@njit
def _mark_random(R: Any, L: Any, on: Any, total: int) -> None:
    """A random share (up to 30 %) of all stops."""
    q = np.random.randint(1, max(2, int(0.3 * total) + 1))
    for k in range(R.shape[0]):
        for t in range(L[k]):
            if np.random.random() < q / total:
                on[R[k, t]] = True


@njit
def _mark_related(R: Any, L: Any, on: Any, total: int, near: Any) -> None:
    """The stops nearest a random area (up to 40 % of them): re-plan a region."""
    centre = np.random.randint(near.shape[0])
    q = np.random.randint(1, max(2, int(0.4 * total) + 1))
    stops = np.empty(total, dtype=np.int64)
    dist = np.empty(total)
    c = 0
    for k in range(R.shape[0]):
        for t in range(L[k]):
            stops[c] = R[k, t]
            dist[c] = min(near[centre, R[k, t]], near[R[k, t], centre])
            c += 1
    for t in np.argsort(dist, kind="mergesort")[:q]:
        on[stops[t]] = True


@njit
def perturb(D: Any, R: Any, L: Any, H: Any, visited: Any, near: Any, s: int, r_len: int) -> None:
    """Remove stops by a rule drawn at random.

    The rules: a long run of one route, a run of ``r_len`` stops from position ``s`` of every
    route, a random share, or the stops nearest a random area.
    """
    V, a = R.shape[0], D.shape[1] - 2
    total = int(L.sum())
    if total == 0:
        return
    on = np.zeros(a, dtype=np.bool_)
    pick = np.random.random()
    if pick < SEGMENT:
        _mark_segment(R, L, on)
    elif pick < SEGMENT + (1 - SEGMENT) * 0.35:
        _mark_runs(R, L, on, s, r_len)
    elif pick < SEGMENT + (1 - SEGMENT) * 0.7:
        _mark_random(R, L, on, total)
    else:
        _mark_related(R, L, on, total, near)
    for k in range(V):
        n = 0
        for t in range(L[k]):
            if on[R[k, t]]:
                visited[R[k, t]] = False
            else:
                R[k, n] = R[k, t]
                n += 1
        L[k] = n
        H[k] = route_hours(D, k, R, n)
