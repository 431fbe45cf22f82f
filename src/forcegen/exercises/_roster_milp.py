"""The standby roster as a HiGHS MILP, solved in lexicographic stages.

Why HiGHS and not CP-SAT: the roster is a covering problem over a time index with no
sequencing (tours have fixed lengths, months are the clock), so the time-indexed model is small
(one column per unit and start month it may take) and its LP is nearly integral: a unit's
"one tour at a time, with rest" rows are intervals of consecutive months (consecutive-ones
columns), and the coverage rows too. HiGHS gives a dual bound at every stage; built from COO
arrays like the programme's own MILP. The least shortfall is solved capability by capability
(no row joins two): at 2,000 units and 50 capabilities the 50 parts are proven in 14-34 s,
where the whole model at once proved nothing in two minutes (``bench/roster_scale.py``).

Columns: ``x[j]`` (tour ``j`` held), ``s[c, t]`` (units of capability ``c`` missing in month
``t``, at most its need), ``z`` (the largest standby unit-months of one nation). Stages, each
result held as a row for the next: (1) the least shortfall (unit-months); (2) the least
burden of the most burdened nation; (3) the fewest tours; (4) the canonical roster among equals
(lowest unit ids, then earliest starts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from forcegen.deployment.milp import RowBlocks
from forcegen.exercises.roster import IntArray, RosterProblem, greedy_roster
from forcegen.readiness._highs import solve_milp

__all__ = ["RosterPlan", "solve_roster"]


@dataclass
class RosterPlan:
    """The tours chosen, the shortfall and its proven bound, each stage's proof."""

    status: str                   # optimal | feasible
    chosen: IntArray
    shortfall: int                # unit-months missing
    bound: int                    # proven least shortfall possible
    solver: str = "highs"
    baseline: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    baseline_shortfall: int = 0
    seconds: float = 0.0
    stages: list[dict[str, object]] = field(default_factory=list)


def _rows(p: RosterProblem) -> tuple[RowBlocks, int]:
    """Rest rows per unit and month, cover rows per capability and month, burden rows."""
    nt = p.tour_unit.size
    n_caps, months = len(p.caps), p.months
    rows = RowBlocks()
    j = np.arange(nt)
    # unit u busy in month t by tour j when start <= t < start + tour + rest
    span = np.minimum(p.span, months - p.tour_start)
    rep = np.repeat(j, span)
    week = p.tour_start[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(span) - span, span))
    rows.add(p.tour_unit[rep] * months + week, rep, np.ones(rep.size),
             len(p.unit_ids) * months, -np.inf, 1.0)
    # coverage: sum of tours on standby in month t + s[c, t] >= need[c]
    rep = np.repeat(j, p.tour_len)
    week = p.tour_start[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(p.tour_len)
                                                                - p.tour_len, p.tour_len))
    cap = p.unit_cap[p.tour_unit[rep]]
    s_cols = nt + np.arange(n_caps * months)
    rows.add(np.concatenate([cap * months + week, np.arange(n_caps * months)]),
             np.concatenate([rep, s_cols]), np.ones(rep.size + s_cols.size),
             n_caps * months, 0.0, np.inf)
    rows.lo[-1] = np.repeat(p.need.astype(float), months)
    # burden: z - sum over a nation's tours of their months >= 0
    nations = sorted(set(p.unit_nation))
    n_index = {n: i for i, n in enumerate(nations)}
    nat = np.array([n_index[p.unit_nation[u]] for u in p.tour_unit], dtype=np.int64)
    z_col = nt + n_caps * months
    rows.add(np.concatenate([nat, np.arange(len(nations))]),
             np.concatenate([j, np.full(len(nations), z_col)]),
             np.concatenate([-p.tour_len.astype(float), np.ones(len(nations))]),
             len(nations), 0.0, np.inf)
    return rows, z_col + 1


def _stage(name: str, c: np.ndarray, model: tuple[sp.csr_array, np.ndarray, np.ndarray],
           bounds: tuple[np.ndarray, np.ndarray, np.ndarray], start: np.ndarray,
           deadline: float) -> tuple[np.ndarray, int, int, bool]:
    """One stage: the best point (or ``start`` when none better), its value, bound, proof."""
    a, lo, hi = model
    lb, ub, integer = bounds
    sol = solve_milp(c, a, lo, hi, lb, ub, integer, start=start, rel_gap=0.0,
                     time_limit=max(0.05, deadline - time.perf_counter()))
    x = start if sol.x is None or c @ sol.x > c @ start + 1e-6 else np.rint(sol.x)
    value = round(float(c @ x))
    bound = value if sol.status == "optimal" else int(np.ceil(sol.bound - 1e-6)) \
        if np.isfinite(sol.bound) else 0
    return x, value, min(bound, value), sol.status == "optimal"


def _point(p: RosterProblem, chosen: IntArray, ncol: int) -> np.ndarray:
    """The full column vector of a roster (shortfall and burden columns filled in)."""
    nt, months = p.tour_unit.size, p.months
    x = np.zeros(ncol)
    x[chosen] = 1.0
    x[nt:nt + len(p.caps) * months] = np.maximum(
        p.need[:, None] - p.coverage(chosen), 0).ravel()
    burden: dict[str, int] = {}
    for j in chosen:
        n = p.unit_nation[p.tour_unit[j]]
        burden[n] = burden.get(n, 0) + int(p.tour_len[j])
    x[-1] = max(burden.values(), default=0)
    return x


