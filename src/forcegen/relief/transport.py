"""How long each offer takes to reach each request it could fill, leg by leg.

An offer's help arrives after its notice, then:

- **air**: a drive from home to the nearest open airfield, a flight to the open airfield nearest
  the request (great circle at the offer's or the settings' air speed, plus loading and
  unloading), and a last drive to the place;
- **sea**: a drive to the nearest open port, a sailing to the open port nearest the request
  (round land, over the sea grid of :mod:`forcegen.patrols.sea`, at the ship's speed, plus
  loading and unloading), and a last drive.

A place (or a home) farther than ``settings.reach_km`` from every open airfield (port) cannot
be served by air (sea). Drives are the great-circle distance times :data:`DETOUR` at
``settings.ground_speed``: on a small island the last leg is a truck, a boat or a helicopter,
and a planning speed is all the data gives. Every pair is computed from arrays; only sea
distances need a grid, built once over the ports in use.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from forcegen.patrols.sea import sea_routes
from forcegen.relief.models import Facility, ReliefData

__all__ = ["DETOUR", "EARTH_KM", "Leg", "PairTable", "Transport", "haversine_km",
           "shipped_airfields", "shipped_ports"]

EARTH_KM = 6371.0088
NM_KM = 1.852
#: Road distance over great-circle distance for the drives (a common planning factor).
DETOUR = 1.3
_CHUNK = 2048  # rows of a distance matrix computed at once (bounded memory)


def haversine_km(lon1: NDArray[np.float64], lat1: NDArray[np.float64],
                 lon2: NDArray[np.float64], lat2: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle kilometres, broadcasting over the inputs."""
    lo1, la1, lo2, la2 = (np.radians(np.asarray(x, dtype=float)) for x in (lon1, lat1, lon2,
                                                                            lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("forcegen.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def shipped_airfields() -> list[Facility]:
    """The airfields shipped in ``forcegen/data/airfields.csv`` (ICAO code as id)."""
    return [Facility(id=r["icao"], at=(float(r["lon"]), float(r["lat"])), name=r["name"],
                     open=r.get("open", "true").strip().lower() != "false")
            for r in _read_csv("airfields.csv")]


def shipped_ports() -> list[Facility]:
    """The ports shipped in ``forcegen/data/ports.csv`` (name as id)."""
    return [Facility(id=r["name"], at=(float(r["lon"]), float(r["lat"])), name=r["name"])
            for r in _read_csv("ports.csv")]


@dataclass(frozen=True)
class Leg:
    """One leg of a delivery: ``notice``, ``drive``, ``flight`` or ``sailing``."""

    kind: str
    start: str
    end: str
    hours: float

    def words(self) -> str:
        """The leg in a few words (``flight A -> B 4.2 h``)."""
        if self.kind == "notice":
            return f"notice {self.hours:.1f} h"
        return f"{self.kind} {self.start} -> {self.end} {self.hours:.1f} h"


@dataclass(frozen=True)
class PairTable:
    """Every (offer, request) pair of the same capability, with its hours by leg.

    ``hours`` is ``inf`` where the pair has no route; ``blocked`` then says why
    (``no-departure``: no open airfield/port near home; ``no-arrival``: none near the place;
    ``no-sea-route``: the ports are not joined by sea).
    """

    offer: NDArray[np.int64]
    request: NDArray[np.int64]
    notice: NDArray[np.float64]
    first: NDArray[np.float64]
    hop: NDArray[np.float64]
    last: NDArray[np.float64]
    blocked: list[str | None]

    @property
    def hours(self) -> NDArray[np.float64]:
        """Arrival hours of every pair (``inf`` without a route)."""
        return self.notice + self.first + self.hop + self.last

    def __len__(self) -> int:
        """Number of pairs."""
        return int(self.offer.size)


def _nearest(points: NDArray[np.float64], fac: NDArray[np.float64], usable: NDArray[np.bool_],
             reach_km: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Index of the nearest usable facility within reach of each point (-1: none) and km."""
    n = len(points)
    idx = np.full(n, -1, dtype=np.int64)
    km = np.full(n, math.inf)
    live = np.flatnonzero(usable)
    if n == 0 or live.size == 0:
        return idx, km
    f = fac[live]
    for a in range(0, n, _CHUNK):
        p = points[a:a + _CHUNK]
        d = haversine_km(p[:, None, 0], p[:, None, 1], f[None, :, 0], f[None, :, 1])
        # Ties go to the facility listed first: argmin keeps the first minimum.
        k = np.argmin(d, axis=1)
        best = d[np.arange(len(p)), k]
        ok = best <= reach_km
        idx[a:a + len(p)] = np.where(ok, live[k], -1)
        km[a:a + len(p)] = np.where(ok, best, math.inf)
    return idx, km


class Transport:
    """Airfields, ports and speeds of one relief problem, with closures applied.

    Parameters
    ----------
    data
        The validated relief section.
    airfields, ports
        The facilities in use (the section's own, or the shipped ones).
    closed
        Ids of airfields and ports closed by a what-if (an unknown id is the caller's check).
    """

    def __init__(self, data: ReliefData, airfields: list[Facility], ports: list[Facility],
                 closed: frozenset[str] = frozenset()) -> None:
        self.data = data
        self.settings = data.settings
        self.facilities = {"air": airfields, "sea": ports}
        self.usable = {m: np.array([f.open and f.id not in closed for f in fs], dtype=bool)
                       for m, fs in self.facilities.items()}
        self.coords = {m: np.array([f.at for f in fs], dtype=float).reshape(-1, 2)
                       for m, fs in self.facilities.items()}
        self.sea_nm: dict[tuple[int, int], float] = {}
        self.sea_paths: dict[tuple[int, int], NDArray[np.float64]] = {}
        self.sea_grid: float | None = None

    def access(self, mode: str, points: NDArray[np.float64]
               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest usable facility of ``mode`` for each point, and the drive in hours."""
        idx, km = _nearest(points, self.coords[mode], self.usable[mode], self.settings.reach_km)
        return idx, km * DETOUR / self.settings.ground_speed

    def _route_sea(self, pairs: set[tuple[int, int]]) -> None:
        """Sea distances for the (port, port) pairs asked for, over one grid."""
        used = sorted({p for pair in pairs for p in pair})
        if len(used) < 2:
            return
        routes = sea_routes(self.coords["sea"][used], res=self.data.grid)
        self.sea_grid = routes.res
        pos = {p: k for k, p in enumerate(used)}
        for a, b in pairs:
            self.sea_nm[(a, b)] = float(routes.nm[pos[a], pos[b]])
            self.sea_paths[(a, b)] = routes.path(pos[a], pos[b])

    def pairs(self, e_o: NDArray[np.int64], e_r: NDArray[np.int64]) -> PairTable:
        """Hours by leg of the pairs (offer ``e_o[k]``, request ``e_r[k]``)."""
        offers, requests = self.data.offers, self.data.requests
        s = self.settings
        n = int(e_o.size)
        first, hop, last = np.zeros(n), np.zeros(n), np.zeros(n)
        notice = np.array([offers[o].notice_hours for o in e_o.tolist()], dtype=float)
        blocked: list[str | None] = [None] * n
        home = np.array([o.home for o in offers], dtype=float).reshape(-1, 2)
        place = np.array([r.at for r in requests], dtype=float).reshape(-1, 2)
        mode = np.array([o.mode == "sea" for o in offers], dtype=bool)
        self.depart: dict[str, NDArray[np.int64]] = {}
        self.arrive: dict[str, NDArray[np.int64]] = {}
        for m, is_sea in (("air", False), ("sea", True)):
            dep, dep_h = self.access(m, home)
            arr, arr_h = self.access(m, place)
            self.depart[m], self.arrive[m] = dep, arr
            sel = np.flatnonzero(mode[e_o] == is_sea)
            if sel.size == 0:
                continue
            a, b = dep[e_o[sel]], arr[e_r[sel]]
            first[sel], last[sel] = dep_h[e_o[sel]], arr_h[e_r[sel]]
            speed = np.array([offers[o].speed or (s.sea_speed if is_sea else s.air_speed)
                              for o in e_o[sel].tolist()], dtype=float)
            ok = (a >= 0) & (b >= 0)
            if is_sea:
                self._route_sea({(int(x), int(y)) for x, y in zip(a[ok], b[ok], strict=True)
                                 if x != y})
                dist = np.array([0.0 if x == y else self.sea_nm.get((int(x), int(y)), math.inf)
                                 if ok_ else math.inf
                                 for x, y, ok_ in zip(a, b, ok, strict=True)]) * NM_KM
                kmh = speed * NM_KM
            else:
                c = self.coords["air"]
                dist = np.where(ok, haversine_km(c[a, 0], c[a, 1], c[b, 0], c[b, 1]), math.inf)
                kmh = speed
            hop[sel] = np.where(a == b, 0.0, dist / kmh + 2 * s.handling_hours)
            for k, i in enumerate(sel.tolist()):
                if a[k] < 0:
                    blocked[i] = "no-departure"
                elif b[k] < 0:
                    blocked[i] = "no-arrival"
                elif not math.isfinite(hop[i]):
                    blocked[i] = "no-sea-route"
        bad = np.array([b is not None for b in blocked], dtype=bool)
        hop[bad] = math.inf
        return PairTable(e_o, e_r, notice, first, hop, last, blocked)

    def legs(self, table: PairTable, k: int) -> list[Leg]:
        """The legs of pair ``k`` of ``table``, with the facilities' names."""
        o = self.data.offers[int(table.offer[k])]
        r = self.data.requests[int(table.request[k])]
        m = o.mode
        a = int(self.depart[m][int(table.offer[k])])
        b = int(self.arrive[m][int(table.request[k])])
        fs = self.facilities[m]
        out = [Leg("notice", o.id, o.id, float(table.notice[k]))]
        if a < 0 or b < 0:
            return out
        name_a, name_b = fs[a].name or fs[a].id, fs[b].name or fs[b].id
        out.append(Leg("drive", "home", name_a, float(table.first[k])))
        if a != b:
            out.append(Leg("sailing" if m == "sea" else "flight", name_a, name_b,
                           float(table.hop[k])))
        out.append(Leg("drive", name_b, r.place or r.id, float(table.last[k])))
        return out

    def route_line(self, table: PairTable, k: int) -> NDArray[np.float64]:
        """The (n, 2) lon/lat line of pair ``k``: home, facilities (the sea path), place."""
        o = self.data.offers[int(table.offer[k])]
        r = self.data.requests[int(table.request[k])]
        m = o.mode
        a = int(self.depart[m][int(table.offer[k])])
        b = int(self.arrive[m][int(table.request[k])])
        pts = [np.array([o.home], dtype=float)]
        if a >= 0 and b >= 0:
            c = self.coords[m]
            mid = self.sea_paths.get((a, b)) if m == "sea" else None
            pts.append(mid if mid is not None else c[[a, b]])
        pts.append(np.array([r.at], dtype=float))
        return np.concatenate(pts)
