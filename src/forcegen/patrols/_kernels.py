"""Compiled moves of the patrol search on routes stored as arrays (routes without time windows).

Routes are one ``(V, A)`` int array ``R`` (vessel k's stops in ``R[k, :L[k]]``), their lengths
``L`` and their hours ``H``; ``D[k]`` is vessel k's hours matrix over the areas with its start
(index A) and end (A + 1) appended, station hours counted on arrival, and ``T[k]`` the same
without station hours (2-opt prices reversals on it). An empty route costs its start -> end
passage, so every saving is consistent; feasibility treats it as "does not sail".

Each move is one loop nest compiled by numba (plain Python without it: same moves, slower), so
a search iteration costs about a millisecond on 100 areas where the array-per-move form took
tens: that is what lets the iterated local search of :mod:`forcegen.patrols._fastils` run the
thousands of iterations the team orienteering benchmarks need.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from forcegen import _jit
from forcegen._jit import HAVE_NUMBA, njit

EPS = 1e-7  # as forcegen.patrols.problem.EPS: slack on the endurance for float sums
GAIN = 1e-9  # the least saving that counts as one (float noise is not a move)
REORDER_TRIES = 12  # insertions tried per call that need their route re-ordered to fit


@njit
def seed(s: int) -> None:
    """Seed the compiled code's random stream (repeatable searches)."""
    np.random.seed(s)


@njit
def route_hours(D: Any, k: int, R: Any, n: int) -> float:
    """Hours of vessel k sailing ``R[k, :n]`` (start -> end when empty)."""
    a = D.shape[1] - 2
    if n == 0:
        return float(D[k, a, a + 1])
    s = D[k, a, R[k, 0]]
    for i in range(n - 1):
        s += D[k, R[k, i], R[k, i + 1]]
    return float(s + D[k, R[k, n - 1], a + 1])


@njit
def _node(R: Any, L: Any, k: int, i: int, a: int) -> int:
    """Position i of route k, with -1 the start (a) and L[k] the end (a + 1)."""
    if i < 0:
        return a
    if i >= L[k]:
        return a + 1
    return int(R[k, i])


MEMO_SIZE = 1 << 16  # slots of the failed-insertion memo (512 KiB; a clash only forgets one)


def new_memo() -> np.ndarray:
    """An empty memo of failed re-ordered insertions, for one problem's search."""
    return np.zeros(MEMO_SIZE, dtype=np.int64)


@njit
def route_key(R: Any, L: Any, k: int, u: int) -> Any:
    """A 64-bit hash of route k's stops and area u (FNV-1a style; odd, so never 0)."""
    h = np.int64(-3750763034362895579) ^ (k * 1000003 + u)
    for t in range(L[k]):
        h = (h ^ R[k, t]) * np.int64(1099511628211)  # wraps around, as a hash should
    return h | 1


@njit
def _cheapest_place(D: Any, R: Any, L: Any, k: int, u: int) -> Any:
    """Hours added by putting u on its cheapest edge of route k, and that edge (-1: none)."""
    a = D.shape[1] - 2
    du, dp = np.inf, -1
    for p in range(L[k] + 1):
        x, y = _node(R, L, k, p - 1, a), _node(R, L, k, p, a)
        d = D[k, x, u] + D[k, u, y] - D[k, x, y]
        if d < du:
            du, dp = d, p
    return du, dp


@njit
def _place_row(D: Any, allowed: Any, R: Any, L: Any, visited: Any, k: int, cost: Any,
               place: Any) -> None:
    """Cheapest places on route k of every unvisited area it may enter."""
    for u in range(D.shape[1] - 2):
        if not visited[u] and allowed[k, u]:
            cost[k, u], place[k, u] = _cheapest_place(D, R, L, k, u)


@njit
def insert_all(D: Any, vals: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any,
               visited: Any, alpha: float, noise: float) -> bool:
    """Insert unvisited areas by value^alpha / added hours (times noise) until none fits."""
    V, a = R.shape[0], D.shape[1] - 2
    # Cheapest places per (route, area): an insertion changes one route, so only its row is
    # priced again (the other rows, and so every choice and random draw, stay as they were).
    cost, place = np.empty((V, a)), np.empty((V, a), dtype=np.int64)
    for k in range(V):
        _place_row(D, allowed, R, L, visited, k, cost, place)
    changed = False
    while True:
        best, bk, bu, bp, bd = -1.0, -1, -1, -1, 0.0
        for k in range(V):
            for u in range(a):
                if visited[u] or not allowed[k, u]:
                    continue
                du, dp = cost[k, u], place[k, u]
                if dp < 0 or not H[k] + du <= E[k] + EPS:
                    continue
                r = vals[u] ** alpha / (max(du, 0.0) + 1e-9)
                if noise > 0:
                    r *= np.exp(np.random.normal(0.0, noise))
                if r > best:
                    best, bk, bu, bp, bd = r, k, u, dp, du
        if bk < 0:
            return changed
        for i in range(L[bk], bp, -1):
            R[bk, i] = R[bk, i - 1]
        R[bk, bp] = bu
        L[bk] += 1
        H[bk] += bd
        visited[bu] = True
        changed = True
        _place_row(D, allowed, R, L, visited, bk, cost, place)