def _capability(p: RosterProblem, c: int) -> tuple[RosterProblem, IntArray]:
    """The roster of capability ``c`` alone (its units and tours), and its tours' indices."""
    idx = np.flatnonzero(p.unit_cap[p.tour_unit] == c)
    units = np.flatnonzero(p.unit_cap == c)
    local = np.full(len(p.unit_ids), -1, dtype=np.int64)
    local[units] = np.arange(units.size)
    sub = RosterProblem(
        months=p.months, tour_months=p.tour_months, rest_months=p.rest_months,
        caps=[p.caps[c]], need=p.need[c:c + 1], unit_ids=[p.unit_ids[u] for u in units],
        unit_cap=np.zeros(units.size, dtype=np.int64),
        unit_nation=[p.unit_nation[u] for u in units], tour_unit=local[p.tour_unit[idx]],
        tour_start=p.tour_start[idx], tour_len=p.tour_len[idx])
    return sub, idx


def _least_shortfall(p: RosterProblem, base: IntArray, deadline: float
                     ) -> tuple[IntArray, list[int], int, bool]:
    """Stage 1, capability by capability (no row joins two): tours, shortfall of each, bound.

    Solved apart, each is a small model HiGHS proves quickly; on the whole roster at once
    (2,000 units, 50 capabilities) it proved nothing in 120 s.
    """
    chosen: list[IntArray] = []
    values: list[int] = []
    bound, proven = 0, True
    in_base = np.zeros(p.tour_unit.size, dtype=bool)
    in_base[base] = True
    for c in range(len(p.caps)):
        sub, idx = _capability(p, c)
        rows, ncol = _rows(sub)
        a, lo, hi = rows.matrix(ncol)
        nt, n_s = idx.size, sub.months
        share = deadline - (deadline - time.perf_counter()) * (1 - 0.7 / (len(p.caps) - c))
        x, value, low, ok = _stage(
            "shortfall", np.r_[np.zeros(nt), np.ones(n_s), 0.0], (sp.csr_array(a), lo, hi),
            (np.zeros(ncol), np.r_[np.ones(nt), np.full(n_s, float(sub.need[0])), np.inf],
             np.r_[np.ones(nt + n_s, dtype=bool), False]),
            _point(sub, np.flatnonzero(in_base[idx]).astype(np.int64), ncol), share)
        chosen.append(idx[x[:nt] > 0.5])
        values.append(value)
        bound += low
        proven = proven and ok
    return np.sort(np.concatenate(chosen or [np.zeros(0, np.int64)])), values, bound, proven


def solve_roster(p: RosterProblem, time_limit: float = 30.0) -> RosterPlan:
    """The roster with the least shortfall, then least top burden, fewest tours, canonical.

    The greedy baseline (:func:`forcegen.exercises.roster.greedy_roster`) is computed first,
    reported alongside and given to HiGHS as the starting point of every stage. Stage 1 is
    solved capability by capability; the later stages join them (burden is per nation).
    """
    t0 = time.perf_counter()
    base = greedy_roster(p)
    plan = RosterPlan("feasible", base, p.shortfall(base), 0, baseline=base,
                      baseline_shortfall=p.shortfall(base))
    deadline = t0 + time_limit
    rows, ncol = _rows(p)
    nt = p.tour_unit.size
    n_s = len(p.caps) * p.months
    first, per_cap, bound, proven = _least_shortfall(p, base, deadline)
    # Each capability's shortfall held: sum over its months of s[c, t] <= its least.
    rows.add(np.repeat(np.arange(len(p.caps)), p.months), nt + np.arange(n_s),
             np.ones(n_s), len(p.caps), -np.inf, np.array(per_cap, dtype=float) + 1e-6)
    a, lo, hi = rows.matrix(ncol)
    a = sp.csr_array(a)
    plan.shortfall, plan.bound = int(sum(per_cap)), min(bound, int(sum(per_cap)))
    plan.status = "optimal" if proven else "feasible"
    plan.stages.append({"stage": "shortfall", "value": plan.shortfall, "bound": plan.bound,
                        "proven": proven, "seconds": round(time.perf_counter() - t0, 3)})
    lb = np.zeros(ncol)
    ub = np.concatenate([np.ones(nt), np.repeat(p.need.astype(float), p.months), [np.inf]])
    integer = np.concatenate([np.ones(nt + n_s, dtype=bool), [False]])
    objectives = [("largest nation burden", np.r_[np.zeros(nt + n_s), 1.0]),
                  ("tours", np.r_[np.ones(nt), np.zeros(n_s + 1)]),
                  ("canonical", np.r_[np.arange(1.0, nt + 1), np.zeros(n_s + 1)])]
    x = _point(p, first, ncol)
    for k, (name, c) in enumerate(objectives):
        t1 = time.perf_counter()
        # Leave the stages after this one some of the time (the last one takes the rest).
        until = deadline if k == len(objectives) - 1 else t1 + 0.6 * (deadline - t1)
        x, value, low, ok = _stage(name, c, (a, lo, hi), (lb, ub, integer), x, until)
        plan.stages.append({"stage": name, "value": value, "bound": low, "proven": ok,
                            "seconds": round(time.perf_counter() - t1, 3)})
        # Hold this stage's value for the next (a new row over the same columns).
        a = sp.csr_array(sp.vstack([a, sp.csr_array(c[None, :])]))
        lo, hi = np.r_[lo, -np.inf], np.r_[hi, value + 1e-6]
    plan.chosen = np.flatnonzero(x[:nt] > 0.5).astype(np.int64)
    plan.seconds = time.perf_counter() - t0
    return plan
