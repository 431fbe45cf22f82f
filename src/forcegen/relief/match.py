"""Fill relief requests from offers: a lexicographic model on HiGHS, from arrays.

Columns are the (offer, request) pairs of :class:`forcegen.relief.loader.ReliefProblem` that
have a route (plus pairs held by status, fixed to their quantity). Rows: units per offer
(<= offered), units per request (<= asked). The stages, in order:

1. units delivered **in time** (by the request's needed-by hour), priority 1 first, then 2, ...;
2. if ``settings.late``: units delivered at all (late help after all help in time), by priority;
3. the sum over units of their arrival hours (earliest arrival);
4. the cost (per unit of each offer);
5. a tie-break: the least sum over units of their pair's rank in (request id, offer id) order.
   The rank is additive in request and offer, so two offers exchanged between two requests of
   the same item keep the sum: plans equal on every stage can still differ, and which of them
   comes out depends on the solver's pivoting (the same for the same input and code).

Each stage is an LP over the optimal face of the stages before (see :class:`_Stages`): the
transportation polytope's faces have whole vertices, so each LP optimum is the integer optimum.
A plan is "optimal" (proven best) only when every stage is proven and the final plan still
meets every stage's value; with a time limit hit it is "feasible" and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components

from forcegen._highs import new_highs
from forcegen.exceptions import OptionError, SolverError

__all__ = ["Stage", "lexicographic"]

_INF = highspy.kHighsInf
#: A reduced cost or dual above this is taken as nonzero (HiGHS's dual feasibility tolerance
#: is 1e-7; hours and costs differ by far more where they differ at all).
_DUAL_TOL = 1e-6
_PER_ROUND = 16  # improving pairs of one request priced in a round (4: 22 % more CPU at 2,000)
_DUAL, _PRIMAL = 1, 4  # HiGHS simplex_strategy values
_DEVEX = 1  # HiGHS simplex_dual_edge_weight_strategy value


def _dot(c: NDArray[np.float64], x: NDArray[np.float64]) -> float:
    """``c @ x`` without BLAS.

    OpenBLAS runs a dot product of 100,000 pairs on several threads, which then spin waiting
    for work while HiGHS's own threads want the cores: measured at 2,000 requests x 20,000
    offers on 2 cores, ``@`` in the stage checks cost 3.5 of 7.6 CPU seconds. A plain
    multiply-and-sum (numpy's pairwise sum, one thread) takes milliseconds.
    """
    return float(np.multiply(c, x).sum())


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
    # Devex pricing in the dual simplex: the stages' LPs are many small warm-started ones,
    # where HiGHS's default (dual steepest edge) made twice the iterations; measured at 2,000
    # requests x 20,000 offers: 64,000 iterations instead of 116,000, 15 % less solver CPU,
    # every stage's value the same. (The primal stages barely iterate: no change there.)
    h.setOptionValue("simplex_dual_edge_weight_strategy", _DEVEX)
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

    Columns are priced in (column generation): the model starts with a few pairs per request;
    after each LP, every pair left out gets its reduced cost from the row duals
    (``c - y_offer - y_request``, all pairs at once with numpy), and those that would improve
    the stage join the model until none would. A pair left out with a positive reduced cost
    is at its bound (0) on the stage's optimal face, so it is dropped for good.
    """

    def __init__(self, e_o: NDArray[np.int64], e_r: NDArray[np.int64],
                 supply: NDArray[np.float64], demand: NDArray[np.float64],
                 lower: NDArray[np.float64], upper: NDArray[np.float64],
                 start: NDArray[np.int64] | None, *, integer: bool = False) -> None:
        self.e_o, self.e_r, self.lower, self.upper = e_o, e_r, lower, upper
        self.n_o, self.n = int(supply.size), int(e_o.size)
        self.cols = np.arange(self.n) if start is None else np.unique(start)
        self.pool = upper > 0  # pairs that may still carry units
        self.pool[self.cols] = False  # (those in the model are not in the pool)
        self.h = _model(e_o[self.cols], e_r[self.cols], supply, demand, lower[self.cols],
                        upper[self.cols])
        self.integer = integer
        self.solved = False  # whether an LP has been solved (a basis to go on from)
        # Pool pairs with their rows (and the stage's costs of them), kept between pricing
        # rounds: see _priced.
        self._pricing: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None
        self._pricing = None
        self._pricing_cost: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        if integer:
            self._all_in()
            self._set_integer()

    def _set_integer(self) -> None:
        m = int(self.cols.size)
        self.h.changeColsIntegrality(m, np.arange(m, dtype=np.int32),
                                     np.full(m, highspy.HighsVarType.kInteger))

    def _add(self, pairs: NDArray[np.int64], cost: NDArray[np.float64]) -> None:
        k = int(pairs.size)
        if k == 0:
            return
        idx = np.empty(2 * k, dtype=np.int32)
        idx[0::2], idx[1::2] = self.e_o[pairs], self.n_o + self.e_r[pairs]
        self.h.addCols(k, cost[pairs], self.lower[pairs], self.upper[pairs], 2 * k,
                       np.arange(0, 2 * k, 2, dtype=np.int32), idx, np.ones(2 * k))
        self.cols = np.concatenate([self.cols, pairs])
        self.pool[pairs] = False

    def _all_in(self, cost: NDArray[np.float64] | None = None) -> None:
        rest = np.flatnonzero(self.pool)
        self._add(rest, np.zeros(self.n) if cost is None else cost)
        self._pricing = None

    def _run(self, time_left: float, *, values: bool = True
             ) -> tuple[NDArray[np.float64] | None, str]:
        """Solve; the columns' values (empty unless ``values``) and the status.

        highspy hands solutions over as Python lists: converting 10,000 values takes 0.4 ms,
        and a pricing round needs only the duals, so :meth:`_lp` asks for the values once.
        """
        h = self.h
        # HiGHS's time limit counts from the solver's creation, over every run.
        h.setOptionValue("time_limit", h.getRunTime() + max(0.01, time_left))
        h.run()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            return (self._values() if values else np.zeros(0)), "optimal"
        if self.integer and h.getInfo().primal_solution_status == 2:
            sol = self._values()
            if sol.size == self.cols.size:
                return sol, "feasible"
        return None, "not-run"

    def _values(self) -> NDArray[np.float64]:
        """The model's columns' values at the last run."""
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def _priced(self, cost: NDArray[np.float64]) -> tuple[NDArray[np.int64],
                                                         NDArray[np.float64]]:
        """Pool pairs and their reduced costs at the LP just solved.

        The pairs may include some that have joined the model since the list was made (a
        round adds a few hundred of a component's 100,000): gathering the pool's pairs, their
        rows and costs anew each round was a tenth of the matching's CPU time. Callers keep
        only pairs still in the pool (:meth:`_improving`); a pair in the model marked out of
        the pool again changes nothing. The list is made anew when the pool shrinks for good
        (:meth:`_fix_face`) and the costs once per stage (``cost`` is one array per stage).
        """
        y = np.asarray(self.h.getSolution().row_dual, dtype=float)
        if self._pricing is None:
            p = np.flatnonzero(self.pool)
            self._pricing = (p, self.e_o[p], self.n_o + self.e_r[p])
            self._pricing_cost = None
        p, rows_o, rows_r = self._pricing
        if self._pricing_cost is None or self._pricing_cost[0] is not cost:
            self._pricing_cost = (cost, cost[p])
        return p, self._pricing_cost[1] - y[rows_o] - y[rows_r]

    def _improving(self, cost: NDArray[np.float64]) -> tuple[NDArray[np.int64],
                                                            NDArray[np.float64]]:
        """Pool pairs whose reduced cost would improve the stage, and those reduced costs."""
        p, dp = self._priced(cost)
        better = np.flatnonzero(dp < -_DUAL_TOL)
        better = better[self.pool[p[better]]]
        return p[better], dp[better]

    def _fix_face(self, x: NDArray[np.float64], cost: NDArray[np.float64]) -> None:
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
        p, dp = self._priced(cost)
        self.pool[p[dp > _DUAL_TOL]] = False  # at 0 on every optimal plan from now on
        self._pricing = None  # the pool shrank: list its pairs anew

    def _lp(self, cost: NDArray[np.float64], deadline: float
            ) -> tuple[NDArray[np.float64] | None, str]:
        """The stage's LP, pricing pool pairs in until none improves it."""
        status = "not-run"
        # The columns priced in come with this stage's cost (_add): only those in the model
        # before the stage need theirs changed.
        n_cols = int(self.cols.size)
        self.h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost[self.cols])
        n_cols = -1
        while n_cols != self.cols.size:
            n_cols = int(self.cols.size)
            done, status = self._run(deadline - time.perf_counter(), values=False)
            if done is None:
                return None, status
            self._add(self._best_per_request(*self._improving(cost)), cost)
        # No column joined in the last round: the model's solution is that of its last run.
        return self._values(), status

    def _best_per_request(self, p: NDArray[np.int64], dp: NDArray[np.float64]
                          ) -> NDArray[np.int64]:
        """The few most improving pairs of each request (partial pricing).

        Adding every improving pair at once swelled the LP twentyfold (2,000 requests) with
        pairs the optimum never used; a few per request and another round is much faster.
        """
        r = self.e_r[p]
        order = np.lexsort((dp, r))
        starts = np.searchsorted(r[order], r[order], side="left")
        return p[order[np.arange(order.size) - starts < _PER_ROUND]]

    def solve(self, c: NDArray[np.float64], sense: str, deadline: float
              ) -> tuple[NDArray[np.float64] | None, str, str]:
        """Units per pair at the stage's optimum (None out of time), its status and method."""
        cost = c if sense == "min" else -c
        if not self.integer:
            # Units-delivered stages start from the previous stage's basis, still primal
            # feasible after the cost change: primal simplex goes on from it (measured: the
            # in-time stages take 40 % of the dual's time at 2,000 requests), while the
            # hour and cost stages, whose pricing adds many columns, run faster on the dual.
            self.h.setOptionValue("simplex_strategy", _PRIMAL if sense == "max" and
                                  self.solved else _DUAL)
            sol, status = self._lp(cost, deadline)
            self.solved = True
            if sol is not None and np.abs(sol - np.round(sol)).max() <= 1e-7:
                self._fix_face(np.round(sol), cost)
                return self._full(np.round(sol)), status, "lp"
            if sol is None:
                return None, status, "lp"
            self.integer = True
            self._all_in(cost)
            self._set_integer()
        m = int(self.cols.size)
        self.h.changeColsCost(m, np.arange(m, dtype=np.int32), cost[self.cols])
        sol, status = self._run(deadline - time.perf_counter())
        if sol is None:
            return None, status, "mip"
        x = np.round(sol)
        cm = c[self.cols]
        live = np.flatnonzero(cm).astype(np.int32)
        value = _dot(cm, x)
        whole = bool(np.all(np.mod(cm[live], 1) == 0))
        slack = 0.0 if whole else 1e-9 * max(1.0, abs(value))
        lo, hi = (value, _INF) if sense == "max" else (-_INF, value + slack)
        self.h.addRow(lo, hi, int(live.size), live, cm[live])
        return self._full(x), status, "mip"

    def _full(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros(self.n)
        out[self.cols] = x
        return out


def _components(e_o: NDArray[np.int64], e_r: NDArray[np.int64], n_o: int, n_r: int,
                live: NDArray[np.bool_]) -> list[NDArray[np.int64]]:
    """The live pairs grouped by connected component of the offer-request graph.

    No row joins two components (an offer's row holds only its own pairs, a request's its
    own), so every stage's objective is a sum over components and the lexicographic optimum
    of the whole is the lexicographic optimum of each component: many small LPs (one per
    capability at least) instead of one large one, which simplex solves much faster.
    """
    idx = np.flatnonzero(live)
    if idx.size == 0:
        return []
    g = coo_matrix((np.ones(idx.size), (e_o[idx], n_o + e_r[idx])),
                   shape=(n_o + n_r, n_o + n_r))
    _, label = connected_components(g, directed=False)
    comp = label[e_o[idx]]
    order = np.argsort(comp, kind="stable")
    cuts = np.flatnonzero(np.diff(comp[order])) + 1
    return [idx[part] for part in np.split(order, cuts)]


def _solve_part(cols: NDArray[np.int64], e_o: NDArray[np.int64], e_r: NDArray[np.int64],
                supply: NDArray[np.float64], demand: NDArray[np.float64],
                lower: NDArray[np.float64], upper: NDArray[np.float64],
                stages: list[tuple[str, str, NDArray[np.float64]]], deadline: float,
                method: str, start: NDArray[np.bool_] | None
                ) -> tuple[NDArray[np.float64], list[tuple[str, float, str]]]:
    """One component's plan over its pairs ``cols``, with (status, seconds, how) per stage."""
    uo, lo = np.unique(e_o[cols], return_inverse=True)
    ur, lr = np.unique(e_r[cols], return_inverse=True)
    first = None if start is None else np.flatnonzero(start[cols]).astype(np.int64)
    solver = _Stages(lo.astype(np.int64), lr.astype(np.int64), supply[uo], demand[ur],
                     lower[cols], upper[cols], first, integer=method == "mip")
    x = lower[cols].copy()
    out: list[tuple[str, float, str]] = []
    held: list[float] = []  # each stage's value when it was solved
    mine = [(sense, c_all[cols]) for _, sense, c_all in stages]  # gathered once, used twice
    for sense, c in mine:
        t = time.perf_counter()
        if out and out[-1][0] != "optimal":
            held.append(_dot(c, x))
            out.append(("not-run", 0.0, out[-1][2]))
            continue
        if not np.any(c):
            held.append(0.0)
            out.append(("optimal", 0.0, "mip" if solver.integer else "lp"))
            continue
        sol, status, how = solver.solve(c, sense, deadline)
        if sol is None:  # no plan in time: keep the last one (it meets the stages before)
            held.append(_dot(c, x))
            out.append(("not-run", time.perf_counter() - t, how))
            continue
        x = sol
        held.append(_dot(c, x))
        out.append((status, time.perf_counter() - t, how))
    return x, _recheck(x, mine, out, held)


_WORST = {"optimal": 0, "feasible": 1, "not-run": 2}


def lexicographic(e_o: NDArray[np.int64], e_r: NDArray[np.int64], supply: NDArray[np.float64],
                  demand: NDArray[np.float64], lower: NDArray[np.float64],
                  upper: NDArray[np.float64], stages: list[tuple[str, str, NDArray[np.float64]]],
                  *, time_limit: float = 60.0, method: str = "face",
                  start: NDArray[np.int64] | None = None
                  ) -> tuple[NDArray[np.float64], list[Stage]]:
    """Solve ``stages`` ``(name, "max"|"min", coefficients per column)`` in order.

    Returns the units per column and the stages; out of time, the plan of the last stage
    solved (it meets every stage before) and the stages not run marked so. ``start`` lists the
    columns the model begins with (the rest are priced in as needed; all of them when None).
    ``method="mip"`` solves every stage as a MILP over all columns holding the stages before
    as rows (``>=`` for max, ``<=`` for min with a relative slack of 1e-9 for fractional
    coefficients): slower, kept as the reference the face method is tested against.

    Each connected component of the offer-request graph is solved on its own (see
    :func:`_components`); a stage is optimal when it is in every component.
    """
    if method not in ("face", "mip"):
        raise OptionError(f"{{method}} {method!r}: expected face or mip", "method")
    n = int(e_o.size)
    if n == 0:
        return np.zeros(0), [Stage(s[0], s[1], 0.0, "optimal", 0.0) for s in stages]
    deadline = time.perf_counter() + time_limit
    begin = None
    if start is not None:
        begin = np.zeros(n, dtype=bool)
        begin[start] = True
    x = lower.copy()
    status = ["optimal"] * len(stages)
    seconds = [0.0] * len(stages)
    how = ["mip" if method == "mip" else "lp"] * len(stages)
    for cols in _components(e_o, e_r, int(supply.size), int(demand.size), upper > 0):
        part, done = _solve_part(cols, e_o, e_r, supply, demand, lower, upper, stages,
                                 deadline, method, begin)
        x[cols] = part
        for k, (st, sec, hw) in enumerate(done):
            status[k] = max(status[k], st, key=_WORST.__getitem__)
            seconds[k] += sec
            how[k] = "mip" if hw == "mip" else how[k]
    return x, [Stage(name, sense, _dot(c, x), status[k], seconds[k], how[k])
               for k, (name, sense, c) in enumerate(stages)]


def _recheck(x: NDArray[np.float64], stages: list[tuple[str, NDArray[np.float64]]],
             out: list[tuple[str, float, str]], held: list[float]
             ) -> list[tuple[str, float, str]]:
    """Each stage's value recomputed on the final plan; a stage it worsens is not proven.

    Fixing the face by reduced costs is exact in exact arithmetic; should a tolerance have let
    a later stage trade away an earlier one, the plan says so instead of claiming a proof.
    """
    checked = []
    for (sense, c), st, value in zip(stages, out, held, strict=True):
        now = _dot(c, x)
        tol = 1e-9 * max(1.0, abs(value))
        worse = now < value - tol if sense == "max" else now > value + tol
        checked.append(("feasible", *st[1:]) if st[0] == "optimal" and worse else st)
    return checked
