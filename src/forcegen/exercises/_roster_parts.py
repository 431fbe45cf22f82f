"""The roster's stages capability by capability, and the swaps that join the parts.

Only the nation burden rows join two capabilities. Dropping them leaves one small model per
capability, so each stage's capability-by-capability optimum is a proven bound for the whole
roster: the least shortfall is exact this way (no other row joins capabilities); the fewest
tours summed over capabilities bounds the fewest tours at any burden; the least standby
unit-months summed over capabilities, shared among the nations that can hold a tour at all,
bounds the largest nation's burden (the most burdened nation holds at least the mean).

The parts are then joined by swaps that keep every capability's coverage month by month (a
tour handed to another unit of the same capability starting the same month, so shortfall and
tour count stay): :func:`rebalance` lowers the largest burden, :func:`canonical_swaps` hands
tours to units of lower id without raising a nation above the burden held. When a joined value
meets its bound the stage is proven without solving the joined model, which at 2,000 units
does not finish its root LP in minutes (``bench/roster_scale.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from forcegen.exercises._roster_model import capability_part, point_of, rows_of, solve_stage
from forcegen.exercises.roster import IntArray, RosterProblem

__all__ = ["Parts", "burdens", "canonical_swaps", "canonical_within", "rebalance",
           "solve_parts"]


@dataclass
class Parts:
    """Per capability: the stage values, their proven bounds, and the canonical part."""

    chosen: IntArray                # the parts joined (``canonical_m`` of each)
    #: Per stage name of :func:`_chain`, each capability's value and proven bound.
    values: dict[str, list[int]] = field(default_factory=dict)
    lows: dict[str, list[int]] = field(default_factory=dict)
    proven: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def _chain(sub: RosterProblem, idx: IntArray, start: np.ndarray, until: float
           ) -> dict[str, tuple[np.ndarray, int, int, bool]]:
    """One capability's stages: per name the point, its value, proven bound and proof.

    ``shortfall`` (held for all that follow); ``months``, the least standby unit-months;
    ``tours``, the fewest tours and ``canonical`` at those tours (bounds: the whole roster's
    later stages need not hold the least months). When that canonical part holds more than
    the least months, ``tours_m`` and ``canonical_m`` are solved again with the months held:
    the part joined, so that the mean burden can reach its bound.
    """
    rows, ncol = rows_of(sub)
    a0, lo0, hi0 = rows.matrix(ncol)
    model = (sp.csr_array(a0), lo0, hi0)
    nt, n_s = idx.size, sub.months
    bounds = (np.zeros(ncol), np.r_[np.ones(nt), np.full(n_s, float(sub.need[0])), np.inf],
              np.r_[np.ones(nt + n_s, dtype=bool), False])
    zeros_s = np.zeros(n_s + 1)
    obj = {"shortfall": np.r_[np.zeros(nt), np.ones(n_s), 0.0],
           "months": np.r_[sub.tour_len.astype(float), zeros_s],
           "tours": np.r_[np.ones(nt), zeros_s], "canonical": np.r_[idx + 1.0, zeros_s]}

    def held(m: tuple[sp.csr_array, np.ndarray, np.ndarray], name: str, value: int
             ) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        a, lo, hi = m
        return (sp.csr_array(sp.vstack([a, sp.csr_array(obj[name][None, :])])),
                np.r_[lo, -np.inf], np.r_[hi, value + 1e-6])

    def solve(name: str, m: tuple[sp.csr_array, np.ndarray, np.ndarray], x: np.ndarray,
              share: float) -> tuple[np.ndarray, int, int, bool]:
        # Each solve may use its share of the capability's time left; the last all of it.
        now = time.perf_counter()
        return solve_stage(name, obj[name], m, bounds, x, now + (until - now) * share)

    # The shortfall (the roster's first objective) may take half the time; the others share.
    out = {"shortfall": solve("shortfall", model, start, 1 / 2)}
    model = held(model, "shortfall", out["shortfall"][1])
    out["months"] = solve("months", model, out["shortfall"][0], 1 / 5)
    out["tours"] = solve("tours", model, out["months"][0], 1 / 4)
    out["canonical"] = solve("canonical", held(model, "tours", out["tours"][1]),
                             out["tours"][0], 1 / 3)
    if round(float(obj["months"] @ out["canonical"][0])) <= out["months"][1]:
        out["tours_m"], out["canonical_m"] = out["tours"], out["canonical"]
        return out
    model = held(model, "months", out["months"][1])
    out["tours_m"] = solve("tours", model, out["months"][0], 1 / 2)
    out["canonical_m"] = solve("canonical", held(model, "tours", out["tours_m"][1]),
                               out["tours_m"][0], 1.0)
    return out


def solve_parts(p: RosterProblem, base: IntArray, deadline: float) -> Parts:
    """Every capability's stages alone; ``base`` (the greedy roster) starts each."""
    t0 = time.perf_counter()
    parts = Parts(np.zeros(0, np.int64))
    names = ("shortfall", "months", "tours", "canonical", "tours_m", "canonical_m")
    proven = dict.fromkeys(names, True)
    in_base = np.zeros(p.tour_unit.size, dtype=bool)
    in_base[base] = True
    chosen = []
    n_caps = len(p.caps)
    for c in range(n_caps):
        sub, idx = capability_part(p, c)
        start = point_of(sub, np.flatnonzero(in_base[idx]).astype(np.int64),
                       idx.size + sub.months + 1)
        # Leave the joined stages 30 % of the time.
        until = time.perf_counter() + (deadline - time.perf_counter()) * 0.7 / (n_caps - c)
        res = _chain(sub, idx, start, until)
        for name in names:
            _, value, low, ok = res[name]
            parts.values.setdefault(name, []).append(value)
            parts.lows.setdefault(name, []).append(low)
            proven[name] = proven[name] and ok
        x = res["canonical_m"][0]
        chosen.append(idx[x[:idx.size] > 0.5])
    parts.chosen = np.sort(np.concatenate(chosen or [np.zeros(0, np.int64)])).astype(np.int64)
    parts.proven = proven
    parts.seconds = time.perf_counter() - t0
    return parts


