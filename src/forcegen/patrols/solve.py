"""Plan patrols: greedy baseline, iterated local search, then CP-SAT for a proof or a bound.

The search runs first (a share of the time limit) and hands its routes to CP-SAT as a hint;
CP-SAT either proves them optimal, improves them, or at least returns a bound. The reported
status is "optimal" only when the bound equals the total.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forcegen.patrols.heuristic import greedy, iterated_local_search, score
from forcegen.patrols.problem import PatrolProblem

__all__ = ["PatrolPlan", "plan_patrols"]

METHODS = ("auto", "heuristic", "exact", "greedy")
#: The search stops after this many iterations without a new best (a few CPU seconds on 100
#: areas); the time limit is the ceiling, not the usual stop.
STALL = 40_000
#: Iterations of the search on routes with time windows (each one times every candidate).
WINDOW_ITER = 5000
#: Most independent searches run side by side on threads (the compiled moves release the GIL),
#: as CP-SAT's workers; see :func:`_search_workers`.
SEARCH_WORKERS = 2
#: Areas above which CP-SAT gets only SHARE_BIG of the time: on the 100-area benchmarks it
#: never improved the search's routes nor proved them optimal, and its bound stayed within a
#: few per cent of the sum of the values, while the search still gains with more time.
BIG = 80
SHARE_BIG = 0.1
#: Share of the time limit kept back for checking the routes, writing the plan and the
#: interpreter's exit (0.8 s at load 10 on 2 cores, after importing CP-SAT), at most
#: MAX_RESERVE seconds.
RESERVE = 0.03
MAX_RESERVE = 2.0


@dataclass
class PatrolPlan:
    """Routes for the vessels, their value, the proven bound and how they were found."""

    problem: PatrolProblem
    routes: list[list[int]]
    total: float
    bound: float
    status: str
    method: str
    seconds: float
    greedy_total: float
    notes: list[str] = field(default_factory=list)
    #: Search figures of this round (see :mod:`forcegen.patrols.rounds`), when searching.
    search: dict[str, Any] | None = None

    @property
    def gap(self) -> float:
        """Relative gap between the value found and the proven bound (0 when proven)."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.total) / self.bound)

    def value_by(self, labels: list[Any]) -> dict[str, float]:
        """Value patrolled per label (area zone or group, say), labels in order."""
        out: dict[str, float] = defaultdict(float)
        for r in self.routes:
            for a in r:
                out[str(labels[a] or "-")] += float(self.problem.values[a])
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``)."""
        p = self.problem
        routes: list[dict[str, Any]] = []
        by_nation: dict[str, float] = defaultdict(float)
        for k, r in enumerate(self.routes):
            hours, stops, _ = p.timetable(k, r)
            value = float(p.values[r].sum()) if r else 0.0
            by_nation[p.nations[k]] += value
            routes.append({
                "vessel": p.vessel_ids[k], **({"day": p.days[k]} if p.days else {}),
                "nation": p.nations[k], "start": p.starts[k],
                "end": p.ends[k], "stops": [p.area_ids[a] for a in r], "hours": round(hours, 9),
                "value": value,
                "timetable": [{"area": p.area_ids[s.area], "arrive": round(s.arrive, 6),
                               "depart": round(s.depart, 6)} for s in stops],
            })
        return {
            "name": p.name, "status": self.status, "total": self.total, "bound": self.bound,
            "gap": round(self.gap, 9), "method": self.method, "seconds": round(self.seconds, 3),
            "greedy_total": self.greedy_total, "routes": routes,
            "value_by_nation": dict(sorted(by_nation.items())),
            "value_by_group": self.value_by(p.groups),
            "unvisited": [p.area_ids[i] for i in range(p.n_areas)
                          if not any(i in r for r in self.routes)],
            "unreachable": [{"area": p.area_ids[i], "reason": why} for i, why in p.dropped],
            "notes": list(p.notes) + self.notes,
            **({"search": self.search} if self.search is not None else {}),
        }


#: Seconds over which the idle CPU is sampled before the search (see :func:`_idle_cores`).
IDLE_WINDOW = 0.1


def _cpu_ticks() -> tuple[int, int] | None:
    """(idle, total) clock ticks of all CPUs since boot, from ``/proc/stat`` (Linux)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    return fields[3] + fields[4], sum(fields)  # idle + iowait; user .. steal


def _idle_cores(window: float = IDLE_WINDOW) -> float | None:
    """Cores left idle by everything else over the last ``window`` seconds (None: unknown).

    Measured now, while this process sleeps, rather than read from the load average: that
    is a minute's mean and counts the run before this one (one search after another, as a
    benchmark runs them, saw a load of 2 on an otherwise idle machine and searched on one
    thread).
    """
    before = _cpu_ticks()
    if before is None:
        return None
    time.sleep(window)
    after = _cpu_ticks()
    if after is None or after[1] <= before[1]:
        return None
    cpus = os.cpu_count() or 1
    return cpus * (after[0] - before[0]) / (after[1] - before[1])


