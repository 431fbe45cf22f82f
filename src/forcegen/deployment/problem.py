"""The scheduling problem as arrays, the time windows it implies, and the greedy baseline.

A deployment is a resource-constrained project scheduling problem (RCPSP) with release dates and
deadlines: movements are activities, lift types and port throughputs are renewable resources
(capacity per day), ``after`` is precedence. Everything here is plain numpy so that the exact
solvers (:mod:`.cpsat`, :mod:`.milp`) and the baseline share one definition.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forcegen.deployment.model import Deployment

__all__ = ["Problem", "critical_path_bound", "earliest_starts", "feasible", "from_deployment",
           "latest_finish", "serial_schedule"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Problem:
    """A deployment as arrays: durations, lift and port use, capacities, precedence, days."""

    ids: list[str]
    dur: IntArray            # days in transit, per movement
    demand: IntArray         # (n, R): lift (or port throughput) used each day of the movement
    capacity: IntArray       # (R,): available each day
    resources: list[str]     # resource names: lift ids, then "port:<id>"
    preds: list[list[int]]   # indices each movement waits for
    release: IntArray        # available day
    latest: IntArray         # latest arrival day, or -1 for none
    required: IntArray       # required delivery day, or -1 for none

    @property
    def n(self) -> int:
        """The number of movements."""
        return len(self.ids)

    def succs(self) -> list[list[int]]:
        """The movements waiting for each movement."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for j, ps in enumerate(self.preds):
            for i in ps:
                out[i].append(j)
        return out

    def topo_order(self) -> list[int]:
        """Movements in an order where each comes after those it waits for."""
        indeg = [len(p) for p in self.preds]
        succ = self.succs()
        order = [i for i in range(self.n) if indeg[i] == 0]
        for i in order:  # grows while iterating (Kahn)
            for j in succ[i]:
                indeg[j] -= 1
                if indeg[j] == 0:
                    order.append(j)
        return order


def from_deployment(dep: Deployment) -> Problem:
    """Arrays from validated input.

    Ports with a throughput become resources: a movement uses its total lift units a day
    (sorties, ships, trains) at its POE and at its POD.
    """
    ids = [m.id for m in dep.movements]
    index = {m: i for i, m in enumerate(ids)}
    resources = [x.id for x in dep.lift]
    caps = [x.capacity for x in dep.lift]
    ports = [p for p in dep.ports if p.throughput is not None]
    resources += [f"port:{p.id}" for p in ports]
    caps += [p.throughput or 0 for p in ports]
    col = {r: k for k, r in enumerate(resources)}
    demand = np.zeros((len(ids), len(resources)), dtype=np.int64)
    for i, m in enumerate(dep.movements):
        for k, v in m.lift.items():
            demand[i, col[k]] += v
        for pid in {m.poe, m.pod} - {None}:
            if f"port:{pid}" in col:
                demand[i, col[f"port:{pid}"]] += sum(m.lift.values())
    return Problem(
        ids=ids,
        dur=np.array([m.days or 0 for m in dep.movements], dtype=np.int64),
        demand=demand,
        capacity=np.array(caps, dtype=np.int64),
        resources=resources,
        preds=[[index[a] for a in m.after] for m in dep.movements],
        release=np.array([m.available for m in dep.movements], dtype=np.int64),
        latest=np.array([-1 if m.latest is None else m.latest for m in dep.movements],
                        dtype=np.int64),
        required=np.array([-1 if m.required is None else m.required for m in dep.movements],
                          dtype=np.int64),
    )


def earliest_starts(p: Problem) -> IntArray:
    """Earliest start of each movement ignoring lift (release dates and precedence only)."""
    es = p.release.copy()
    for j in p.topo_order():
        for i in p.preds[j]:
            es[j] = max(es[j], es[i] + p.dur[i])
    return es


