"""Exact deployment scheduling with OR-Tools CP-SAT (interval variables + cumulative).

Why CP-SAT: interval/cumulative propagation with clause learning is what leads the public
RCPSP benchmarks; a time-indexed MILP (:mod:`.milp`, kept for comparison) has one binary per
movement and day and weak LP bounds, and was measured slower on PSPLIB j30 (see bench/).

Lexicographic objective, solved in two phases on one model: (1) the earliest closure; (2) with
closure held at the best found, the least total lateness against ``required`` days. Only a phase
CP-SAT proves optimal is called optimal; otherwise the proven lower bound is reported with the gap.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from ortools.sat.python import cp_model

from forcegen.deployment.bounds import lateness_lower_bound
from forcegen.deployment.improve import due_date_plan, improve
from forcegen.deployment.problem import (
    IntArray,
    Problem,
    critical_path_bound,
    earliest_starts,
    feasible,
    serial_schedule,
)

__all__ = ["Plan", "solve_cpsat"]

#: The machine's cores are shared; more workers would only steal time from other processes.
DEFAULT_WORKERS = 2

#: Costs, in serial schedules of the same problem (the one unit measured in every run), of
#: building the CP-SAT model and of the due-date plan: measured on the generated 5,000-line
#: deployment at about 1.5 and 3 (0.15 s and 0.31 s of CPU against 0.10 s), with a margin.
_BUILD_SERIALS = 2.0
_DUE_SERIALS = 3.5
#: Kept back from the search for the plan's document (rows, reasons, chain: about 1.3).
_OUTPUT_SERIALS = 1.5
#: Where the genetic search runs (:func:`_genetic_worth`): CP-SAT first for this share of the
#: time limit (most cases are proven optimal in it), then, if not proven, the genetic search
#: for ``_GA_SHARE`` of the search time, then CP-SAT again from its plan (bench/README.md).
_PROBE_SHARE = 0.1
_GA_SHARE = 0.35
_GA_MIN_SECONDS = 0.5
_GA_MIN_SERIALS = 1000.0


@dataclass(frozen=True)
class _Clock:
    """The what-if's deadline and what one serial schedule costs, to fit the heuristics in.

    The time limit covers the whole plan, not only the search: on a loaded machine the
    starting heuristics of a 5,000-line what-if alone once took longer than its 5 s.
    """

    deadline: float
    serial_s: float

    def spare(self, serials: float) -> float:
        """Seconds left after ``serials`` more serial schedules and building the model."""
        return self.deadline - time.perf_counter() - (serials + _BUILD_SERIALS) * self.serial_s


@dataclass
class Plan:
    """A schedule (start day per movement), its closure and lateness, and what is proven."""

    status: str                      # optimal | feasible | infeasible | unknown
    start: IntArray | None           # start day per movement (None when no plan)
    closure: int | None
    bound: int                       # proven lower bound on closure
    lateness: int | None             # total days late against required
    lateness_proven: bool = False
    lateness_bound: int | None = None   # proven least lateness at that closure (phase 2)
    baseline_closure: int | None = None   # greedy serial schedule, same run
    baseline_seconds: float = 0.0
    seconds: float = 0.0
    solver: str = "cp-sat"
    missed: list[tuple[int, int]] = field(default_factory=list)  # (movement, days past latest)
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Relative gap between closure and its proven bound (None without a plan)."""
        if self.closure is None:
            return None
        return 0.0 if self.closure <= 0 else max(0.0, (self.closure - self.bound) / self.closure)


def _ceil(x: float) -> int:
    # The bound is on an integer objective: rounding it up stays a valid bound.
    return int(np.ceil(x - 1e-6))


def _meets_latest(p: Problem, start: IntArray) -> bool:
    arrive = start + p.dur
    return bool(np.all((p.latest < 0) | (arrive <= p.latest)))


def _lateness(p: Problem, start: IntArray) -> int:
    late = np.where(p.required >= 0, np.maximum(0, start + p.dur - p.required), 0)
    return int(late.sum())


