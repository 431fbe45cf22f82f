"""The standby roster as a HiGHS MILP, solved in lexicographic stages.

Why HiGHS and not CP-SAT: the roster is a covering problem over a time index with no
sequencing (tours have fixed lengths, months are the clock), so the time-indexed model is small
(one column per unit and start month it may take) and its LP is nearly integral: a unit's
"one tour at a time, with rest" rows are intervals of consecutive months (consecutive-ones
columns), and the coverage rows too. HiGHS gives a dual bound at every stage; built from COO
arrays like the programme's own MILP. Every stage is first solved capability by capability
(:mod:`._roster_parts`: only the nation burden rows join two capabilities), the parts joined by
swaps; a stage is proven when the joined value meets the parts' bound. At 2,000 units and 50
capabilities the whole model at once proved nothing in two minutes and the later stages did
not finish their root LP, where the parts prove stages 1-3 (``bench/roster_scale.py``).

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

from forcegen.exercises._roster_model import point_of, rows_of, solve_stage
from forcegen.exercises._roster_parts import (
    Parts,
    canonical_swaps,
    canonical_within,
    rebalance,
    solve_parts,
)
from forcegen.exercises.roster import IntArray, RosterProblem, greedy_roster

__all__ = ["JOINED_TIE_BREAK_MAX", "RosterPlan", "solve_roster"]

#: Candidate tours above which the tie-break is not given to HiGHS on the whole model: at
#: 34,030 tours (bench/roster_scale.py) it proved nothing in 70-90 s and overran its time
#: limit by up to 37 s at load 15, where the swapped roster and the parts' bound stand.
JOINED_TIE_BREAK_MAX = 10_000


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


def _joined(p: RosterProblem, parts: Parts) -> tuple[tuple[sp.csr_array, np.ndarray,
                                                           np.ndarray], int]:
    """The whole roster's model with each capability's shortfall held at its part's value."""
    rows, ncol = rows_of(p)
    nt, n_s = p.tour_unit.size, len(p.caps) * p.months
    rows.add(np.repeat(np.arange(len(p.caps)), p.months), nt + np.arange(n_s),
             np.ones(n_s), len(p.caps), -np.inf,
             np.array(parts.values["shortfall"], dtype=float) + 1e-6)
    a, lo, hi = rows.matrix(ncol)
    return (sp.csr_array(a), lo, hi), ncol


def solve_roster(p: RosterProblem, time_limit: float = 30.0) -> RosterPlan:
    """The roster with the least shortfall, then least top burden, fewest tours, canonical.

    The greedy baseline (:func:`forcegen.exercises.roster.greedy_roster`) is computed first,
    reported alongside and starts every capability's part. Each stage is solved capability by
    capability (:mod:`._roster_parts`), the parts joined by swaps; a stage whose joined value
    is above its bound is then given to HiGHS on the joined model, from the swapped roster.
    """
    t0 = time.perf_counter()
    base = greedy_roster(p)
    plan = RosterPlan("feasible", base, p.shortfall(base), 0, baseline=base,
                      baseline_shortfall=p.shortfall(base))
    deadline = t0 + time_limit
    parts = solve_parts(p, base, deadline)
    plan.shortfall = int(sum(parts.values["shortfall"]))
    plan.bound = min(int(sum(parts.lows["shortfall"])), plan.shortfall)
    plan.status = "optimal" if parts.proven["shortfall"] else "feasible"
    plan.stages.append({"stage": "shortfall", "value": plan.shortfall, "bound": plan.bound,
                        "proven": parts.proven["shortfall"],
                        "seconds": round(time.perf_counter() - t0, 3)})
    (a, lo, hi), ncol = _joined(p, parts)
    nt, n_s = p.tour_unit.size, len(p.caps) * p.months
    lb = np.zeros(ncol)
    ub = np.concatenate([np.ones(nt), np.repeat(p.need.astype(float), p.months), [np.inf]])
    integer = np.concatenate([np.ones(nt + n_s, dtype=bool), [False]])
    # Bounds from the parts: the mean burden over the nations that can hold any tour; the
    # parts' fewest tours; their canonical sum when each part holds its proven fewest tours.
    active = len({p.unit_nation[u] for u in p.tour_unit})
    z_low = -(-sum(parts.lows["months"]) // max(1, active))
    t_low = sum(parts.lows["tours"])
    objectives = [("largest nation burden", np.r_[np.zeros(nt + n_s), 1.0], z_low),
                  ("tours", np.r_[np.ones(nt), np.zeros(n_s + 1)], t_low),
                  ("canonical", np.r_[np.arange(1.0, nt + 1), np.zeros(n_s + 1)],
                   sum(parts.lows["canonical"]))]
    chosen = parts.chosen
    held: list[int] = []          # each stage's value, held for the next
    for k, (name, c, low) in enumerate(objectives):
        t1 = time.perf_counter()
        if name == "largest nation burden":
            chosen = rebalance(p, chosen, z_low)
        elif name == "canonical":
            chosen = canonical_swaps(p, chosen, held[0])
            # Then each capability within its nations' share, and swaps again from there.
            chosen = canonical_swaps(p, canonical_within(
                p, chosen, t1 + 0.5 * (deadline - t1)), held[0])
            if not (parts.proven["tours"] and held[1] == t_low):
                low = 0  # a part may hold more tours than its least: their sum bounds nothing
        x = point_of(p, chosen, ncol)
        value = round(float(c @ x))
        ok = value <= low
        how = "parts"
        if not ok and (name != "canonical" or nt <= JOINED_TIE_BREAK_MAX):
            # Leave the stages after this one some of the time (the last one takes the rest,
            # less a margin for HiGHS's own overrun past its limit).
            left = deadline - t1
            until = t1 + (0.5 if k < len(objectives) - 1 else 0.9) * left
            y, v, mip_low, proven = solve_stage(name, c, (a, lo, hi), (lb, ub, integer), x, until)
            low, how = max(low, mip_low), "joined"
            # The canonical stage is the tie-break: a roster HiGHS found within a time limit
            # depends on the machine's load, so it is taken only when proven (same data, same
            # roster).
            if proven or name != "canonical":
                x, value, ok = y, v, proven
                chosen = np.flatnonzero(x[:nt] > 0.5).astype(np.int64)
        plan.stages.append({"stage": name, "value": value, "bound": min(low, value),
                            "proven": ok, "by": how,
                            "seconds": round(time.perf_counter() - t1, 3)})
        # Hold this stage's value for the next (a new row over the same columns).
        held.append(value)
        a = sp.csr_array(sp.vstack([a, sp.csr_array(c[None, :])]))
        lo, hi = np.r_[lo, -np.inf], np.r_[hi, value + 1e-6]
    plan.chosen = chosen
    plan.seconds = time.perf_counter() - t0
    return plan