@njit
def two_opt(D: Any, T: Any, k: int, R: Any, L: Any, H: Any) -> bool:
    """Reverse a segment of route k while one shortens it (priced on T, confirmed on D)."""
    a, n, improved = D.shape[1] - 2, L[k], False
    if n < 2:
        return False
    again = True
    while again:
        again = False
        for i in range(n - 1):
            p = _node(R, L, k, i - 1, a)
            for j in range(i + 1, n):
                q = _node(R, L, k, j + 1, a)
                d = (T[k, p, R[k, j]] + T[k, R[k, i], q] - T[k, p, R[k, i]]
                     - T[k, R[k, j], q])
                if d < -GAIN:
                    R[k, i:j + 1] = R[k, i:j + 1][::-1].copy()
                    h = route_hours(D, k, R, n)
                    if h < H[k] - GAIN:
                        H[k], again, improved = h, True, True
                        break
                    R[k, i:j + 1] = R[k, i:j + 1][::-1].copy()  # asymmetric legs: undo
            if again:
                break
    return improved


@njit
def or_opt(D: Any, k: int, R: Any, L: Any, H: Any) -> bool:
    """Move a run of 1-3 stops elsewhere in route k (same direction) while that shortens it."""
    a, n, improved = D.shape[1] - 2, L[k], False
    again = True
    while again:
        again = False
        for s in range(1, 4):
            for i in range(n - s + 1):
                e = i + s - 1
                p, q = _node(R, L, k, i - 1, a), _node(R, L, k, e + 1, a)
                first, last = R[k, i], R[k, e]
                saved = D[k, p, first] + D[k, last, q] - D[k, p, q]
                for j in range(n + 1):  # edge (j-1, j) of the current route
                    if i <= j <= e + 1:
                        continue
                    x, y = _node(R, L, k, j - 1, a), _node(R, L, k, j, a)
                    if saved - (D[k, x, first] + D[k, last, y] - D[k, x, y]) > GAIN:
                        seg = R[k, i:e + 1].copy()
                        rest = np.concatenate((R[k, :i], R[k, e + 1:n]))
                        at = j if j < i else j - s
                        R[k, :n] = np.concatenate((rest[:at], seg, rest[at:]))
                        H[k] = route_hours(D, k, R, n)
                        again = improved = True
                        break
                if again:
                    break
            if again:
                break
    return improved


@njit
def _three_cheapest(D: Any, R: Any, L: Any, k: int, u: int) -> Any:
    """The three cheapest edges of route k to put u on: (costs, edge indexes; -1 if fewer).

    Tuples of scalars, not arrays: this runs for every (vessel, unvisited area) pair of every
    replacement pass, and two small arrays a call were half the move's time.
    """
    a = D.shape[1] - 2
    c0 = c1 = c2 = np.inf
    e0 = e1 = e2 = -1
    for p in range(L[k] + 1):
        x, y = _node(R, L, k, p - 1, a), _node(R, L, k, p, a)
        d = D[k, x, u] + D[k, u, y] - D[k, x, y]
        if d < c0:  # ties keep the earlier edge ahead, as a stable sort would
            c2, e2, c1, e1, c0, e0 = c1, e1, c0, e0, d, p
        elif d < c1:
            c2, e2, c1, e1 = c1, e1, d, p
        elif d < c2:
            c2, e2 = d, p
    return (c0, c1, c2), (e0, e1, e2)


@njit
def _swap_in(D: Any, R: Any, L: Any, k: int, i: int, u: int, c: Any, e: Any) -> Any:
    """Hours saved by taking stop i out of route k; cost and place of u in the route without it.

    The place is the merged edge or the cheapest of u's three edges that survives (the two
    edges next to i go with it).
    """
    a = D.shape[1] - 2
    x, y = _node(R, L, k, i - 1, a), _node(R, L, k, i + 1, a)
    removal = D[k, x, R[k, i]] + D[k, R[k, i], y] - D[k, x, y]
    cost, pos = D[k, x, u] + D[k, u, y] - D[k, x, y], i
    for t in range(3):
        if e[t] >= 0 and e[t] != i and e[t] != i + 1:
            if c[t] < cost:
                cost, pos = c[t], (e[t] if e[t] < i else e[t] - 1)
            break
    return removal, cost, pos