def _build(p: Problem, horizon: int, soft_latest: bool) -> tuple[cp_model.CpModel, list, list]:
    m = cp_model.CpModel()
    es = earliest_starts(p)
    starts, ends = [], []
    for i in range(p.n):
        d = int(p.dur[i])
        hi = horizon - d
        if p.latest[i] >= 0 and not soft_latest:
            hi = min(hi, int(p.latest[i]) - d)
        s = m.new_int_var(int(es[i]), max(int(es[i]), hi), f"s{i}")
        if p.latest[i] >= 0 and not soft_latest:
            m.add(s + d <= int(p.latest[i]))  # explicit: the domain above is clamped
        starts.append(s)
        ends.append(s + d)
    for j, ps in enumerate(p.preds):
        for i in ps:
            m.add(starts[j] >= starts[i] + int(p.dur[i]))
    for r in range(len(p.resources)):
        users = [i for i in range(p.n) if p.demand[i, r] > 0 and p.dur[i] > 0]
        if not users:
            continue
        if sum(int(p.demand[i, r]) for i in users) <= p.capacity[r]:
            continue  # never binding
        ivs = [m.new_fixed_size_interval_var(starts[i], int(p.dur[i]), f"i{i}r{r}")
               for i in users]
        m.add_cumulative(ivs, [int(p.demand[i, r]) for i in users], int(p.capacity[r]))
    return m, starts, ends


def _solver(seconds: float, workers: int) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.05, seconds)
    s.parameters.num_workers = workers
    s.parameters.random_seed = 0
    return s


