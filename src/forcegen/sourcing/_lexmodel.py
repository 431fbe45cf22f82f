"""A lexicographic assignment model on HiGHS, built once from arrays and re-solved in place.

Columns are (pledge, line) pairs plus one shortfall column per line. Rows: units per pledge
(<= offered), units per line (pairs + shortfall = needed), personnel per nation (<= ceiling).
Fill stages minimize the shortfall of one priority level; fixing a level afterwards adds a row
over that level's shortfall columns only, a short sparse row (a row over the pair columns would
be dense and slow every later factorization).
The objective is lexicographic: fill of priority-1 lines, then priority 2, ..., then cost. Each
stage is solved with the previous stages' results fixed as rows (exact: fills are integers) and
warm-started from the previous stage's solution, which stays feasible.

What-ifs change only column bounds and ceiling row bounds, then re-run the stages: the model, its
matrix and HiGHS's internal copies are reused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from forcegen._highs import new_highs
from forcegen.exceptions import SolverError

__all__ = ["LexModel", "LexResult", "StageResult", "cost_unit", "proven_value", "whole_bound"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_INF = highspy.kHighsInf


@dataclass
class StageResult:
    """One stage of the lexicographic solve."""

    name: str  # "priority 1", ..., "cost"
    sense: str  # "max" or "min"
    value: float
    bound: float  # proven bound (upper for max, lower for min)
    status: str  # optimal | feasible | not-run
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative distance from value to bound (1.0 when nothing is proven)."""
        if self.status == "not-run" or not np.isfinite(self.bound):
            return 1.0
        denom = max(abs(self.bound), abs(self.value), 1e-9)
        diff = self.bound - self.value if self.sense == "max" else self.value - self.bound
        if diff < -1e-6 * max(1.0, abs(self.bound)):
            return 1.0  # a "bound" beaten by a feasible value is no bound: nothing is proven
        return max(0.0, diff) / denom if diff > 1e-9 else 0.0


@dataclass
class LexResult:
    """Units per pair column, the stages that produced them, and whether time ran short."""

    x: FloatArray
    stages: list[StageResult]
    seconds: float
    time_limit_hit: bool
    tie: StageResult | None = None  # the tie-break stage, when one ran


def _status(h: highspy.Highs, is_mip: bool) -> tuple[str, float, float]:
    """HiGHS's outcome as (optimal | feasible | none, objective, bound)."""
    ms = h.getModelStatus()
    info = h.getInfo()
    value = float(info.objective_function_value)
    if ms == highspy.HighsModelStatus.kOptimal:
        bound = float(info.mip_dual_bound) if is_mip else value
        return "optimal", value, bound
    if info.primal_solution_status == 2:  # feasible point available (time limit etc.)
        bound = float(info.mip_dual_bound) if is_mip else -_INF
        return "feasible", value, bound
    return "none", value, -_INF


_OUT_OF_TIME = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)


def _consistent(obj: float, own: float, bound: float) -> bool:
    """Whether HiGHS's report agrees with the point it returned (minimization).

    HiGHS 1.16 maps a MIP start into the presolved model and mis-states its objective there
    (the example's priority-2 stage: start 4, "feasible in the reduced space: objective 2"); it
    then stops at once, reports "Optimal" with objective and dual bound 2 and returns the start,
    whose own objective is 4, while the true optimum is 3. Earlier releases (1.8-1.11) did not.
    A report is only believed when its objective is that of the returned point and its bound
    does not beat that point.
    """
    tol = 1e-6 * max(1.0, abs(own))
    return abs(obj - own) <= tol and (not np.isfinite(bound) or bound <= own + tol)


def _skipped(name: str, sense: str, value: float, trivial: float) -> StageResult:
    """Record a stage that time left no room for.

    Its trivial bound (the level's whole need) still proves a fill that already meets it.
    """
    met = sense == "max" and value >= trivial - 1e-6
    return StageResult(name, sense, value, trivial, "optimal" if met else "not-run")


def cost_unit(cost: FloatArray) -> float:
    """Greatest common divisor of whole-number costs (a gap below it proves optimality)."""
    live = cost[cost > 0]
    if live.size == 0 or np.any(np.mod(live, 1) != 0) or live.max() > 2**53:
        return 1e-6
    return float(np.gcd.reduce(live.astype(np.int64)))


_unit = cost_unit