def critical_path_bound(p: Problem) -> int:
    """A valid lower bound on closure.

    The longest chain, and for each resource its total day-use divided by its daily capacity
    (no schedule can beat either).
    """
    if p.n == 0:
        return 0
    bound = int((earliest_starts(p) + p.dur).max())
    for r in range(len(p.resources)):
        work = int((p.demand[:, r] * p.dur).sum())
        if work and p.capacity[r] > 0:
            bound = max(bound, -(-work // int(p.capacity[r])))
    return bound


def latest_finish(p: Problem, horizon: int | None = None) -> IntArray:
    """Latest finish of each movement, ignoring lift (a backward pass; the LFT rule).

    Under ``horizon`` (default: the critical path), each movement's ``latest`` day and
    precedence.
    """
    if horizon is None:
        es = earliest_starts(p)
        horizon = int((es + p.dur).max()) if p.n else 0
    lf = np.full(p.n, horizon, dtype=np.int64)
    lf = np.where(p.latest >= 0, np.minimum(lf, p.latest), lf)
    succ = p.succs()
    for i in reversed(p.topo_order()):
        for j in succ[i]:
            lf[i] = min(lf[i], lf[j] - p.dur[j])
    return lf


def serial_schedule(p: Problem, priority: IntArray | None = None) -> IntArray:
    """The serial schedule generation scheme: start days, movement by movement.

    Take the eligible movement with the smallest priority value (default: latest finish, the
    classic LFT rule) and start it on the first day from which its lift is free for all its
    days. Always finds a plan that respects lift, precedence and release days; it may break
    ``latest`` days (the exact solver does not).
    """
    n = p.n
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    prio = latest_finish(p) if priority is None else priority
    horizon = int(p.release.max() + p.dur.sum() + 1)
    free = np.tile(p.capacity, (horizon + 1, 1))  # free[t, r]: lift r unused on day t
    start = np.full(n, -1, dtype=np.int64)
    left = [len(ps) for ps in p.preds]
    succ = p.succs()
    eligible = [(int(prio[i]), i) for i in range(n) if left[i] == 0]
    heapq.heapify(eligible)  # a heap: thousands of movements must not cost n^2 scans
    for _ in range(n):
        j = heapq.heappop(eligible)[1]
        t0 = int(p.release[j])
        for i in p.preds[j]:
            t0 = max(t0, int(start[i] + p.dur[i]))
        d = int(p.dur[j])
        used = np.flatnonzero(p.demand[j])
        if d > 0 and used.size:
            # Days on which j's lift fits; the first run of d such days from t0 is the start.
            # Looked for in growing slices: scanning the whole horizon for each of thousands
            # of movements dominated the run time.
            span = 8 * d + 32
            while True:
                fits = (free[t0:t0 + span, used] >= p.demand[j, used]).all(axis=1)
                bad = np.concatenate(([0], np.cumsum(~fits)))
                ok = np.flatnonzero(bad[d:] - bad[:-d] == 0)
                if ok.size:
                    t0 += int(ok[0])
                    break
                t0 += max(1, fits.size - d + 1)
                span *= 2
            free[t0:t0 + d, used] -= p.demand[j, used]
        start[j] = t0
        for k in succ[j]:
            left[k] -= 1
            if left[k] == 0:
                heapq.heappush(eligible, (int(prio[k]), k))
    return start


def feasible(p: Problem, start: IntArray) -> bool:
    """Whether ``start`` is a plan of ``p``: release, latest days, ``after`` and capacities."""
    if start.shape != (p.n,):
        return False
    if p.n == 0:
        return True
    arrive = start + p.dur
    if bool((start < p.release).any()) or bool(((p.latest >= 0) & (arrive > p.latest)).any()):
        return False
    if any(start[j] < arrive[i] for j, ps in enumerate(p.preds) for i in ps):
        return False
    use = np.zeros((int(arrive.max()) + 1, len(p.resources)), dtype=np.int64)
    for i in range(p.n):
        use[int(start[i]):int(arrive[i])] += p.demand[i]
    return bool((use <= p.capacity).all())