def solve_cpsat(p: Problem, time_limit: float = 60.0, workers: int = DEFAULT_WORKERS,
                improve_seconds: float | None = None, warm: IntArray | None = None) -> Plan:
    """Schedule ``p``: earliest closure, then least lateness, within ``time_limit`` seconds.

    The greedy serial schedule is computed first (the baseline, reported alongside), improved
    by forward-backward justification and biased sampling (:mod:`.improve`, for
    ``improve_seconds``, default a tenth of the time limit up to 2 s) and given to CP-SAT as a
    hint, its closure as the horizon. When no plan meets every ``latest`` day, the plan
    returned is the one with the least total days past ``latest`` and ``missed`` names the
    movements it misses. ``warm``: a plan to start from instead of the heuristics (a what-if's
    base plan), used when it still meets every rule and is no worse than the greedy plan.

    When CP-SAT has not proven the closure after a tenth of the limit and there is time for
    it (:func:`_genetic_worth`), the compiled genetic search (:mod:`.genetic`) looks for a
    shorter plan and CP-SAT starts again from the better one, its proven bound kept.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    lb = critical_path_bound(p)
    if p.n == 0:
        return Plan("optimal", np.zeros(0, dtype=np.int64), 0, 0, 0, True, 0, 0)
    has_required = bool((p.required >= 0).any())
    late_lb = lateness_lower_bound(p) if has_required else 0
    t_greedy = time.perf_counter()
    greedy = serial_schedule(p)
    serial_s = time.perf_counter() - t_greedy  # the unit the other steps are priced in
    greedy_ok = _meets_latest(p, greedy)
    greedy_closure = int((greedy + p.dur).max())
    baseline_s = time.perf_counter() - t0
    deadline -= _OUTPUT_SERIALS * serial_s  # the time limit covers the plan's document too
    plan = Plan("unknown", None, None, lb, None, baseline_closure=greedy_closure,
                baseline_seconds=baseline_s)
    budget = min(2.0, 0.1 * time_limit) if improve_seconds is None else improve_seconds
    hint, hint_closure = _hint(p, greedy, greedy_ok, budget, warm,
                               _Clock(deadline, serial_s), (lb, late_lb))
    if greedy_ok and _key(p, hint) == (lb, late_lb):
        return _at_bounds(p, plan, hint, t0)
    horizon = _horizon(p, hint_closure if greedy_ok else None)
    if greedy_ok and time.perf_counter() + _BUILD_SERIALS * serial_s > deadline:
        # No time left to build the model (measured in serial schedules): the what-if's limit
        # covers the whole re-plan, so the heuristic plan is returned with its bounds.
        return _heuristic(p, plan, hint, (lb, late_lb), "the exact model was built", t0)

    m, starts, ends, closure = _closure_model(p, horizon, lb, hint if greedy_ok else None)
    share = 0.8 if has_required else 1.0
    search = (deadline - time.perf_counter()) * share
    genetic = greedy_ok and _genetic_worth(p, search * _GA_SHARE, serial_s)
    solver = _solver(min(search, _PROBE_SHARE * time_limit) if genetic else search, workers)
    status = solver.solve(m)
    if genetic and status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        found = (np.array([solver.value(s) for s in starts], dtype=np.int64)
                 if status == cp_model.FEASIBLE else hint)
        lb2 = solver.best_objective_bound
        bound = max(lb, _ceil(lb2) if np.isfinite(lb2) and lb2 <= horizon else lb)
        if bound < _key(p, found)[0]:
            # Not proven at once: the genetic search for a shorter plan, then CP-SAT again
            # from it (hint and horizon), its proven bound kept.
            hint = _genetic_hint(p, min(found, hint, key=lambda x: _key(p, x)), hint, bound,
                                 search * _GA_SHARE, plan, workers)
            horizon = _key(p, hint)[0]
            m, starts, ends, closure = _closure_model(p, horizon, bound, hint)
            solver = _solver((deadline - time.perf_counter()) * share, workers)
            status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return _diagnose(p, plan, deadline, workers, t0)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if not greedy_ok:
            plan.seconds = time.perf_counter() - t0
            return plan
        # Nothing found in time: the heuristic plan is still valid, judged by the same bounds.
        bound = max(lb, _ceil(solver.best_objective_bound))
        return _heuristic(p, plan, hint, (bound, late_lb), "CP-SAT found a plan", t0)
    best = np.array([solver.value(s) for s in starts], dtype=np.int64)
    if greedy_ok and _key(p, hint) < _key(p, best):
        best = hint  # CP-SAT's plan closes as early but is later against required days
    plan.closure = int((best + p.dur).max())
    plan.bound = max(lb, _ceil(solver.best_objective_bound))
    closure_proven = status == cp_model.OPTIMAL or plan.bound >= plan.closure
    if closure_proven:
        plan.bound = plan.closure
    plan.start, plan.lateness = best, _lateness(p, best)
    # Proven from the arrays alone (precedence and each lift type's or port's energy).
    plan.lateness_bound = min(plan.lateness, late_lb)
    plan.lateness_proven = plan.lateness == plan.lateness_bound
    if has_required and not plan.lateness_proven:
        m.add(closure <= plan.closure)
        _least_lateness(p, plan, _Model(m, starts, ends), best, horizon, deadline, workers)
    return _judged(plan, closure_proven, t0)


def _closure_model(p: Problem, horizon: int, lb: int,
                   hint: IntArray | None) -> tuple[cp_model.CpModel, list, list, Any]:
    """The model minimising closure within ``[lb, horizon]``, ``hint`` given when there is one."""
    m, starts, ends = _build(p, horizon, soft_latest=False)
    closure = m.new_int_var(min(lb, horizon), horizon, "closure")
    m.add_max_equality(closure, ends)
    if hint is not None:
        for s, v in zip(starts, hint, strict=True):
            m.add_hint(s, int(v))
    m.minimize(closure)
    return m, starts, ends, closure


def _genetic_worth(p: Problem, seconds: float, serial_s: float) -> bool:
    """Whether the genetic search fits: its share buys thousands of serial schedules.

    Priced in the Python serial schedule of the same run (the compiled one is some fifty
    times cheaper): on the generated 5,000-line deployment one costs 0.1 s, so the search
    never runs there, nor in short what-ifs; on PSPLIB j60 (about 2 ms) it runs from a limit
    of a few seconds. Decided before numba is imported (half a second where it never runs).
    """
    if seconds < _GA_MIN_SECONDS or seconds < _GA_MIN_SERIALS * serial_s:
        return False
    from forcegen.deployment.genetic import schedulable

    return schedulable(p)


def _genetic_hint(p: Problem, best: IntArray, hint: IntArray, bound: int, seconds: float,
                  plan: Plan, workers: int) -> IntArray:
    """``best``, or the genetic search's plan from it when that is better and meets ``latest``.

    One search per CP-SAT worker, each its own seed, in threads (the compiled generations
    release the GIL): the cores CP-SAT used stay busy.
    """
    from forcegen.deployment.genetic import genetic_search

    with ThreadPoolExecutor(max(1, workers)) as pool:
        runs = list(pool.map(lambda s: genetic_search(p, seconds, [best, hint], seed=s,
                                                      target=bound), range(max(1, workers))))
    ga = min(runs, key=lambda r: r.closure)  # the lowest seed among equals
    plan.notes.append(f"genetic search: closure {ga.closure} in "
                      f"{sum(r.schedules for r in runs)} schedules (from {_key(p, best)[0]})")
    if _meets_latest(p, ga.start) and _key(p, ga.start) < _key(p, best):
        return ga.start
    return best


def _horizon(p: Problem, hint_closure: int | None) -> int:
    """A day by which every plan meeting the deadlines can close.

    The starting plan's closure when it meets them (an optimum is no later), otherwise a
    serial chain of everything (and at least the last ``latest`` day).
    """
    if hint_closure is not None:
        return hint_closure
    chain = int(p.release.max() + p.dur.sum())
    return max(chain, int(p.latest.max())) if p.latest.max() >= 0 else chain


def _at_bounds(p: Problem, plan: Plan, start: IntArray, t0: float) -> Plan:
    """``plan`` set to ``start``, which meets the lower bounds on both objectives: optimal.

    It closes on the proven bound with the least lateness any plan could have, so no search
    can do better (on PSPLIB j60 a third of the sample closed there at once, yet spent 2 s).
    """
    plan.start, plan.closure, plan.lateness = start, int((start + p.dur).max()), _lateness(p, start)
    plan.bound, plan.lateness_bound, plan.lateness_proven = plan.closure, plan.lateness, True
    plan.notes.append("the starting plan meets the proven lower bounds on closure and "
                      "lateness: optimal without a search")
    return _judged(plan, True, t0)


def _heuristic(p: Problem, plan: Plan, start: IntArray, bounds: tuple[int, int], before: str,
               t0: float) -> Plan:
    """``plan`` set to the heuristic plan ``start``, judged by the proven ``bounds``.

    Used when the time limit ran out ``before`` the exact solver had a plan: the limit covers
    the whole re-plan, and the heuristic plan respects every rule.
    """
    plan.start, plan.closure, plan.lateness = start, int((start + p.dur).max()), _lateness(p, start)
    plan.bound = min(bounds[0], plan.closure)
    plan.lateness_bound = min(plan.lateness, bounds[1])
    plan.lateness_proven = plan.lateness == plan.lateness_bound
    if plan.bound < plan.closure or not plan.lateness_proven:
        plan.notes.append(f"time limit reached before {before}: the heuristic plan (greedy, "
                          "justified, due dates) is shown")
    return _judged(plan, plan.bound >= plan.closure, t0)


def _judged(plan: Plan, closure_proven: bool, t0: float) -> Plan:
    """``plan`` with its status in words: optimal only when both objectives are proven."""
    plan.status = "optimal" if closure_proven and plan.lateness_proven else "feasible"
    if not closure_proven:
        plan.notes.append(f"time limit reached: closure {plan.closure} not proven optimal "
                          f"(proven lower bound {plan.bound})")
    elif not plan.lateness_proven:
        plan.notes.append("closure proven optimal; lateness at that closure not proven least")
    plan.seconds = time.perf_counter() - t0
    return plan


def _key(p: Problem, start: IntArray) -> tuple[int, int]:
    """The lexicographic objective of a plan: closure, then total lateness."""
    return int((start + p.dur).max()), _lateness(p, start)


def _hint(p: Problem, greedy: IntArray, greedy_ok: bool, budget: float,
          warm: IntArray | None, clock: _Clock, bounds: tuple[int, int]) -> tuple[IntArray, int]:
    """The plan given to CP-SAT as a hint and its closure: the greedy plan, improved if it can be.

    Improved for the closure (:func:`.improve.improve`) and, when lines have required days,
    for the lateness too (:func:`.improve.due_date_plan`): the plan best on (closure,
    lateness) is kept. The heuristics ignore ``latest``: a plan is kept only when it meets
    every one. A ``warm`` plan (a what-if's base plan) that still fits and is no worse than
    the greedy plan is taken as it is, sparing the heuristics' time; one that no longer fits
    is repaired (the serial schedule in the order of its start days) and weighed with the
    heuristics' plans (measured: the repaired plan alone, without them, left a what-if one
    day later and 262 days late where the due-date plan was optimal).

    Each heuristic runs only while ``clock`` leaves time for it and for the model, and only
    while the plan so far is above the lower ``bounds`` (closure, lateness) it could improve.
    """
    if warm is not None and feasible(p, warm) and _key(p, warm) <= _key(p, greedy):
        return warm, int((warm + p.dur).max())
    best = greedy
    if warm is not None and greedy_ok and clock.spare(1) > 0:
        repaired = serial_schedule(p, warm)
        if _meets_latest(p, repaired) and _key(p, repaired) < _key(p, best):
            best = repaired
    dated = greedy_ok and p.n > 1 and bool((p.required >= 0).any())
    # The due-date plan first, aimed at the closure bound: on the generated 5,000-line
    # what-ifs it alone meets both bounds (closure 130, 0 days late) for 3 serial schedules,
    # so nothing else need run; under load, improve()'s sampling first left no time for it.
    if dated:
        best = _dated(p, best, bounds, clock, bounds[0])
    budget = min(budget, clock.spare(2))  # improve() costs two serial schedules, then samples
    if greedy_ok and budget > 0 and p.n > 1 and _key(p, best)[0] > bounds[0]:
        better = improve(p, greedy, budget)
        if _meets_latest(p, better) and _key(p, better) <= _key(p, best):
            best = better
            if dated:  # due dates again, for the closure now reached
                best = _dated(p, best, bounds, clock, _key(p, best)[0])
    return best, int((best + p.dur).max())


def _dated(p: Problem, best: IntArray, bounds: tuple[int, int], clock: _Clock,
           closure: int) -> IntArray:
    """``best``, or the due-date plan for ``closure`` when it is better and time allows."""
    if _key(p, best)[1] <= bounds[1] or clock.spare(_DUE_SERIALS) <= 0:
        return best
    plan = due_date_plan(p, closure)
    return plan if _meets_latest(p, plan) and _key(p, plan) < _key(p, best) else best


class _Model(NamedTuple):
    """A CP-SAT model of the schedule with its start and end variables, movement by movement."""

    model: cp_model.CpModel
    starts: list[Any]
    ends: list[Any]


def _least_lateness(p: Problem, plan: Plan, built: _Model, best: IntArray, horizon: int,
                    deadline: float, workers: int) -> None:
    """Second stage: least total lateness among plans closing no later than ``plan``.

    ``built.model`` already holds the closure cap and ``best`` is ``plan``'s start (the hint);
    ``plan`` is updated in place (start, lateness, whether it is proven least and its bound).
    """
    m, starts, ends = built
    late = []
    for i in np.flatnonzero(p.required >= 0):
        v = m.new_int_var(0, horizon, f"late{i}")
        m.add(v >= ends[i] - int(p.required[i]))
        late.append(v)
    m.clear_hints()
    for s, v in zip(starts, best, strict=True):
        m.add_hint(s, int(v))
    m.minimize(sum(late))
    solver2 = _solver(deadline - time.perf_counter(), workers)
    status2 = solver2.solve(m)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cand = np.array([solver2.value(s) for s in starts], dtype=np.int64)
        if _lateness(p, cand) <= _lateness(p, best):
            plan.start, plan.lateness = cand, _lateness(p, cand)
        plan.lateness_proven = status2 == cp_model.OPTIMAL
    # Least lateness among plans closing no later than this one (proven): CP-SAT's bound or
    # the one computed from the arrays, whichever is higher.
    lb2 = solver2.best_objective_bound
    found = _ceil(lb2) if np.isfinite(lb2) else 0
    days_late = plan.lateness or 0
    bound = days_late if plan.lateness_proven else max(found, plan.lateness_bound or 0)
    if bound >= days_late:
        bound, plan.lateness_proven = days_late, True
    plan.lateness_bound = bound


def _diagnose(p: Problem, plan: Plan, deadline: float, workers: int, t0: float) -> Plan:
    """No plan meets every ``latest`` day: find the plan missing them by the fewest days."""
    plan.status = "infeasible"
    es = earliest_starts(p)
    chain_late = [i for i in range(p.n) if p.latest[i] >= 0 and es[i] + p.dur[i] > p.latest[i]]
    if chain_late:
        plan.missed = [(i, int(es[i] + p.dur[i] - p.latest[i])) for i in chain_late]
        plan.notes.append("these cannot make their latest day even with unlimited lift (the "
                          "chain of `after` and `available` days alone is too long)")
    horizon = int(p.release.max() + p.dur.sum())
    m, starts, ends = _build(p, horizon, soft_latest=True)
    over = []
    for i in np.flatnonzero(p.latest >= 0):
        v = m.new_int_var(0, horizon, f"over{i}")
        m.add(v >= ends[i] - int(p.latest[i]))
        over.append((int(i), v))
    m.minimize(sum(v for _, v in over))
    solver = _solver(deadline - time.perf_counter(), workers)
    status = solver.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        start = np.array([solver.value(s) for s in starts], dtype=np.int64)
        plan.start = start
        plan.closure = int((start + p.dur).max())
        plan.lateness = _lateness(p, start)
        if not chain_late:
            plan.missed = [(i, solver.value(v)) for i, v in over if solver.value(v) > 0]
            plan.notes.append("lift is too short for every latest day; the plan shown misses "
                              "them by the fewest total days" + (
                                  "" if status == cp_model.OPTIMAL else " found in time"))
    plan.seconds = time.perf_counter() - t0
    return plan
