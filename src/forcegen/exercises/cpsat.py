"""Exact exercise scheduling with OR-Tools CP-SAT (optional intervals, cumulative, no-overlap).

Model: per exercise a ``held`` literal and a start week inside its window; per acceptable area a
presence literal (exactly one when held) with an optional interval, and a cumulative per area at
its weekly capacity; per need and candidate unit a literal (as many as the need's quantity when
held), and per unit one no-overlap over optional intervals of the exercise's weeks plus the rest,
and fixed intervals for the weeks it is unavailable. ``after``: an exercise is held only if its
prerequisites are, and starts once they have ended.

Lexicographic objective on one model, each phase's result held as a constraint for the next:
(1) the most value of exercises held; (2) the most requirement lines certified in time
(:mod:`.lines`); (3) the least travel of units from home to training area (:mod:`.travel`;
skipped when the scenario has no coordinates for it); (4) the canonical tie-break: earliest
starts, then units and areas of lowest id (so the same data gives the same plan). Only a proven
phase 1 is called optimal; phases 2 to 4 report whether they were proven. Phase 1 is bounded
first by a units-pooled model on HiGHS (:mod:`.aggregate`, :mod:`._value_phase`), which
proves it at 300 exercises and 2,000 units in under a CPU second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from forcegen.exercises._line_phase import count_lines, line_phase
from forcegen.exercises._value_phase import value_phase
from forcegen.exercises.problem import ExerciseProblem, Schedule, greedy_schedule
from forcegen.exercises.travel import schedule_travel, travel_terms

__all__ = ["ExercisePlan", "solve_cpsat"]

#: The machine's cores are shared; more workers would only steal time from other processes.
DEFAULT_WORKERS = 2


@dataclass
class ExercisePlan:
    """A schedule, the value it holds and the proven bound; lines certified in time."""

    status: str                      # optimal | feasible | unknown
    schedule: Schedule
    value: int
    bound: int                       # proven upper bound on the value held
    solver: str = "cp-sat"
    baseline_value: int = 0
    baseline_seconds: float = 0.0
    seconds: float = 0.0
    tie_break_proven: bool = False
    lines: int = 0                   # requirement lines certified in time (second objective)
    lines_bound: int = 0             # proven upper bound on it, at the value held
    lines_proven: bool = True
    value_seconds: float = 0.0       # time to the value phase's answer (compared in bench/)
    travel: int | None = None        # total km of units to their exercises (third objective)
    travel_bound: int | None = None  # proven least travel at the value and lines held
    travel_status: str = "not minimised"   # optimal | feasible | not minimised | skipped
    notes: list[str] = field(default_factory=list)
    #: The lines phase's steps: lines certified after each and its seconds (bench/).
    lines_steps: list[dict[str, Any]] = field(default_factory=list)
    #: The value phase's steps: greedy, pooled bound and plan, full model (bench/).
    value_steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Relative gap between the value held and the proven bound (0 when proven)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.value) / self.bound)


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as (start, length)."""
    padded = np.concatenate(([False], row, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _need_literals(m: cp_model.CpModel, p: ExerciseProblem, e: int, held: cp_model.IntVar
                   ) -> tuple[list[list[tuple[int, cp_model.IntVar]]],
                              dict[int, list[cp_model.IntVar]]]:
    """Per need of exercise ``e`` its (unit, literal) picks, and each unit's literals."""
    need_lits: list[list[tuple[int, cp_model.IntVar]]] = []
    by_unit: dict[int, list[cp_model.IntVar]] = {}
    for k, (q, cands) in enumerate(p.needs[e]):
        ys: list[tuple[int, cp_model.IntVar]] = []
        for u in cands:
            # A unit blocked in every start week of the window can never take part.
            if not any(p.free_for(u, e, t) for t in range(int(p.lo[e]), int(p.hi[e]) + 1)):
                continue
            y = m.new_bool_var(f"y{e}_{k}_{u}")
            m.add_implication(y, held)
            ys.append((u, y))
            by_unit.setdefault(u, []).append(y)
        m.add(sum(y for _, y in ys) == q * held)
        need_lits.append(ys)
    return need_lits, by_unit


def _add_capacities(m: cp_model.CpModel, p: ExerciseProblem,
                    per_area: dict[int, list[cp_model.IntervalVar]],
                    per_unit: dict[int, list[cp_model.IntervalVar]]) -> None:
    """Each area's weekly capacity; a unit in one exercise at a time, never when blocked."""
    for a, ivs in per_area.items():
        if len(ivs) > p.capacity[a]:
            m.add_cumulative(ivs, [1] * len(ivs), int(p.capacity[a]))
    for u, ivs in per_unit.items():
        fixed = [m.new_fixed_size_interval_var(s, n, f"b{u}_{s}")
                 for s, n in _runs(p.blocked[u])]
        if len(ivs) + len(fixed) > 1:
            m.add_no_overlap(ivs + fixed)


def _build(p: ExerciseProblem) -> tuple[cp_model.CpModel, dict[str, Any]]:
    m = cp_model.CpModel()
    held = [m.new_bool_var(f"h{e}") for e in range(p.n)]
    start = [m.new_int_var(int(p.lo[e]), int(p.hi[e]), f"s{e}") for e in range(p.n)]
    on_area: list[list[tuple[int, cp_model.IntVar]]] = []
    per_area: dict[int, list[cp_model.IntervalVar]] = {}
    per_unit: dict[int, list[cp_model.IntervalVar]] = {}
    part: dict[tuple[int, int], cp_model.IntVar] = {}  # unit u takes part in exercise e
    picks: list[list[list[tuple[int, cp_model.IntVar]]]] = []
    for e in range(p.n):
        d = int(p.dur[e])
        m.add(start[e] == int(p.lo[e])).only_enforce_if(~held[e])  # one value when not held
        lits = []
        for a in p.areas[e]:
            x = m.new_bool_var(f"x{e}_{a}")
            lits.append((a, x))
            per_area.setdefault(a, []).append(
                m.new_optional_fixed_size_interval_var(start[e], d, x, f"ia{e}_{a}"))
        m.add(sum(x for _, x in lits) == held[e])
        on_area.append(lits)
        need_lits, by_unit = _need_literals(m, p, e, held[e])
        picks.append(need_lits)
        for u, lits_u in by_unit.items():
            if len(lits_u) > 1:
                z = m.new_bool_var(f"z{e}_{u}")
                m.add(sum(lits_u) == z)  # a unit fills one need of an exercise at most
            else:
                z = lits_u[0]
            part[(e, u)] = z
            per_unit.setdefault(u, []).append(
                m.new_optional_fixed_size_interval_var(start[e], d + p.rest, z, f"iu{e}_{u}"))
    _add_capacities(m, p, per_area, per_unit)
    for j, ps in enumerate(p.preds):
        for i in ps:
            m.add_implication(held[j], held[i])
            m.add(start[j] >= start[i] + int(p.dur[i])).only_enforce_if(held[j])
    return m, {"held": held, "start": start, "area": on_area, "picks": picks, "part": part}


def _solver(seconds: float, workers: int) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.05, seconds)
    s.parameters.num_workers = workers
    s.parameters.random_seed = 0
    return s


def _read(p: ExerciseProblem, s: cp_model.CpSolver, v: dict[str, Any]) -> Schedule:
    start = np.full(p.n, -1, dtype=np.int64)
    area = np.full(p.n, -1, dtype=np.int64)
    units: list[list[list[int]]] = [[] for _ in range(p.n)]
    for e in range(p.n):
        if not s.boolean_value(v["held"][e]):
            continue
        start[e] = s.value(v["start"][e])
        area[e] = next(a for a, x in v["area"][e] if s.boolean_value(x))
        units[e] = [[u for u, y in ys if s.boolean_value(y)] for ys in v["picks"][e]]
    return Schedule(start, area, units)


def _hint(m: cp_model.CpModel, v: dict[str, Any], sched: Schedule) -> None:
    """``sched`` as the model's hint (``m`` may be a copy of the model ``v`` was built on)."""
    m.clear_hints()
    for e, h in enumerate(v["held"]):
        on = bool(sched.start[e] >= 0)
        m.add_hint(h, on)
        if on:
            m.add_hint(v["start"][e], int(sched.start[e]))
        for a, x in v["area"][e]:
            m.add_hint(x, on and a == sched.area[e])
        for k, ys in enumerate(v["picks"][e]):
            mine = set(sched.units[e][k]) if on else set()
            for u, y in ys:
                m.add_hint(y, u in mine)


def _travel_phase(m: cp_model.CpModel, p: ExerciseProblem, v: dict[str, Any], best: Schedule,
                  plan: ExercisePlan, deadline: float, workers: int) -> Schedule:
    """Phase 3: with value and lines held, the least travel; held in turn for the tie-break."""
    if p.travel_km is None:
        plan.travel_status = "skipped"
        return best
    plan.travel = schedule_travel(p.travel_km, best.start, best.area, best.units)
    total = travel_terms(m, p.travel_km, v)
    m.minimize(total)
    _hint(m, v, best)
    solver = _solver((deadline - time.perf_counter()) * 0.5, workers)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan.travel_status = "feasible"
        plan.travel_bound = 0
        m.add(total <= plan.travel)
        return best
    best = _read(p, solver, v)
    plan.schedule = best
    plan.travel = schedule_travel(p.travel_km, best.start, best.area, best.units)
    proven = status == cp_model.OPTIMAL
    plan.travel_status = "optimal" if proven else "feasible"
    plan.travel_bound = plan.travel if proven else min(
        plan.travel, int(np.ceil(solver.best_objective_bound - 1e-6)))
    m.add(total <= plan.travel)
    return best


def solve_cpsat(p: ExerciseProblem, time_limit: float = 60.0,
                workers: int = DEFAULT_WORKERS) -> ExercisePlan:
    """Schedule ``p``: most value held, most lines certified in time, canonical tie-break.

    All within ``time_limit`` seconds (70 % of it for the value phase).

    The greedy baseline is computed first (reported alongside). The value phase
    (:mod:`._value_phase`) bounds the value with the units-pooled model on HiGHS and keeps the
    best plan of it and the greedy one; CP-SAT searches the full model only when that plan is
    short of the bound. There is always a plan for the later phases, which hold its value.
    """
    t0 = time.perf_counter()
    greedy = greedy_schedule(p)
    plan = ExercisePlan("unknown", greedy, greedy.value(p), int(p.value.sum()),
                        baseline_value=greedy.value(p),
                        baseline_seconds=time.perf_counter() - t0)
    if p.n == 0:
        plan.status, plan.tie_break_proven = "optimal", True
        return plan
    deadline = t0 + time_limit
    m, v = _build(p)
    total = sum(int(p.value[e]) * v["held"][e] for e in range(p.n))
    best, proven = value_phase(m, p, v, total, greedy, plan,
                               (deadline - time.perf_counter()) * 0.7, workers, _read, _hint)
    plan.value_seconds = time.perf_counter() - t0
    # Phase 2: hold the value; the most requirement lines certified in time.
    m.add(total >= plan.value)
    best = line_phase(m, p, v, best, plan, deadline, workers, _read, _hint)
    best = _travel_phase(m, p, v, best, plan, deadline, workers)
    # Phase 4: the canonical plan among equals. Weights: a week earlier for any exercise
    # outweighs every unit and area choice (ranks by id).
    n_units, n_areas = len(p.unit_ids), len(p.area_ids)
    choice_terms = [(u + 1) * y for e in range(p.n) for ys in v["picks"][e] for u, y in ys]
    choice_terms += [(a + 1) * x for e in range(p.n)
                     for a, x in v["area"][e]]
    big = 1 + sum(len(ys) * n_units for e in range(p.n) for ys in v["picks"][e]) \
        + p.n * n_areas
    m.minimize(big * sum(v["start"]) + sum(choice_terms))
    _hint(m, v, best)
    solver2 = _solver(deadline - time.perf_counter(), workers)
    status2 = solver2.solve(m)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = _read(p, solver2, v)
        plan.schedule = cand  # phases 1 and 2 are held as constraints
        plan.tie_break_proven = status2 == cp_model.OPTIMAL
    # The later phases hold the lines found and may certify more (earlier starts): recount.
    plan.lines = max(plan.lines, count_lines(p, plan.schedule))
    plan.lines_bound = max(plan.lines_bound, plan.lines)
    plan.lines_proven = plan.lines == plan.lines_bound
    plan.status = "optimal" if proven else "feasible"
    if not proven:
        plan.notes.append(f"time limit reached: value {plan.value} not proven best (proven "
                          f"bound {plan.bound})")
    elif not plan.lines_proven:
        plan.notes.append(f"value proven best; {plan.lines} requirement line(s) certified in "
                          f"time, not proven the most (at most {plan.lines_bound})")
    elif plan.travel_status == "feasible":
        plan.notes.append(f"value and lines proven best; travel {plan.travel} km not proven "
                          f"the least (at least {plan.travel_bound} km)")
    elif not plan.tie_break_proven:
        plan.notes.append("value proven best; the tie-break among equally good plans was not "
                          "finished in time (another run may pick another equal plan)")
    plan.seconds = time.perf_counter() - t0
    return plan