@njit
def replace(D: Any, vals: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any,
            visited: Any) -> bool:
    """Swap a stop for an unvisited area worth more, or as much and quicker; best one."""
    V, a = R.shape[0], D.shape[1] - 2
    bg, bs, bk, bi, bu, bp = 0.0, 0.0, -1, -1, -1, -1
    for k in range(V):
        low = np.inf  # the least value on route k: u gains at most vals[u] - low
        for i in range(L[k]):
            low = min(low, vals[R[k, i]])
        for u in range(a):
            # An area that cannot gain the best gain so far on any stop is skipped whole, as
            # the loop over the stops below would skip each of them.
            if visited[u] or not allowed[k, u] or vals[u] - low < bg:
                continue
            c, e = _three_cheapest(D, R, L, k, u)
            for i in range(L[k]):
                gain = vals[u] - vals[R[k, i]]
                if gain < 0 or gain < bg:
                    continue
                removal, cost, pos = _swap_in(D, R, L, k, i, u, c, e)
                saved = removal - cost
                if H[k] - saved <= E[k] + EPS and (gain > 0 or saved > 1e-6) and (
                        gain > bg or saved > bs or bk < 0):
                    bg, bs, bk, bi, bu, bp = gain, saved, k, i, u, pos
    if bk < 0:
        return False
    visited[R[bk, bi]] = False
    n = L[bk]
    rest = np.concatenate((R[bk, :bi], R[bk, bi + 1:n]))
    R[bk, :n] = np.concatenate((rest[:bp], np.array([bu]), rest[bp:]))
    H[bk] = route_hours(D, bk, R, n)
    visited[bu] = True
    return True


@njit
def _best_exchange(D: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any) -> Any:
    """The relocation (kind 1) or exchange (kind 2) between routes saving the most hours.

    Returns (hours saved, kind, route, index, other route, other index); kind 0 when none.
    """
    V, a = R.shape[0], D.shape[1] - 2
    best, kind, bk, bi, bm, bj = GAIN, 0, -1, -1, -1, -1
    for k in range(V):
        for i in range(L[k]):
            u = R[k, i]
            x, y = _node(R, L, k, i - 1, a), _node(R, L, k, i + 1, a)
            for m in range(V):
                if m == k or not allowed[m, u]:
                    continue
                for j in range(L[m] + 1):  # relocate u onto edge (j-1, j) of route m
                    p, q = _node(R, L, m, j - 1, a), _node(R, L, m, j, a)
                    add = D[m, p, u] + D[m, u, q] - D[m, p, q]
                    win = D[k, x, u] + D[k, u, y] - D[k, x, y] - add
                    if win > best and H[m] + add <= E[m] + EPS:
                        best, kind, bk, bi, bm, bj = win, 1, k, i, m, j
                for j in range(L[m] if m > k else 0):  # exchange u with stop j of route m
                    w = R[m, j]
                    p, q = _node(R, L, m, j - 1, a), _node(R, L, m, j + 1, a)
                    hk = H[k] - D[k, x, u] - D[k, u, y] + D[k, x, w] + D[k, w, y]
                    hm = H[m] - D[m, p, w] - D[m, w, q] + D[m, p, u] + D[m, u, q]
                    win = H[k] + H[m] - hk - hm
                    if (win > best and allowed[k, w] and hk <= E[k] + EPS
                            and hm <= E[m] + EPS):
                        best, kind, bk, bi, bm, bj = win, 2, k, i, m, j
    return best, kind, bk, bi, bm, bj


@njit
def relocate_or_swap(D: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any) -> bool:
    """Move a stop to another route, or exchange two, where that saves the most hours.

    Saved hours make room for more areas; False when no such move saves any.
    """
    _, kind, bk, bi, bm, bj = _best_exchange(D, allowed, E, R, L, H)
    if kind == 0:
        return False
    if kind == 1:
        u = R[bk, bi]
        R[bk, bi:L[bk] - 1] = R[bk, bi + 1:L[bk]].copy()
        L[bk] -= 1
        for t in range(L[bm], bj, -1):
            R[bm, t] = R[bm, t - 1]
        R[bm, bj] = u
        L[bm] += 1
    else:
        R[bk, bi], R[bm, bj] = R[bm, bj], R[bk, bi]
    H[bk] = route_hours(D, bk, R, L[bk])
    H[bm] = route_hours(D, bm, R, L[bm])
    return True


