"""Fill relief requests from offers: a lexicographic integer model on HiGHS, from arrays.

Columns are the (offer, request) pairs of :class:`forcegen.relief.loader.ReliefProblem` that
have a route (plus pairs held by status, fixed to their quantity). Rows: units per offer
(<= offered), units per request (<= asked). The stages, each solved with the ones before held as
rows (fills are whole numbers, so holding them is exact):

1. units delivered **in time** (by the request's needed-by hour), priority 1 first, then 2, ...;
2. if ``settings.late``: units delivered at all (late help after all help in time), by priority;
3. the sum over units of their arrival hours (earliest arrival);
4. the cost (per unit of each offer);
5. a canonical tie-break: the least sum over units of their pair's rank in (request id, offer id)
   order, so equal plans always come out the same.

A plan is "optimal" (proven best) only when HiGHS proves every stage; with a time limit hit it
is "feasible" and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csc_matrix

from forcegen._highs import new_highs
from forcegen.exceptions import SolverError

__all__ = ["Stage", "lexicographic"]

_INF = highspy.kHighsInf


@dataclass(frozen=True)
class Stage:
    """One stage of the lexicographic solve."""

    name: str
    sense: str  # "max" or "min"
    value: float
    status: str  # optimal | feasible
    seconds: float


def _model(e_o: NDArray[np.int64], e_r: NDArray[np.int64], supply: NDArray[np.float64],
           demand: NDArray[np.float64], lower: NDArray[np.float64],
           upper: NDArray[np.float64]) -> highspy.Highs:
    n, n_o, n_r = int(e_o.size), int(supply.size), int(demand.size)
    rows = np.concatenate([e_o, n_o + e_r])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    a = csc_matrix((np.ones(2 * n), (rows, cols)), shape=(n_o + n_r, n))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, n_o + n_r
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.full(n_o + n_r, -_INF)
    lp.row_upper_ = np.concatenate([supply, demand]).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, n_o + n_r
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = new_highs()
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise SolverError("HiGHS rejected the relief model")
    return h


def _solve_stage(h: highspy.Highs, c: NDArray[np.float64], sense: str, time_left: float
                 ) -> tuple[NDArray[np.float64], float, str]:
    n = int(c.size)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), c if sense == "min" else -c)
    h.setOptionValue("time_limit", max(0.01, time_left))
    h.run()
    ms = h.getModelStatus()
    sol = np.asarray(h.getSolution().col_value, dtype=float)
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif h.getInfo().primal_solution_status == 2 and sol.size == n:
        status = "feasible"
    else:
        raise SolverError(f"HiGHS found no relief plan (model status {h.modelStatusToString(ms)})")
    x = np.round(sol)
    return x, float(c @ x), status


def lexicographic(e_o: NDArray[np.int64], e_r: NDArray[np.int64], supply: NDArray[np.float64],
                  demand: NDArray[np.float64], lower: NDArray[np.float64],
                  upper: NDArray[np.float64], stages: list[tuple[str, str, NDArray[np.float64]]],
                  *, time_limit: float = 60.0) -> tuple[NDArray[np.float64], list[Stage]]:
    """Solve ``stages`` ``(name, "max"|"min", coefficients per column)`` in order.

    Each stage's value is then held as a row (``>=`` for max, ``<=`` for min with a relative
    slack of 1e-9 for fractional coefficients) for the stages after it. Returns the units per
    column and the stages.
    """
    n = int(e_o.size)
    if n == 0:
        return np.zeros(0), [Stage(s[0], s[1], 0.0, "optimal", 0.0) for s in stages]
    h = _model(e_o, e_r, supply, demand, lower, upper)
    t0 = time.perf_counter()
    out: list[Stage] = []
    x = lower.copy()
    idx = np.arange(n, dtype=np.int32)
    for name, sense, c in stages:
        t = time.perf_counter()
        live = np.flatnonzero(c).astype(np.int32)
        if live.size == 0:
            out.append(Stage(name, sense, 0.0, "optimal", 0.0))
            continue
        x, value, status = _solve_stage(h, c, sense, time_limit - (t - t0))
        out.append(Stage(name, sense, value, status, time.perf_counter() - t))
        whole = bool(np.all(np.mod(c[live], 1) == 0))
        slack = 0.0 if whole else 1e-9 * max(1.0, abs(value))
        lo, hi = (value, _INF) if sense == "max" else (-_INF, value + slack)
        h.addRow(lo, hi, int(live.size), live, c[live])
        if status != "optimal":
            break  # out of time: later stages are not run (the plan says so)
    h.changeColsCost(n, idx, np.zeros(n))
    return x, out