def whole_bound(bound: float, unit: float, value: float) -> float:
    """Raise a lower bound on cost to the next multiple of ``unit``.

    Every plan's cost is such a multiple when all costs are whole multiples of ``unit`` (see
    :func:`cost_unit`). A bound that a plan's ``value`` beats is returned as it is, for the
    caller to see that nothing is proven.
    """
    if unit < 1 or not np.isfinite(bound) or bound > value + 1e-9 * max(1.0, abs(value)):
        return bound
    return min(max(bound, float(np.ceil(bound / unit - 1e-9) * unit)), value)


def proven_value(sense: str, value: float, bound: float, *, mip_gap: float, unit: float) -> bool:
    """Whether a stage's value is proven by its bound.

    Fills are whole units: proven when the fill found reaches the bound. Costs: proven when
    the distance to the bound is below the greatest common divisor of the costs (no better
    whole-number plan exists) or within the relative ``mip_gap`` the user asked for.
    """
    if not np.isfinite(bound):
        return False
    if sense == "max":
        return value >= bound - 1e-6
    slack = max(0.999 * unit if unit >= 1 else 0.0, mip_gap * max(abs(value), abs(bound)),
                1e-9 * max(1.0, abs(bound)))
    return value - bound <= slack


def _columns(e_p: IntArray, e_r: IntArray, p_pers: FloatArray, p_nation: IntArray,
             n_pledges: int, n_lines: int) -> tuple[NDArray[np.int32], NDArray[np.int32],
                                                    FloatArray]:
    """The constraint matrix in compressed columns (start, row index, value), rows sorted.

    Pair column j has 1 in its pledge row, 1 in its line row and the pledge's personnel in its
    nation's ceiling row (left out when 0); shortfall column i has 1 in line row i. Built with
    numpy alone: importing scipy.sparse for this took 0.12 s of every command's start-up.
    """
    E, R = int(e_p.size), n_lines
    pers = p_pers[e_p].astype(np.float64)
    has = pers != 0
    start = np.zeros(E + R + 1, np.int64)
    np.cumsum(2 + has, out=start[1:E + 1])
    start[E + 1:] = start[E] + np.arange(1, R + 1)
    index = np.empty(int(start[-1]), np.int32)
    value = np.ones(int(start[-1]), np.float64)
    pos = start[:E]
    index[pos] = e_p  # rows in increasing order within a column: pledge, line, nation
    index[pos + 1] = n_pledges + e_r
    index[pos[has] + 2] = n_pledges + n_lines + p_nation[e_p[has]]
    value[pos[has] + 2] = pers[has]
    index[start[E]:] = n_pledges + np.arange(R)
    return start.astype(np.int32), index, value