@njit
def _tail_hours(D: Any, allowed: Any, R: Any, L: Any, m: int, k: int) -> Any:
    """Per cut j of route m: vessel k's hours from m's stop j to k's end, and whether k may.

    "May" is every stop of the tail allowed to k; index L[m] is the empty tail.
    """
    a, n = D.shape[1] - 2, L[m]
    hours, ok = np.zeros(n + 1), np.ones(n + 1, dtype=np.bool_)
    for j in range(n - 1, -1, -1):
        hours[j] = D[k, R[m, j], _node(R, L, m, j + 1, a)] + hours[j + 1] if j < n - 1 \
            else D[k, R[m, j], a + 1]
        ok[j] = ok[j + 1] and allowed[k, R[m, j]]
    return hours, ok


@njit
def _head_hours(D: Any, R: Any, L: Any, k: int) -> Any:
    """Per cut i of route k: its hours from the start to the end of stop i - 1 (0 at i = 0)."""
    a, n = D.shape[1] - 2, L[k]
    hours = np.zeros(n + 1)
    for i in range(1, n + 1):
        hours[i] = hours[i - 1] + D[k, _node(R, L, k, i - 2, a), R[k, i - 1]]
    return hours


@njit
def two_opt_star(D: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any) -> bool:
    """Exchange the tails of two routes where that saves the most hours (2-opt*).

    Route k's stops before cut i followed by route m's from cut j, and m's before j followed
    by k's from i: two crossing routes are uncrossed, which relocations of single stops
    cannot do when the routes are long. Each vessel's hours are on its own legs (its speed,
    start and end); a tail enters only routes whose vessel may enter all its zones.
    """
    V, a = R.shape[0], D.shape[1] - 2
    best, bk, bi, bm, bj = GAIN, -1, -1, -1, -1
    for k in range(V):
        head_k = _head_hours(D, R, L, k)
        for m in range(k + 1, V):
            head_m = _head_hours(D, R, L, m)
            tail_mk, ok_mk = _tail_hours(D, allowed, R, L, m, k)  # m's tails sailed by k
            tail_km, ok_km = _tail_hours(D, allowed, R, L, k, m)  # k's tails sailed by m
            for i in range(L[k] + 1):
                x = _node(R, L, k, i - 1, a)  # k's last stop kept (its start when i = 0)
                for j in range(L[m] + 1):
                    if not (ok_mk[j] and ok_km[i]):
                        continue
                    y = _node(R, L, m, j - 1, a)
                    hk = head_k[i] + D[k, x, _node(R, L, m, j, a)] + tail_mk[j] \
                        if j < L[m] else head_k[i] + D[k, x, a + 1]
                    hm = head_m[j] + D[m, y, _node(R, L, k, i, a)] + tail_km[i] \
                        if i < L[k] else head_m[j] + D[m, y, a + 1]
                    win = H[k] + H[m] - hk - hm
                    if win > best and hk <= E[k] + EPS and hm <= E[m] + EPS:
                        best, bk, bi, bm, bj = win, k, i, m, j
    if bk < 0:
        return False
    nk, nm = L[bk], L[bm]
    new_k = np.concatenate((R[bk, :bi], R[bm, bj:nm]))
    new_m = np.concatenate((R[bm, :bj], R[bk, bi:nk]))
    R[bk, :new_k.size], R[bm, :new_m.size] = new_k, new_m
    L[bk], L[bm] = new_k.size, new_m.size
    H[bk] = route_hours(D, bk, R, L[bk])
    H[bm] = route_hours(D, bm, R, L[bm])
    return True