def burdens(p: RosterProblem, chosen: IntArray) -> dict[str, int]:
    """Standby unit-months of each nation holding a tour."""
    out: dict[str, int] = {}
    for j in chosen:
        n = p.unit_nation[p.tour_unit[j]]
        out[n] = out.get(n, 0) + int(p.tour_len[j])
    return out


class _Swapper:
    """The chosen tours with each unit's starts, for handing tours between units."""

    def __init__(self, p: RosterProblem, chosen: IntArray) -> None:
        self.p = p
        self.chosen = {int(j) for j in chosen}
        self.starts: dict[int, set[int]] = {}
        for j in self.chosen:
            self.starts.setdefault(int(p.tour_unit[j]), set()).add(int(p.tour_start[j]))
        # Alternatives of a tour: the same capability and start month (so the same length).
        self.same: dict[tuple[int, int], list[int]] = {}
        for j in range(p.tour_unit.size):
            key = (int(p.unit_cap[p.tour_unit[j]]), int(p.tour_start[j]))
            self.same.setdefault(key, []).append(j)
        self.burden = burdens(p, chosen)

    def free(self, u: int, t: int) -> bool:
        """Unit ``u`` holds no tour that a tour of it starting in month ``t`` would clash with."""
        return all(abs(s - t) >= self.p.span for s in self.starts.get(u, ()))

    def tour_of(self, u: int, t: int) -> int:
        """The chosen tour of unit ``u`` starting in month ``t``."""
        p = self.p
        return next(k for k in self.same[(int(p.unit_cap[u]), t)]
                    if int(p.tour_unit[k]) == u and k in self.chosen)

    def alternatives(self, j: int) -> list[int]:
        p = self.p
        return self.same[(int(p.unit_cap[p.tour_unit[j]]), int(p.tour_start[j]))]

    def move(self, j: int, k: int) -> None:
        """Hand tour ``j`` over to ``k`` (same capability and month, another unit)."""
        p = self.p
        u, v, t, n = int(p.tour_unit[j]), int(p.tour_unit[k]), int(p.tour_start[j]), \
            int(p.tour_len[j])
        self.chosen.discard(j)
        self.chosen.add(k)
        self.starts[u].discard(t)
        self.starts.setdefault(v, set()).add(t)
        self.burden[p.unit_nation[u]] -= n
        nv = p.unit_nation[v]
        self.burden[nv] = self.burden.get(nv, 0) + n

    def result(self) -> IntArray:
        return np.array(sorted(self.chosen), dtype=np.int64)


def _give_away(p: RosterProblem, sw: _Swapper, n: str, top: int
               ) -> list[tuple[int, int]] | None:
    """The best hand-over taking a tour off nation ``n`` without any nation reaching ``top``.

    A direct one (another nation's free unit takes the tour), else a chain of two: a unit of
    another nation takes it, and the one tour of that unit in the way goes to a third unit.
    Among direct ones, to the least burdened nation (then the lowest tour index).
    """
    best: tuple[int, int, int] | None = None
    chains: list[tuple[int, int]] | None = None
    for j in sorted(sw.chosen):
        if p.unit_nation[p.tour_unit[j]] != n:
            continue
        length, t = int(p.tour_len[j]), int(p.tour_start[j])
        for k in sw.alternatives(j):
            v = int(p.tour_unit[k])
            nv = p.unit_nation[v]
            load = sw.burden.get(nv, 0)
            if nv == n:
                continue
            in_way = [s for s in sw.starts.get(v, ()) if abs(s - t) < p.span]
            if not in_way:
                if load + length < top and (best is None or (load, k) < (best[0], best[2])):
                    best = (load, j, k)
                continue
            if chains is not None or len(in_way) != 1:
                continue
            j2 = sw.tour_of(v, in_way[0])
            if load + length - int(p.tour_len[j2]) >= top:
                continue
            for k2 in sw.alternatives(j2):
                w = int(p.tour_unit[k2])
                nw = p.unit_nation[w]
                if w in (v, int(p.tour_unit[j])) or nw == n or \
                        sw.burden.get(nw, 0) + int(p.tour_len[j2]) + (
                            length - int(p.tour_len[j2]) if nw == nv else 0) >= top \
                        or not sw.free(w, in_way[0]):
                    continue
                chains = [(j2, k2), (j, k)]
                break
    if best is not None:
        return [(best[1], best[2])]
    return chains


