"""A patrol problem as arrays, and the one place that times a route.

Areas are indexed 0..A-1 and vessels 0..V-1. ``t_start[k, i]`` is vessel k's hours from its
start to area i, ``t_end[k, i]`` from area i to its end, ``t_between[k, i, j]`` between areas
(``inf`` where a caveat forbids either area). Every solver and the checker call
:meth:`PatrolProblem.timetable`, so "feasible" means the same thing everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["DAY_HOURS", "EPS", "Geo", "PatrolProblem", "Stop"]

#: Slack (hours) allowed on endurance and window checks, for float sums of leg hours.
EPS = 1e-7
#: Hours between the starts of two daily sorties.
DAY_HOURS = 24.0


@dataclass(frozen=True)
class Stop:
    """A vessel on station at an area: arrival and departure, hours since the patrol starts."""

    area: int
    arrive: float
    depart: float


@dataclass(frozen=True)
class Geo:
    """Where things are (lon/lat, None when only the legs table places them), for maps."""

    area_at: list[tuple[float, float] | None]
    start_at: list[tuple[float, float] | None]
    end_at: list[tuple[float, float] | None]
    ports: list[tuple[str, tuple[float, float]]]
    #: A :class:`forcegen.patrols.sea.SeaLegs` drawing each leg (sea path or straight).
    legs: object = None


@dataclass(frozen=True, eq=False)
class PatrolProblem:
    """A patrol problem as arrays: area values and windows, vessels and every leg's hours.

    ``t_start[k, i]``, ``t_end[k, i]`` and ``t_between[k, i, j]`` are vessel ``k``'s hours
    from its start to area ``i``, from ``i`` to its end and from ``i`` to ``j`` (``inf`` where
    not allowed); ``t_direct[k]`` is start to end.
    """

    name: str
    area_ids: list[str]
    values: np.ndarray
    station: np.ndarray
    windows: np.ndarray  # (A, 2): earliest, latest arrival on station; (0, inf) when open
    zones: list[str | None]
    groups: list[str | None]
    vessel_ids: list[str]
    nations: list[str]
    starts: list[str]
    ends: list[str]
    endurance: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray
    t_between: np.ndarray
    t_direct: np.ndarray
    allowed: np.ndarray
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    geo: Geo | None = None
    #: (SearchState, area index of each search cell) when the file has a ``search:`` section.
    search: tuple[Any, np.ndarray] | None = None
    #: Daily sorties: each entry's day (1 = the first) when a vessel sails on several days;
    #: entry k leaves at 24 h x (day - 1), so windows count from the first day's start.
    days: list[int] | None = None

    @classmethod
    def from_arrays(cls, **kw: object) -> PatrolProblem:
        """A problem from its arrays, by field name."""
        return cls(**kw)  # type: ignore[arg-type]

    @property
    def n_areas(self) -> int:
        """The number of areas."""
        return len(self.area_ids)

    @property
    def n_vessels(self) -> int:
        """The number of vessels."""
        return len(self.vessel_ids)

    @property
    def has_windows(self) -> bool:
        """Whether any area has an arrival window (routes then need their timetable)."""
        return bool(np.any(self.windows[:, 0] > 0) or np.any(np.isfinite(self.windows[:, 1])))

    def window_text(self, i: int) -> str:
        """Area ``i``'s arrival window in words (``""`` when always open): "12-30 h"."""
        lo, hi = float(self.windows[i, 0]), float(self.windows[i, 1])
        if math.isinf(hi):
            return f"from {lo:g} h" if lo > 0 else ""
        return f"{lo:g}-{hi:g} h"

    # ----------------------------------------------------------------- routes
    def timetable(self, k: int, route: list[int]) -> tuple[float, list[Stop], bool]:
        """Elapsed hours, stops and feasibility of vessel ``k`` sailing ``route``.

        A vessel arriving before an area's window opens waits; arriving after it closes, or
        ending after its endurance, makes the route infeasible. A route without stops means
        the vessel does not sail: 0 h, always feasible.
        """
        if not route:
            return 0.0, [], True
        off = self.offset(k)
        t, prev, stops, ok = off, -1, [], True
        for a in route:
            if not self.allowed[k, a]:
                ok = False
            t += self.t_start[k, a] if prev < 0 else self.t_between[k, prev, a]
            arrive = max(t, float(self.windows[a, 0]))
            if arrive > self.windows[a, 1] + EPS:
                ok = False
            t = arrive + float(self.station[a])
            stops.append(Stop(a, arrive, t))
            prev = a
        t += self.t_direct[k] if prev < 0 else self.t_end[k, prev]
        t -= off
        return float(t), stops, ok and t <= self.endurance[k] + EPS and math.isfinite(t)

    def offset(self, k: int) -> float:
        """Hours from the patrol's start to entry ``k``'s departure (its day's start)."""
        return 0.0 if self.days is None else DAY_HOURS * (self.days[k] - 1)

    def daily(self, days: list[int]) -> PatrolProblem:
        """Vessel ``k`` sailing ``days[k]`` daily sorties: one entry per vessel and day."""
        if all(d == 1 for d in days):
            return self
        idx = np.repeat(np.arange(self.n_vessels), days)
        geo = self.geo
        if geo is not None:
            geo = replace(geo, start_at=[geo.start_at[k] for k in idx],
                          end_at=[geo.end_at[k] for k in idx])
        pick = [int(k) for k in idx]
        return replace(
            self, vessel_ids=[self.vessel_ids[k] for k in pick],
            nations=[self.nations[k] for k in pick], starts=[self.starts[k] for k in pick],
            ends=[self.ends[k] for k in pick], endurance=self.endurance[idx],
            t_start=self.t_start[idx], t_end=self.t_end[idx], t_between=self.t_between[idx],
            t_direct=self.t_direct[idx], allowed=self.allowed[idx], geo=geo,
            days=[d + 1 for n in days for d in range(n)])

    def route_ok(self, k: int, route: list[int]) -> bool:
        """Whether vessel ``k`` may sail ``route`` (zones, windows, endurance)."""
        return self.timetable(k, route)[2]

    def unreachable(self) -> list[tuple[int, str]]:
        """Areas no vessel may visit alone within its endurance (and window), with why."""
        out = []
        for i in range(self.n_areas):
            if any(self.route_ok(k, [i]) for k in range(self.n_vessels)):
                continue
            if self.n_vessels == 0:
                out.append((i, "no vessel is available"))
            elif not self.allowed[:, i].any():
                out.append((i, f"no vessel may enter zone {self.zones[i]!r} (caveats)"))
            else:
                best = min(self.timetable(k, [i])[0] for k in range(self.n_vessels)
                           if self.allowed[k, i])
                out.append((i, f"the quickest round trip takes {best:.1f} h, more than the "
                               "endurance of every vessel allowed there (or its window)"))
        return out

    def without(self, dropped: list[tuple[int, str]]) -> PatrolProblem:
        """The same problem with ``dropped`` areas forbidden to every vessel (kept listed)."""
        if not dropped:
            return self
        allowed = self.allowed.copy()
        allowed[:, [i for i, _ in dropped]] = False
        return replace(self, allowed=allowed, dropped=list(dropped))
