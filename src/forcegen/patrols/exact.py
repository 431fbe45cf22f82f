"""Exact team orienteering with OR-Tools CP-SAT: one circuit per vessel, an area at most once.

Each vessel gets its own ``AddCircuit`` over {depot, areas it may enter}: the depot stands for
its start (arcs out) and its end (arcs in), a self-loop on an area means "not visited", the
depot's self-loop means "stays in port" (the vessel does not sail, so its start -> end passage
need not fit its endurance). Vessels differ in ports, speeds, endurance and caveats,
so ``AddMultipleCircuit`` (one shared depot, identical vehicles) does not fit in general.

Leg hours are integers in units of 1/SCALE h, rounded *down*: the model is then a relaxation
of the real one, so its bound is a valid bound; a solution is accepted only after the float
timetable check in :mod:`forcegen.patrols.problem` passes. CP-SAT runs on at most 2 workers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcegen.patrols.problem import PatrolProblem

__all__ = ["ExactResult", "solve_exact"]

SCALE = 100_000  # 1/100000 h = 0.036 s of sailing
MIN_SOLVE = 0.2  # seconds: less than this left before the deadline, CP-SAT does not run


@dataclass(frozen=True)
class ExactResult:
    """What CP-SAT found: routes (None if none), their value, the proven bound, its status."""

    routes: list[list[int]] | None
    total: float | None
    bound: float
    proven: bool
    status: str


def _ints(x: np.ndarray) -> np.ndarray:
    return np.floor(np.where(np.isfinite(x), x, 0.0) * SCALE).astype(np.int64)


def solve_exact(prob: PatrolProblem, *, time_limit: float = 10.0, hint: list[list[int]] | None
                = None, workers: int = 2, seed: int = 0,
                deadline: float | None = None) -> ExactResult:
    """Patrol routes of the most value, with CP-SAT (one circuit per vessel).

    Parameters
    ----------
    prob
        The patrol problem.
    time_limit
        Seconds for the search; the best routes found and the proven bound are returned.
    deadline
        ``time.monotonic()`` by which to be done, model building included (instead of
        ``time_limit``): CP-SAT gets what is left once the model is built, and does not run
        when nothing is (status ``NO_TIME``).
    hint
        Routes to start from (e.g. the local search's), one list of area indices per vessel.
    workers, seed
        CP-SAT's search workers and random seed.

    Returns
    -------
    ExactResult
        ``proven`` only when CP-SAT proved the optimum on integral values (fractional values
        are scaled and rounded, and the bound widened by the rounding).
    """
    from ortools.sat.python import cp_model

    values = prob.values
    trivial = float(values[prob.allowed.any(axis=0)].sum()) if prob.n_vessels else 0.0
    integral = bool(np.all(values == np.round(values)))
    # Fractional values (probabilities, say): the largest becomes 10^6 units.
    top = float(values.max()) if values.size else 0.0
    vscale = 1.0 if integral or top <= 0 else 1e6 / top
    ival = np.round(values * vscale).astype(np.int64)
    m, arcs_of = _model(cp_model, prob, ival, hint)
    if deadline is not None:
        time_limit = deadline - time.monotonic()
        if time_limit < MIN_SOLVE:
            return ExactResult(None, None, trivial, False, "NO_TIME")
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, float(time_limit))
    solver.parameters.num_workers = max(1, min(2, workers))
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2  # LP over the circuits: much tighter bounds
    st = solver.solve(m)
    name = solver.status_name(st)
    bound = float(solver.best_objective_bound) / vscale if st in (
        cp_model.OPTIMAL, cp_model.FEASIBLE) else trivial
    if not integral:  # objective on rounded values: widen the bound by the rounding
        bound += 0.5 * prob.n_areas / vscale
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult(None, None, bound, False, name)
    routes = [_follow(solver, arcs) for arcs in arcs_of]
    total = float(sum(values[a] for r in routes for a in r))
    feasible = all(prob.route_ok(k, r) for k, r in enumerate(routes))
    if not feasible:  # rounding let a route through that the float check refuses
        return ExactResult(None, None, bound, False, "ROUNDING")
    return ExactResult(routes, total, bound, st == cp_model.OPTIMAL and integral, name)


def _model(cp_model: Any, prob: PatrolProblem, ival: np.ndarray, hint: list[list[int]] | None
           ) -> tuple[Any, list[dict[tuple[int, int], Any]]]:
    """The CP-SAT model (circuits, each area once, value to maximise) and each vessel's arcs."""
    m = cp_model.CpModel()
    n_a, n_v = prob.n_areas, prob.n_vessels
    visit: dict[tuple[int, int], cp_model.IntVar] = {}
    arcs_of: list[dict[tuple[int, int], Any]] = []
    windows = prob.has_windows
    station = _ints(prob.station)
    for k in range(n_v):
        arcs_of.append(_vessel_circuit(m, prob, k, station, visit, windows))
    for i in range(n_a):
        vs = [visit[(k, i)] for k in range(n_v) if (k, i) in visit]
        if len(vs) > 1:
            m.add_at_most_one(vs)
    # Identical vessels are interchangeable: order them by value carried to cut symmetry.
    for k in range(n_v - 1):
        if _same(prob, k, k + 1):
            m.add(sum(int(ival[i]) * visit[(k, i)] for i in range(n_a) if (k, i) in visit)
                  >= sum(int(ival[i]) * visit[(k + 1, i)] for i in range(n_a)
                         if (k + 1, i) in visit))
    m.maximize(sum(int(ival[i]) * v for (_, i), v in visit.items()))
    for k, route in enumerate(hint or []):
        on = set(route)
        for (kk, i), v in visit.items():
            if kk == k:
                m.add_hint(v, i in on)
    return m, arcs_of


def _vessel_circuit(m: Any, prob: PatrolProblem, k: int, station: np.ndarray,
                    visit: dict[tuple[int, int], Any], windows: bool
                    ) -> dict[tuple[int, int], Any]:
    """Vessel ``k``'s route as a circuit through port (node 0) and its areas; its arcs.

    Adds the vessel's visit literals to ``visit``, its endurance and, with ``windows``, the
    arrival times. An area not visited takes its self-loop.
    """
    ok = [int(i) for i in np.flatnonzero(prob.allowed[k])]
    ts, te, tb = _ints(prob.t_start[k]), _ints(prob.t_end[k]), _ints(prob.t_between[k])
    end_k = int(np.floor(prob.endurance[k] * SCALE))
    arcs: dict[tuple[int, int], Any] = {}  # literals (IntVar or its negation)
    cost: list[tuple[Any, int]] = []
    stay = m.new_bool_var(f"stay{k}")
    arcs[(0, 0)] = stay
    # Staying in port costs nothing (no passage start -> end is sailed).
    for i in ok:
        v = m.new_bool_var(f"v{k}_{i}")
        visit[(k, i)] = v
        arcs[(i + 1, i + 1)] = ~v
        arcs[(0, i + 1)] = m.new_bool_var("")
        arcs[(i + 1, 0)] = m.new_bool_var("")
        cost += [(arcs[(0, i + 1)], int(ts[i])), (arcs[(i + 1, 0)], int(te[i])),
                 (v, int(station[i]))]
        m.add_implication(v, ~stay)
    for i in ok:
        for j in ok:
            if i != j:
                lit = m.new_bool_var("")
                arcs[(i + 1, j + 1)] = lit
                cost.append((lit, int(tb[i, j])))
    m.add_circuit([(a, b, lit) for (a, b), lit in arcs.items()])
    m.add(sum(c * lit for lit, c in cost) <= end_k)
    if windows:
        _time_windows(m, prob, k, ok, arcs, ts, te, tb, station, end_k)
    return arcs


def _same(prob: PatrolProblem, a: int, b: int) -> bool:
    return (prob.starts[a] == prob.starts[b] and prob.ends[a] == prob.ends[b]
            and prob.offset(a) == prob.offset(b)
            and prob.endurance[a] == prob.endurance[b]
            and bool(np.array_equal(prob.allowed[a], prob.allowed[b]))
            and bool(np.array_equal(prob.t_start[a], prob.t_start[b]))
            and bool(np.array_equal(prob.t_end[a], prob.t_end[b]))
            and bool(np.array_equal(prob.t_between[a], prob.t_between[b])))


def _follow(solver: Any, arcs: Mapping[tuple[int, int], Any]) -> list[int]:
    nxt = {a: b for (a, b), lit in arcs.items() if a != b and solver.boolean_value(lit)}
    route, node = [], nxt.get(0)
    while node is not None and node != 0:
        route.append(node - 1)
        node = nxt.get(node)
    return route


def _time_windows(m: Any, prob: PatrolProblem, k: int, ok: list[int], arcs: dict,
                  ts: np.ndarray, te: np.ndarray, tb: np.ndarray, station: np.ndarray,
                  end_k: int) -> None:
    """Arrival times with waiting: arc i->j forces arrive_j >= arrive_i + station_i + leg."""
    # A daily sortie's clock starts at its day: windows shift by its departure hour.
    off = prob.offset(k)
    lo = np.floor(np.maximum(prob.windows[:, 0] - off, 0.0) * SCALE).astype(np.int64)
    hi_f = prob.windows[:, 1] - off
    hi = np.where(np.isfinite(hi_f), np.ceil(np.minimum(hi_f, 1e9) * SCALE), end_k)
    for i in ok:
        if hi[i] < 0:  # closed before this sortie leaves
            m.add_bool_and([arcs[(i + 1, i + 1)]])
    t = {i: m.new_int_var(int(lo[i]), int(max(lo[i], min(hi[i], end_k))), f"t{k}_{i}")
         for i in ok}
    for (a, b), lit in arcs.items():
        if a == b:
            continue
        if a == 0:
            m.add(t[b - 1] >= int(ts[b - 1])).only_enforce_if(lit)
        elif b == 0:
            m.add(t[a - 1] + int(station[a - 1] + te[a - 1]) <= end_k).only_enforce_if(lit)
        else:
            leg = int(station[a - 1] + tb[a - 1, b - 1])
            m.add(t[b - 1] >= t[a - 1] + leg).only_enforce_if(lit)