class LexModel:
    """Build the model once; call :meth:`solve` with new bounds as often as needed.

    Parameters
    ----------
    e_p, e_r
        Pledge and line index of every column.
    p_pers
        Personnel per unit of each pledge (ceiling row coefficients).
    p_nation
        Nation index of each pledge.
    n_pledges, n_lines, n_nations
        Sizes of the index spaces.
    integer
        Whether columns are integer (``False`` solves the LP relaxation).
    """

    def __init__(
        self,
        e_p: IntArray,
        e_r: IntArray,
        p_pers: FloatArray,
        p_nation: IntArray,
        n_pledges: int,
        n_lines: int,
        n_nations: int,
        *,
        integer: bool = True,
    ) -> None:
        E = int(e_p.size)
        R = n_lines
        self.n_pairs, self.n_lines = E, R
        self.n_cols = E + R
        self.integer = integer
        n_rows = n_pledges + n_lines + n_nations
        start, index, value = _columns(e_p, e_r, p_pers, p_nation, n_pledges, n_lines)
        N = self.n_cols
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = N, n_rows
        lp.col_cost_ = np.zeros(N)
        lp.col_lower_ = np.zeros(N)
        lp.col_upper_ = np.zeros(N)
        lp.row_lower_ = np.full(n_rows, -_INF)
        lp.row_upper_ = np.full(n_rows, _INF)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = N, n_rows
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        self._e_r = e_r
        self.last_reduced_costs: FloatArray | None = None
        self.h = new_highs()  # same thread count as every HiGHS run in the process
        if not integer:
            # The LP is a transportation problem plus a few ceiling rows: presolve costs far
            # more than it saves (measured: 8 s vs 0.9 s at 1,000 lines / 5,000 pledges).
            self.h.setOptionValue("presolve", "off")
        if self.h.passModel(lp) != highspy.HighsStatus.kOk:
            raise SolverError("HiGHS rejected the sourcing model")
        if integer and E:
            # Shortfall columns stay continuous: they are integral whenever the pairs are.
            self.h.changeColsIntegrality(
                E, np.arange(E, dtype=np.int32), np.ones(E, dtype=np.uint8)
            )
        self.base_rows = n_rows

    def solve(
        self,
        col_upper: FloatArray,
        pledge_upper: FloatArray,
        line_need: FloatArray,
        nation_upper: FloatArray,
        levels: list[tuple[str, FloatArray]],
        cost: FloatArray,
        *,
        time_limit: float | None = None,
        mip_gap: float = 1e-6,
        warm: FloatArray | None = None,
        proven: int = 0,
        tie: FloatArray | None = None,
    ) -> LexResult:
        """Run the stages and return the plan they reach.

        Parameters
        ----------
        col_upper
            Upper bound on the units of each pair column.
        pledge_upper, line_need, nation_upper
            Units offered per pledge, units needed per line, personnel ceiling per nation.
        levels
            (name, 0/1 mask over lines) whose fill is maximized, in order.
        cost
            Cost per pair column, minimized once the fills are fixed.
        time_limit
            Seconds for all stages together (``None``: no limit).
        mip_gap
            Relative gap accepted for the cost stage.
        warm
            A plan to start from (units per pair column).
        proven
            The first ``proven`` stages are known to be optimal at ``warm`` (from an LP bound
            met by ``warm``): they are fixed without solving (the cost stage too when
            ``proven`` exceeds the fill levels).
        tie
            Whole-number weights per pair column: a last stage minimizes ``tie @ x`` among
            plans with these fills and at most this cost.

        Returns
        -------
        LexResult
            Units per pair column and the result of every stage.
        """
        t0 = time.perf_counter()
        self.last_reduced_costs = None
        self._set_bounds(col_upper, pledge_upper, line_need, nation_upper)
        x = np.zeros(self.n_pairs) if warm is None else np.minimum(warm, col_upper)
        stages: list[StageResult] = []
        hit = False
        plan: list[tuple[str, FloatArray, str]] = [(n, m, "max") for n, m in levels]
        plan.append(("cost", cost, "min"))
        for k, (name, vec, sense) in enumerate(plan):
            if k < proven:
                stages.append(self._known_stage(name, vec, sense, x, line_need))
                continue
            remaining = None if time_limit is None else time_limit - (time.perf_counter() - t0)
            if hit or (remaining is not None and remaining <= 0.01):
                hit = True
                stages.append(self._skipped_stage(name, vec, sense, x, line_need))
                continue
            stage, x, short = self._solve_stage(
                name, vec, sense, x, line_need, remaining,
                mip_gap=mip_gap, later_fill=sense == "max" and k > proven,
            )
            stages.append(stage)
            hit = hit or short
        tie_stage = None
        if tie is not None and self.integer and not hit and stages[-1].status == "optimal":
            tie_stage, x = self._tie_break(tie, cost, stages[-1].value, x, line_need,
                                           None if time_limit is None
                                           else time_limit - (time.perf_counter() - t0))
        if not self.integer and not hit:
            # Reduced costs of the last (cost) stage, for reduced-cost fixing by the caller.
            self.last_reduced_costs = np.asarray(self.h.getSolution().col_dual,
                                                 np.float64)[:self.n_pairs]
        return LexResult(x, stages, time.perf_counter() - t0, hit, tie_stage)

    def _set_bounds(self, col_upper: FloatArray, pledge_upper: FloatArray,
                    line_need: FloatArray, nation_upper: FloatArray) -> None:
        """Drop the rows of the previous solve's stages and set this solve's bounds."""
        h = self.h
        extra = h.getNumRow() - self.base_rows
        if extra:
            h.deleteRows(extra, np.arange(self.base_rows, h.getNumRow(), dtype=np.int32))
        h.changeColsBounds(
            self.n_cols, np.arange(self.n_cols, dtype=np.int32), np.zeros(self.n_cols),
            np.concatenate([col_upper, line_need]),
        )
        lower = np.concatenate([np.full(pledge_upper.size, -_INF), line_need,
                                np.full(nation_upper.size, -_INF)])
        upper = np.concatenate([pledge_upper, line_need, nation_upper])
        if hasattr(h, "changeRowsBounds"):
            h.changeRowsBounds(self.base_rows, np.arange(self.base_rows, dtype=np.int32),
                               lower, upper)
        else:  # highspy < 1.12 has only the one-row call
            for i in range(self.base_rows):
                h.changeRowBounds(i, float(lower[i]), float(upper[i]))

    def _known_stage(self, name: str, vec: FloatArray, sense: str, x: FloatArray,
                     line_need: FloatArray) -> StageResult:
        """A stage known to be optimal at ``x``: recorded (and its level fixed) unsolved."""
        is_fill = sense == "max"
        value = self._value(vec, x, is_fill, line_need)
        if is_fill:
            self._fix_level(vec, line_need, value)
        return StageResult(name, sense, value, value, "optimal")

    def _skipped_stage(self, name: str, vec: FloatArray, sense: str, x: FloatArray,
                       line_need: FloatArray) -> StageResult:
        """A stage left unsolved for want of time, valued at the last feasible point ``x``."""
        is_fill = sense == "max"
        value = self._value(vec, x, is_fill, line_need)
        trivial = float(vec @ line_need) if is_fill else 0.0
        return _skipped(name, sense, value, trivial)

    def _solve_stage(self, name: str, vec: FloatArray, sense: str, x: FloatArray,
                     line_need: FloatArray, remaining: float | None, *, mip_gap: float,
                     later_fill: bool) -> tuple[StageResult, FloatArray, bool]:
        """Solve one stage from ``x``: (its result, the new point, whether time ran short).

        A fill stage's level is fixed for the stages after it.
        """
        is_fill = sense == "max"
        full = self._set_objective(vec, is_fill, remaining, mip_gap, later_fill)
        start = None
        if self.integer:
            served = np.bincount(self._e_r, weights=x, minlength=self.n_lines)
            start = np.concatenate([x, line_need - served])
        t_stage = time.perf_counter()
        status, bound, xs = self._run(full, start)
        t_stage = time.perf_counter() - t_stage
        if status == "none" and self.h.getModelStatus() in _OUT_OF_TIME:
            # Out of time before any point of this stage: keep the last feasible point.
            return self._skipped_stage(name, vec, sense, x, line_need), x, True
        if status == "none" or xs is None:
            raise SolverError(f"HiGHS found no solution in stage {name!r}: "
                              f"{self.h.modelStatusToString(self.h.getModelStatus())}")
        x = xs[:self.n_pairs]
        if self.integer:
            x = np.round(x)
        value = self._value(vec, x, is_fill, line_need)
        judged, bound = self._judge(sense, vec, value, bound, status, line_need, mip_gap)
        if is_fill:
            # An LP stage fixes the level at the whole-unit bound floor(value): later LP
            # stages then bound the integer problem whenever a plan reaches that floor.
            fixed = value if self.integer else float(np.floor(value + 1e-6))
            self._fix_level(vec, line_need, fixed)
        return StageResult(name, sense, value, float(bound), judged, t_stage), x, \
            status != "optimal"

    def _set_objective(self, vec: FloatArray, is_fill: bool, remaining: float | None,
                       mip_gap: float, later_fill: bool) -> FloatArray:
        """Set the stage's objective and options; return the objective over all columns."""
        h = self.h
        h.setOptionValue("time_limit", float(remaining) if remaining is not None else _INF)
        h.setOptionValue("mip_rel_gap", 0.0 if is_fill else mip_gap)
        h.setOptionValue("mip_abs_gap", 0.999 if is_fill else 0.999 * _unit(vec))
        full = np.concatenate([np.zeros(self.n_pairs), vec]) if is_fill else np.concatenate(
            [vec, np.zeros(self.n_lines)])
        h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), full)
        if not self.integer:
            # After a fill stage the basis stays primal feasible (the new row holds at the
            # old point), so primal simplex continues cheaply; the first stage and the cost
            # stage go faster with dual simplex (measured at 1,000 lines: 0.8 s vs 4.5 s).
            h.setOptionValue("simplex_strategy", 4 if later_fill else 1)
        return full

    def _judge(self, sense: str, vec: FloatArray, value: float, bound: float, status: str,
               line_need: FloatArray, mip_gap: float) -> tuple[str, float]:
        """The stage's status and proven bound, from HiGHS's bound and the value found.

        Integer stages are judged by the values themselves, whatever status HiGHS reported.
        """
        if sense == "max":
            # The stage minimized the shortfall; its bound is a lower bound on shortfall.
            need = float(vec @ line_need)
            # No dual bound yet (time limit): the level's total need is still a bound.
            bound = need - bound if np.isfinite(bound) else need
            bound = min(bound, need)
            if self.integer:
                bound = float(np.floor(bound + 1e-6))  # fills are integers
                # Proven only when the fill found reaches the bound in whole units.
                ok = proven_value(sense, value, bound, mip_gap=0.0, unit=1.0)
                status = "optimal" if ok else "feasible"
            return status, bound
        bound = max(bound, 0.0) if np.isfinite(bound) else 0.0  # costs are >= 0
        if self.integer:
            bound = whole_bound(bound, _unit(vec), value)
            ok = proven_value(sense, value, bound, mip_gap=mip_gap, unit=_unit(vec))
            status = "optimal" if ok else "feasible"
        return status, bound

    def _tie_break(self, tie: FloatArray, cost: FloatArray, best_cost: float, x: FloatArray,
                   line_need: FloatArray, remaining: float | None
                   ) -> tuple[StageResult, FloatArray]:
        """Among plans with the fixed fills and cost <= ``best_cost``, minimize ``tie @ x``.

        The cost row is dense over the pair columns, which is why it is added only here, last.
        Weights are whole numbers, so an absolute gap below 1 proves the stage.
        """
        h, E, R = self.h, self.n_pairs, self.n_lines
        name = "tie-break"  # plan.TIE_BREAK (the compute core does not import the plan)
        if remaining is not None and remaining <= 0.01:
            return StageResult(name, "min", float(tie @ x), 0.0, "not-run"), x
        unit = _unit(cost)
        slack = 0.5 * unit if unit >= 1 else 1e-9 * max(1.0, abs(best_cost))
        idx = np.flatnonzero(cost).astype(np.int32)
        h.addRow(-_INF, best_cost + slack, idx.size, idx, cost[idx])
        h.setOptionValue("time_limit", float(remaining) if remaining is not None else _INF)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
        full = np.concatenate([tie, np.zeros(R)])
        h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), full)
        served = np.bincount(self._e_r, weights=x, minlength=R)
        t = time.perf_counter()
        status, bound, xs = self._run(full, np.concatenate([x, line_need - served]))
        t = time.perf_counter() - t
        if xs is None:
            return StageResult(name, "min", float(tie @ x), 0.0, "not-run", t), x
        x = np.round(xs[:E])
        value = float(tie @ x)
        bound = whole_bound(max(bound, 0.0) if np.isfinite(bound) else 0.0, 1.0, value)
        ok = status != "none" and proven_value("min", value, bound, mip_gap=0.0, unit=1.0)
        return StageResult(name, "min", value, bound, "optimal" if ok else "feasible", t), x

    def _run(self, full: FloatArray, start: FloatArray | None
             ) -> tuple[str, float, FloatArray | None]:
        """One HiGHS run of the current objective: (status, bound, point), checked.

        The report is believed only when it agrees with the returned point (see
        :func:`_consistent`). Otherwise the stage is solved again without the start, then also
        without presolve (HiGHS 1.11 can end an empty presolved MIP in "Solve error" with a
        1e-6 row violation); if the last try still disagrees, the point is kept and nothing is
        claimed about it ("feasible", no bound).
        """
        h = self.h
        presolve = str(h.getOptionValue("presolve")[1])
        out: tuple[str, float, FloatArray | None] = ("none", -_INF, None)
        limit = float(h.getOptionValue("time_limit")[1])
        t0 = time.perf_counter()
        try:
            for attempt in range(3):
                if attempt and np.isfinite(limit):
                    # A retry gets what is left of the stage's time, not the whole of it again.
                    left = limit - (time.perf_counter() - t0)
                    if left <= 0.01:
                        break
                    h.setOptionValue("time_limit", left)
                if attempt == 0 and start is not None:
                    h.setSolution(self.n_cols, np.arange(self.n_cols, dtype=np.int32), start)
                elif attempt:
                    h.clearSolver()  # drops the start and the previous run's point
                if attempt == 2:
                    h.setOptionValue("presolve", "off")
                h.run()
                status, obj, bound = _status(h, self.integer)
                if status == "none":
                    if h.getModelStatus() in _OUT_OF_TIME:
                        return status, bound, None
                    continue
                xs = np.asarray(h.getSolution().col_value, dtype=np.float64)
                if _consistent(obj, float(full @ xs), bound if self.integer else -_INF):
                    return status, bound, xs
                out = ("feasible", -_INF, xs)
        finally:
            h.setOptionValue("presolve", presolve)
        return out

    def _fix_level(self, vec: FloatArray, line_need: FloatArray, value: float) -> None:
        """Keep this level's fill (as a cap on its shortfall) for the stages after it."""
        idx = (self.n_pairs + np.flatnonzero(vec)).astype(np.int32)
        short = float(vec @ line_need) - value
        slack = 1e-6
        self.h.addRow(-_INF, short + slack, idx.size, idx, np.ones(idx.size))

    def _value(self, vec: FloatArray, x: FloatArray, is_fill: bool, need: FloatArray) -> float:
        """The stage's objective at ``x``: weighted fill (capped at need) or cost."""
        if is_fill:
            served = np.bincount(self._e_r, weights=x, minlength=self.n_lines)
            return float(vec @ np.minimum(served, need))
        return float(vec @ x)
