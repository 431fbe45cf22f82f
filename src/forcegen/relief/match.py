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
#: A reduced cost or dual above this is taken as nonzero (HiGHS's dual feasibility tolerance
#: is 1e-7; hours and costs differ by far more where they differ at all).
_DUAL_TOL = 1e-6


@dataclass(frozen=True)
class Stage:
    """One stage of the lexicographic solve."""

    name: str
    sense: str  # "max" or "min"
    value: float
    status: str  # optimal | feasible | not-run
    seconds: float
    #: ``lp`` when the LP optimum was whole (then it is the integer optimum too), else ``mip``.
    how: str = "lp"


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
    h = new_highs()
    if h.passModel(lp) != highspy.HighsStatus.kOk:
        raise SolverError("HiGHS rejected the relief model")
    return h


class _Stages:
    """The model, solved stage by stage over the optimal face of the stages before.

    Units per offer and per request form a transportation problem: its constraint matrix is
    totally unimodular, so every vertex of its polytope is whole. After a stage's LP optimum,
    complementary slackness says which plans are optimal too: those with every column of
    nonzero reduced cost at its bound and every row of nonzero dual tight. Fixing exactly those
    (bounds only, no new row) leaves a face of the polytope, whose vertices are whole as well:
    each stage is an LP whose optimum is the integer optimum, proven. Should a stage's LP
    optimum come out fractional anyway (numerical trouble), the model turns to integers and
    holds that stage's value as a row, the classic way.
    """

    def __init__(self, h: highspy.Highs, n: int, *, integer: bool = False) -> None:
        self.h, self.n, self.integer = h, n, integer
        if integer:
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                    np.full(n, highspy.HighsVarType.kInteger))

    def _run(self, time_left: float) -> tuple[NDArray[np.float64] | None, str]:
        h = self.h
        # HiGHS's time limit counts from the solver's creation, over every run.
        h.setOptionValue("time_limit", h.getRunTime() + max(0.01, time_left))
        h.run()
        ms = h.getModelStatus()
        sol = np.asarray(h.getSolution().col_value, dtype=float)
        if ms == highspy.HighsModelStatus.kOptimal:
            return sol, "optimal"
        if self.integer and h.getInfo().primal_solution_status == 2 and sol.size == self.n:
            return sol, "feasible"
        return None, "not-run"

    def _fix_face(self, x: NDArray[np.float64]) -> None:
        """Keep only the plans optimal for the stage just solved (see the class)."""
        h, sol = self.h, self.h.getSolution()
        d = np.asarray(sol.col_dual, dtype=float)
        cols = np.flatnonzero(np.abs(d) > _DUAL_TOL).astype(np.int32)
        if cols.size:
            h.changeColsBounds(int(cols.size), cols, x[cols], x[cols])
        y = np.asarray(sol.row_dual, dtype=float)
        act = np.round(np.asarray(sol.row_value, dtype=float))
        rows = np.flatnonzero(np.abs(y) > _DUAL_TOL).astype(np.int32)
        if rows.size:
            h.changeRowsBounds(int(rows.size), rows, act[rows], act[rows])  # type: ignore[attr-defined]

    def solve(self, c: NDArray[np.float64], sense: str, deadline: float
              ) -> tuple[NDArray[np.float64] | None, str, str]:
        h, n = self.h, self.n
        h.changeColsCost(n, np.arange(n, dtype=np.int32), c if sense == "min" else -c)
        sol, status = self._run(deadline - time.perf_counter())
        if not self.integer and sol is not None and np.abs(sol - np.round(sol)).max() <= 1e-7:
            x = np.round(sol)
            self._fix_face(x)
            return x, status, "lp"
        if not self.integer:
            self.integer = True
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                    np.full(n, highspy.HighsVarType.kInteger))
            sol, status = self._run(deadline - time.perf_counter())
        if sol is None:
            return None, status, "mip"
        x = np.round(sol)
        live = np.flatnonzero(c).astype(np.int32)
        value = float(c @ x)
        whole = bool(np.all(np.mod(c[live], 1) == 0))
        slack = 0.0 if whole else 1e-9 * max(1.0, abs(value))
        lo, hi = (value, _INF) if sense == "max" else (-_INF, value + slack)
        h.addRow(lo, hi, int(live.size), live, c[live])
        return x, status, "mip"


def lexicographic(e_o: NDArray[np.int64], e_r: NDArray[np.int64], supply: NDArray[np.float64],
                  demand: NDArray[np.float64], lower: NDArray[np.float64],
                  upper: NDArray[np.float64], stages: list[tuple[str, str, NDArray[np.float64]]],
                  *, time_limit: float = 60.0, method: str = "face"
                  ) -> tuple[NDArray[np.float64], list[Stage]]:
    """Solve ``stages`` ``(name, "max"|"min", coefficients per column)`` in order.

    Each stage's value is then held as a row (``>=`` for max, ``<=`` for min with a relative
    slack of 1e-9 for fractional coefficients) for the stages after it. Returns the units per
    column and the stages; out of time, the plan of the last stage solved (it meets every
    stage before) and the stages not run marked so. ``method="mip"`` skips the LP over the
    optimal face and solves every stage as a MILP holding the stages before as rows (slower;
    kept as the reference the face method is tested against).
    """
    n = int(e_o.size)
    if n == 0:
        return np.zeros(0), [Stage(s[0], s[1], 0.0, "optimal", 0.0) for s in stages]
    solver = _Stages(_model(e_o, e_r, supply, demand, lower, upper), n,
                     integer=method == "mip")
    deadline = time.perf_counter() + time_limit
    out: list[Stage] = []
    x = lower.copy()
    for name, sense, c in stages:
        t = time.perf_counter()
        live = np.flatnonzero(c).astype(np.int32)
        if out and out[-1].status != "optimal":
            out.append(Stage(name, sense, float(c @ x), "not-run", 0.0))
            continue
        if live.size == 0:
            out.append(Stage(name, sense, 0.0, "optimal", 0.0, "mip" if solver.integer else "lp"))
            continue
        sol, status, how = solver.solve(c, sense, deadline)
        if sol is None:  # no plan in time: keep the last one (it meets the stages before)
            out.append(Stage(name, sense, float(c @ x), "not-run", time.perf_counter() - t, how))
            continue
        x = sol
        out.append(Stage(name, sense, float(c @ x), status, time.perf_counter() - t, how))
    return x, _recheck(x, stages, out)


def _recheck(x: NDArray[np.float64], stages: list[tuple[str, str, NDArray[np.float64]]],
             out: list[Stage]) -> list[Stage]:
    """Each stage's value recomputed on the final plan; a stage it worsens is not proven.

    Fixing the face by reduced costs is exact in exact arithmetic; should a tolerance have let
    a later stage trade away an earlier one, the plan says so instead of claiming a proof.
    """
    checked = []
    for (_, sense, c), st in zip(stages, out, strict=True):
        now = float(c @ x)
        tol = 1e-9 * max(1.0, abs(st.value))
        worse = now < st.value - tol if sense == "max" else now > st.value + tol
        if st.status == "optimal" and worse:
            st = Stage(st.name, sense, now, "feasible", st.seconds, st.how)
        checked.append(st)
    return checked