def _search_workers() -> int:
    """Searches to run on threads: 2 only when a core is idle.

    On a busy machine a second thread does not get more of the CPU, it splits this process's
    share (and the GIL costs about a tenth more per iteration), so one search then goes deeper.
    Idle cores are sampled from ``/proc/stat``; elsewhere the load average decides (below the
    cores less one).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    if cores < 2:
        return 1
    free = _idle_cores()
    if free is not None:
        idle = free >= 0.75  # most of a core: a second search gets real CPU time
    else:
        try:
            idle = os.getloadavg()[0] <= cores - 1
        except OSError:  # no load average on this platform
            idle = False
    return min(SEARCH_WORKERS, cores) if idle else 1


def _warm_up(prob: PatrolProblem) -> list[str]:
    """Compile the search's moves now (counted in the time limit); a note when that was slow.

    numba compiles them on the first run after an install (about 30 s wall, 12 s CPU on the
    shared 2-core machine) and loads them from its disk cache afterwards (under a second).
    """
    if prob.has_windows:  # windows take the array moves, which need no compiling
        return []
    from forcegen import _jit
    from forcegen.patrols import _kernels

    seconds, compiled = _kernels.warm_up()
    if not compiled:
        return []
    where = ("cached on disk for later runs" if _jit.CACHED else
             "no writable cache folder, so every run compiles them: set NUMBA_CACHE_DIR")
    return [f"compiling the search moves took {seconds:.1f} s of the time limit ({where})"]


def plan_patrols(prob: PatrolProblem, *, time_limit: float = 60.0, method: str = "auto",
                 seed: int = 0, target: float | None = None,
                 started: float | None = None) -> PatrolPlan:
    """Best routes found within ``time_limit`` seconds, with the best bound known.

    Parameters
    ----------
    prob
        The patrol problem (:func:`forcegen.patrols.load_patrol`).
    time_limit
        Seconds for the whole plan: the search and CP-SAT together, and whatever ran since
        ``started``.
    method
        ``"auto"`` (local search for three quarters of the time, nine tenths above ``BIG``
        areas, then CP-SAT from its routes for a bound or better routes), ``"heuristic"``
        (local search only), ``"exact"`` (CP-SAT from the greedy routes) or ``"greedy"``
        (the baseline).
    seed
        Seed of the local search (same seed, same routes).
    target
        Stop as soon as the routes reach this value (a known best, for benchmarks that time
        how long reaching it takes); CP-SAT then does not run.
    started
        ``time.monotonic()`` at which the limit began counting (the command line passes its
        process start, so that start-up and reading count); default: now.

    Returns
    -------
    PatrolPlan
        ``status`` is ``optimal`` only when the value found meets the proven bound;
        ``seconds`` counts from ``started``.

    Raises
    ------
    ValueError
        For an unknown ``method``.
    """
    if method not in METHODS:
        raise ValueError(f"method {method!r}; expected one of {', '.join(METHODS)}")
    t0 = time.monotonic() if started is None else started
    # What runs after the search (the route checks, the JSON) is quick but not free.
    deadline = t0 + time_limit - min(MAX_RESERVE, RESERVE * time_limit)
    reachable = prob.allowed.any(axis=0) if prob.n_vessels else np.zeros(prob.n_areas, bool)
    trivial = float(prob.values[reachable].sum())
    base = greedy(prob)
    g_total = score(prob, base)
    routes, bound, notes, used = base, trivial, [], "greedy"
    searching = method != "greedy" and prob.n_vessels and reachable.any()
    if searching and time.monotonic() >= deadline:
        notes.append(f"the time limit was spent before the search could start "
                     f"({time.monotonic() - t0:.1f} s of start-up and reading): greedy routes")
    elif searching:
        if method != "exact":
            notes += _warm_up(prob)
            workers = _search_workers()  # samples the idle CPU for a moment: before the shares
            # The shares are of the time left after the greedy start and any compiling, so
            # that a first run (compiling the moves) stays within the limit where it can.
            left = max(0.0, deadline - time.monotonic())
            cp_share = SHARE_BIG if prob.n_areas > BIG else 0.25
            share = left if method == "heuristic" else (1 - cp_share) * left
            goal = trivial if target is None else min(trivial, target)
            routes = iterated_local_search(
                prob, time_limit=share, seed=seed, target=goal, start=base, stall=STALL,
                max_iter=WINDOW_ITER if prob.has_windows else 10**9, workers=workers)
            used = "ils"
        reached = target is not None and score(prob, routes) >= target - 1e-9
        if method != "heuristic" and score(prob, routes) < trivial - 1e-9 and not reached:
            from forcegen.patrols.exact import solve_exact

            # CP-SAT's own limit is what is left once its model is built (seconds on 100
            # areas under load), so the whole plan keeps the deadline.
            ex = solve_exact(prob, deadline=deadline, hint=routes, seed=seed)
            bound = min(bound, ex.bound)
            if ex.routes is not None and ex.total is not None \
                    and ex.total > score(prob, routes) + 1e-9:
                routes, used = ex.routes, "cp-sat"
            elif ex.status != "NO_TIME":
                used += "+cp-sat"
            if ex.status == "ROUNDING":
                notes.append("CP-SAT's routes failed the exact timetable check (rounding); "
                             "kept the search's routes")
            elif ex.status == "NO_TIME":
                notes.append("no time was left for CP-SAT once its model was built: no bound "
                             "beyond the sum of the reachable values")
    total = score(prob, routes)
    if total > bound:  # bound from fractional rounding of values: never report it below total
        bound = total
    status = "optimal" if total >= bound - 1e-9 else "feasible"
    assert all(prob.route_ok(k, r) for k, r in enumerate(routes)), "infeasible route"
    return PatrolPlan(prob, routes, total, bound, status, used, time.monotonic() - t0, g_total,
                      notes)
