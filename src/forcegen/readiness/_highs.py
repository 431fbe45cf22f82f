"""A thin array-in, array-out wrapper around HiGHS for the siting models.

Every model in :mod:`forcegen.readiness` is assembled as numpy arrays plus one
``scipy.sparse`` constraint matrix and handed to HiGHS in a single ``passModel`` call;
there is never one Python object per variable.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from forcegen._highs import HIGHS_THREADS, new_highs
from forcegen.exceptions import SolverError

__all__ = ["MilpSolution", "solve_milp"]


@dataclass(frozen=True, slots=True)
class MilpSolution:
    """What came back from HiGHS.

    Attributes
    ----------
    status
        ``optimal``, ``feasible`` (a solution but not proven optimal, e.g. time limit),
        ``infeasible`` or ``error``.
    x
        Column values, or ``None`` when no solution was found.
    objective
        Objective value of ``x`` (``nan`` without a solution).
    bound
        Proven dual bound (a lower bound when minimizing).
    gap
        Proven relative gap ``|objective - bound| / max(|objective|, tiny)``; 0 when optimal.
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float


def _relative_gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.inf
    return abs(obj - bound) / max(abs(obj), 1e-9)


def _objective_matches(c: np.ndarray, x: np.ndarray, offset: float, obj: float) -> bool:
    value = float(np.asarray(c, dtype=np.float64) @ x) + offset
    return abs(value - obj) <= 1e-6 * max(1.0, abs(obj))


def solve_milp(
    c: np.ndarray,
    a: sp.spmatrix | sp.sparray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    *,
    offset: float = 0.0,
    maximize: bool = False,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    rel_gap: float = 1e-6,
    threads: int | None = None,
) -> MilpSolution:
    """Solve ``min/max c x + offset`` s.t. ``row_lower <= A x <= row_upper``, bounds, integrality.

    Parameters
    ----------
    c, col_lower, col_upper
        Column costs and bounds (``np.inf`` allowed).
    a
        Constraint matrix (any scipy sparse format; converted to CSR once).
    row_lower, row_upper
        Row bounds.
    integer
        Boolean mask of integer columns.
    offset
        Constant added to the objective.
    maximize
        Maximize instead of minimize.
    time_limit
        Seconds; ``None`` for no limit.
    start
        A feasible (or partial) solution used as the incumbent to start from.
    rel_gap
        Relative gap at which HiGHS stops.
    threads
        HiGHS thread count (``None``: HiGHS default).

    Returns
    -------
    MilpSolution
    """
    t0 = time.perf_counter()
    csr = sp.csr_array(a)
    csr.sum_duplicates()
    n_row, n_col = csr.shape
    h = new_highs()  # one thread count per process (HiGHS keeps one pool)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    if threads is not None and threads != HIGHS_THREADS:
        raise ValueError(
            f"threads={threads}: HiGHS uses one thread pool per process, here of "
            f"{HIGHS_THREADS} (set FORCEGEN_HIGHS_THREADS before starting)"
        )
    integrality = np.where(np.asarray(integer, dtype=bool), 1, 0).astype(np.int32)
    inf = highspy.kHighsInf
    status = h.passModel(
        int(n_col),
        int(n_row),
        int(csr.nnz),
        2,  # row-wise matrix
        -1 if maximize else 1,
        float(offset),
        np.clip(np.asarray(c, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(col_lower, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(col_upper, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(row_lower, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(row_upper, dtype=np.float64), -inf, inf),
        csr.indptr.astype(np.int32),
        csr.indices.astype(np.int32),
        csr.data.astype(np.float64),
        integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model")
    if start is not None:
        idx = np.arange(n_col, dtype=np.int32)
        h.setSolution(int(n_col), idx, np.asarray(start, dtype=np.float64))
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if model_status == ms.kInfeasible:
        return MilpSolution("infeasible", None, math.nan, math.nan, math.inf)
    if not has_solution:
        bad = model_status not in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt)
        return MilpSolution("error" if bad else "feasible", None, math.nan, math.nan, math.inf)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    obj = float(info.objective_function_value)
    if start is not None and not _objective_matches(c, x, offset, obj):
        # HiGHS 1.16 given a starting solution can return that solution's columns beside the
        # better optimum's objective and bound (tests/readiness/test_highs_start.py holds such a
        # model): never report columns worth less than the status says, so solve again cold.
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        return solve_milp(c, csr, row_lower, row_upper, col_lower, col_upper, integer,
                          offset=offset, maximize=maximize, rel_gap=rel_gap, threads=threads,
                          time_limit=None if left is None else max(left, 0.01))
    bound = float(info.mip_dual_bound) if integrality.any() else obj
    if model_status == ms.kOptimal:
        gap = min(_relative_gap(obj, bound), rel_gap) if integrality.any() else 0.0
        return MilpSolution("optimal", x, obj, bound, gap)
    return MilpSolution("feasible", x, obj, bound, _relative_gap(obj, bound))