def rebalance(p: RosterProblem, chosen: IntArray, target: int) -> IntArray:
    """Lower the largest nation burden (down to ``target``) by handing tours over.

    Each step takes a tour off a most burdened nation (:func:`_give_away`). Stops when some
    most burdened nation can give nothing away. Deterministic.
    """
    sw = _Swapper(p, chosen)
    while sw.burden:
        top = max(sw.burden.values())
        if top <= target:
            break
        for n in sorted(x for x, b in sw.burden.items() if b == top):
            moves = _give_away(p, sw, n, top)
            if moves is None:
                return sw.result()
            for j, k in moves:
                sw.move(j, k)
    return sw.result()


def canonical_swaps(p: RosterProblem, chosen: IntArray, top: int) -> IntArray:
    """Hand tours to units of lower index while no nation goes above ``top``.

    The canonical weight of a tour is its index (units in order, then start months), so
    each swap lowers the canonical objective; repeated until none applies.
    """
    sw = _Swapper(p, chosen)
    changed = True
    while changed:
        changed = False
        for j in sorted(sw.chosen, reverse=True):
            t, length = int(p.tour_start[j]), int(p.tour_len[j])
            n = p.unit_nation[p.tour_unit[j]]
            for k in sw.alternatives(j):
                if k >= j:
                    break
                v = int(p.tour_unit[k])
                nv = p.unit_nation[v]
                if k in sw.chosen or not sw.free(v, t) or \
                        (nv != n and sw.burden.get(nv, 0) + length > top):
                    continue
                sw.move(j, k)
                changed = True
                break
    return sw.result()


def canonical_within(p: RosterProblem, chosen: IntArray, deadline: float) -> IntArray:
    """Each capability's tie-break again, within what the joined roster gives it.

    Per capability: its shortfall and tours at most the joined roster's, each nation's
    standby unit-months of it at most the joined roster's (so no nation's burden rises); the
    least canonical weight under those. The joined roster is each part's start, so no part
    gets worse; what the swaps cannot reach (a tour moved to another month) this can. A part
    is replaced only when HiGHS proves it (what a time limit cut short depends on the load).
    """
    in_chosen = np.zeros(p.tour_unit.size, dtype=bool)
    in_chosen[chosen] = True
    out = []
    for c in range(len(p.caps)):
        sub, idx = capability_part(p, c)
        rows, ncol = rows_of(sub)
        nt, n_s = idx.size, sub.months
        mine = np.flatnonzero(in_chosen[idx]).astype(np.int64)
        start = point_of(sub, mine, ncol)
        nations = sorted(set(sub.unit_nation))
        nat = np.array([nations.index(sub.unit_nation[u]) for u in sub.tour_unit], np.int64)
        held = np.bincount(nat[mine], weights=sub.tour_len[mine], minlength=len(nations))
        rows.add(nat, np.arange(nt), sub.tour_len.astype(float), len(nations), -np.inf,
                 held + 1e-6)
        rows.add(np.zeros(n_s, np.int64), nt + np.arange(n_s), np.ones(n_s), 1, -np.inf,
                 float(start[nt:nt + n_s].sum()) + 1e-6)
        rows.add(np.zeros(nt, np.int64), np.arange(nt), np.ones(nt), 1, -np.inf,
                 float(mine.size) + 1e-6)
        a, lo, hi = rows.matrix(ncol)
        now = time.perf_counter()
        x, _, _, ok = solve_stage(
            "canonical", np.r_[idx + 1.0, np.zeros(n_s + 1)], (sp.csr_array(a), lo, hi),
            (np.zeros(ncol), np.r_[np.ones(nt), np.full(n_s, float(sub.need[0])), np.inf],
             np.r_[np.ones(nt + n_s, dtype=bool), False]),
            start, now + (deadline - now) / (len(p.caps) - c))
        out.append(idx[x[:nt] > 0.5] if ok else idx[mine])
    return np.sort(np.concatenate(out or [np.zeros(0, np.int64)])).astype(np.int64)