@njit
def insert_reordered(D: Any, T: Any, vals: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any,
                     visited: Any, memo: Any) -> bool:
    """Insert an area that does not fit as its route stands but does once it is re-ordered.

    Tried: areas at most 3 % of the endurance over at their cheapest place, the most valuable
    first, at most ``REORDER_TRIES``; each try runs 2-opt and or-opt on a copy of the route.
    A try depends only on the route and the area, and most fail, again and again as the
    search comes back to the same routes: ``memo`` (see :func:`new_memo`) keeps the failed
    ones, which are then skipped (they still count among the tries, so the search is the same,
    about twice as fast on 100 areas).
    """
    V, a = R.shape[0], D.shape[1] - 2
    ks = np.empty(V * a, dtype=np.int64)
    us, ps, worth = np.empty_like(ks), np.empty_like(ks), np.empty(V * a)
    c = 0
    for k in range(V):
        for u in range(a):
            if visited[u] or not allowed[k, u]:
                continue
            du, dp = _cheapest_place(D, R, L, k, u)
            over = H[k] + du - E[k]
            if dp >= 0 and 0 < over <= 0.03 * E[k]:
                ks[c], us[c], ps[c], worth[c] = k, u, dp, -vals[u] * 1e6 + over
                c += 1
    if c == 0:
        return False
    order = np.argsort(worth[:c], kind="mergesort")
    mask = memo.size - 1
    for t in order[:REORDER_TRIES]:
        k, u, p = ks[t], us[t], ps[t]
        key = route_key(R, L, k, u)
        if memo[key & mask] == key:  # failed before on this very route
            continue
        R2, L2, H2 = R.copy(), L.copy(), H.copy()
        for i in range(L2[k], p, -1):
            R2[k, i] = R2[k, i - 1]
        R2[k, p] = u
        L2[k] += 1
        H2[k] = route_hours(D, k, R2, L2[k])
        while two_opt(D, T, k, R2, L2, H2) | or_opt(D, k, R2, L2, H2):
            pass
        if H2[k] <= E[k] + EPS:
            R[k, :L2[k]] = R2[k, :L2[k]]
            L[k], H[k] = L2[k], H2[k]
            visited[u] = True
            return True
        memo[key & mask] = key
    return False


@njit
def local_search(D: Any, T: Any, vals: Any, allowed: Any, E: Any, R: Any, L: Any, H: Any,
                 visited: Any, memo: Any) -> None:
    """Apply the moves until none raises the value or lowers the hours.

    ``memo``: the failed re-ordered insertions (see :func:`insert_reordered`).
    """
    # Routes 2-opt and or-opt left as they were: a route unchanged since (same key) is not
    # scanned again, as the scan would find nothing (each move below changes one or two).
    done = np.zeros(R.shape[0], dtype=np.int64)
    # Every move strictly raises the value or strictly lowers the hours, so this ends; the cap
    # guards against a float tie letting two moves undo each other.
    for _ in range(100 * (D.shape[1] + 1)):
        for k in range(R.shape[0]):
            if route_key(R, L, k, -1) != done[k]:
                while two_opt(D, T, k, R, L, H) | or_opt(D, k, R, L, H):
                    pass
                done[k] = route_key(R, L, k, -1)
        if insert_all(D, vals, allowed, E, R, L, H, visited, 2.0, 0.0):
            continue
        if insert_reordered(D, T, vals, allowed, E, R, L, H, visited, memo):
            continue
        if replace(D, vals, allowed, E, R, L, H, visited):
            continue
        if relocate_or_swap(D, allowed, E, R, L, H):
            continue
        if two_opt_star(D, allowed, E, R, L, H):
            continue
        return


_WARM: list[float] = []  # seconds the first warm_up of this process took


def warm_up() -> tuple[float, bool]:
    """Compile (or load from the disk cache) every kernel the search calls, once per process.

    Returns the seconds it took in this process (0 after the first call) and whether anything
    was compiled rather than loaded: the caller counts those seconds in its time limit and says
    so. The arguments have the search's exact types (C-contiguous float64 / int64 / bool
    arrays, int and float scalars), so the search itself triggers no further compilation.
    """
    if _WARM:
        return 0.0, False
    t0 = time.monotonic()
    a = 3
    D = np.ones((1, a + 2, a + 2))
    T = np.ascontiguousarray(D)
    vals, E = np.ones(a), np.array([4.0])
    allowed = np.ones((1, a), dtype=np.bool_)
    R, L = np.zeros((1, a), dtype=np.int64), np.zeros(1, dtype=np.int64)
    H = np.array([route_hours(D, 0, R, 0)])
    visited = np.zeros(a, dtype=np.bool_)
    from forcegen.patrols._perturb import perturb  # that module imports this one

    seed(0)
    insert_all(D, vals, allowed, E, R, L, H, visited, 2.0, 0.3)
    local_search(D, T, vals, allowed, E, R, L, H, visited, new_memo())
    perturb(D, R, L, H, visited, np.ones((a, a)), 1, 1)
    seconds = time.monotonic() - t0
    _WARM.append(seconds)
    compiled = HAVE_NUMBA and any(
        sum(f.stats.cache_misses.values()) > 0 or not _jit.CACHED
        for f in (seed, route_hours, insert_all, local_search, perturb))
    return seconds, compiled
