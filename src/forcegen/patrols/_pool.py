"""A pool of the routes the patrol search has seen, recombined by set packing.

Iterated local search keeps one solution at a time, but its local optima hold many good routes
that never sail together: a route of one round may fit beside the routes of another. The pool
keeps every distinct feasible route the search reaches (its local optima), and from time to
time a set-packing MILP picks the most valuable routes that visit each area at most once, with
at most as many routes per vessel class as the class has vessels (ILS-SP, Subramanian, Uchoa
and Ochi, 2013; for the team orienteering problem as in Ke et al., 2016, and Kim et al., 2013).

Vessels with the same hours matrix, endurance and allowed areas form a class: a route feasible
for one of them is feasible, as it stands, for every other. Routes are told apart by (class,
set of areas); of two orders of the same set the pool keeps the quicker one.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["RoutePool", "vessel_classes"]

#: Most routes kept; past it the least valuable are dropped (down to KEEP of it), so the MILP
#: stays small enough to solve in a few seconds on 100 areas.
CAP = 6000
KEEP = 0.75
#: One packing at a time per process: the searches' threads share HiGHS's one thread pool.
_HIGHS_LOCK = threading.Lock()


def vessel_classes(D: np.ndarray, E: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Class of each vessel (0, 1, ...): equal hours, endurance and allowed areas share one."""
    cls = np.full(len(E), -1, dtype=np.int64)
    n = 0
    for k in range(len(E)):
        if cls[k] >= 0:
            continue
        same = [m for m in range(k, len(E)) if cls[m] < 0 and E[m] == E[k]
                and np.array_equal(allowed[m], allowed[k]) and np.array_equal(D[m], D[k])]
        cls[same] = n
        n += 1
    return cls


class RoutePool:
    """Distinct routes by (vessel class, set of areas), with their value and hours.

    Parameters
    ----------
    classes
        Class of each vessel (:func:`vessel_classes`).
    n_areas
        Areas of the problem.
    cap
        Most routes kept (the least valuable go first past it).
    """

    def __init__(self, classes: np.ndarray, n_areas: int, cap: int = CAP) -> None:
        self.classes = np.asarray(classes, dtype=np.int64)
        self.sizes = np.bincount(self.classes) if self.classes.size else np.zeros(0, np.int64)
        self.n_areas, self.cap = n_areas, cap
        # Zobrist keys: a route's key is the sum of its areas' keys (order does not count);
        # 64 random bits make a clash between two of a few thousand sets negligible.
        zob = np.random.default_rng(0x5EED).integers(1, 2**62, size=n_areas + 1, dtype=np.int64)
        zob[n_areas] = 0  # the padding of a route array past its length
        self._zob = zob
        self._pad = n_areas
        self.index: dict[tuple[int, int], int] = {}
        self.stops: list[np.ndarray] = []
        self.klass: list[int] = []
        self.value: list[float] = []
        self.hours: list[float] = []

    def __len__(self) -> int:
        return len(self.stops)

    def add(self, R: np.ndarray, L: np.ndarray, H: np.ndarray, vals: np.ndarray) -> int:
        """Add the routes ``R[k, :L[k]]`` (hours ``H[k]``) not yet pooled; how many were new."""
        width = int(L.max()) if L.size else 0
        cols = np.arange(width)
        keys = np.where(cols[None, :] < L[:, None], self._zob[R[:, :width]], 0).sum(axis=1)
        new = 0
        for k in range(R.shape[0]):
            n = int(L[k])
            if n == 0:
                continue
            key = (int(self.classes[k]), int(keys[k]))
            at = self.index.get(key)
            if at is None:
                self.index[key] = len(self.stops)
                self.stops.append(R[k, :n].copy())
                self.klass.append(key[0])
                self.value.append(float(vals[R[k, :n]].sum()))
                self.hours.append(float(H[k]))
                new += 1
            elif H[k] < self.hours[at] - 1e-9:  # same areas, quicker order: keep that one
                self.stops[at] = R[k, :n].copy()
                self.hours[at] = float(H[k])
        if len(self.stops) > self.cap:
            self._prune()
        return new

    def _prune(self) -> None:
        """Keep the most valuable KEEP share of the cap (ties: the quicker, then the newer)."""
        n = len(self.stops)
        order = np.lexsort((-np.arange(n), np.asarray(self.hours), -np.asarray(self.value)))
        keep = np.sort(order[:int(self.cap * KEEP)])
        self.stops = [self.stops[i] for i in keep]
        self.klass = [self.klass[i] for i in keep]
        self.value = [self.value[i] for i in keep]
        self.hours = [self.hours[i] for i in keep]
        keys = [self._key(s) for s in self.stops]
        self.index = {(c, h): i for i, (c, h) in enumerate(zip(self.klass, keys, strict=True))}

    def _key(self, stops: np.ndarray) -> int:
        return int(self._zob[stops].sum())

    def find(self, k: int, stops: np.ndarray) -> int | None:
        """Where vessel k's route over ``stops`` is in the pool (None: not pooled)."""
        return self.index.get((int(self.classes[k]), self._key(stops)))

    def pack(self, start: list[int], time_limit: float) -> tuple[list[int], bool] | None:
        """The most valuable routes visiting each area at most once, within each class's size.

        Parameters
        ----------
        start
            Pool indexes of a feasible packing (the current best), given to HiGHS as its start.
        time_limit
            Seconds for HiGHS.

        Returns
        -------
        tuple of (list of int, bool) or None
            Pool indexes of the routes chosen and whether HiGHS proved them the best packing;
            None when it found no solution.
        """
        import highspy

        from forcegen._highs import new_highs

        n = len(self.stops)
        if n == 0:
            return [], True
        lengths = np.fromiter((s.size for s in self.stops), dtype=np.int64, count=n)
        # Column j: its areas' rows (each area at most once), then its class's row.
        start_at = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths + 1, out=start_at[1:])
        index = np.empty(int(start_at[-1]), dtype=np.int32)
        ends = start_at[1:] - 1
        index[ends] = self.n_areas + np.asarray(self.klass, dtype=np.int32)
        mask = np.ones(index.size, dtype=bool)
        mask[ends] = False
        index[mask] = np.concatenate(self.stops)  # no area twice in a route
        h = new_highs()  # quiet (HiGHS's banner would land in ``--json`` output)
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("random_seed", 0)
        # Presolve on a few thousand packing columns took seconds and did not heed the time
        # limit (5 s of presolve under a 2 s limit, 5000 routes on 65 areas); the LP on the
        # few rows is quick without it.
        h.setOptionValue("presolve", "off")
        rows = self.n_areas + len(self.sizes)
        upper = np.concatenate((np.ones(self.n_areas), self.sizes.astype(float)))
        h.passModel(n, rows, index.size, int(highspy.MatrixFormat.kColwise),
                    int(highspy.ObjSense.kMaximize), 0.0, np.asarray(self.value, dtype=float),
                    np.zeros(n), np.ones(n), np.full(rows, -highspy.kHighsInf), upper,
                    start_at, index, np.ones(index.size), np.ones(n, dtype=np.int32))
        if start:  # every column given (a partial start makes HiGHS solve for the rest)
            x = np.zeros(n)
            x[start] = 1.0
            h.setSolution(n, np.arange(n, dtype=np.int32), x)
        with _HIGHS_LOCK:
            h.run()
        if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
            return None
        x = np.asarray(h.getSolution().col_value)
        proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return [int(j) for j in np.flatnonzero(x > 0.5)], proven
