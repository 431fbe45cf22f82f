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
from functools import cached_property
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from forcegen.network import haversine_km
from forcegen.network.sea import SeaRoutes, sea_routes
from forcegen.relief.models import Facility, ReliefData

__all__ = ["BLOCKED", "DETOUR", "Leg", "PairTable", "Transport", "shipped_airfields",
           "shipped_ports"]

NM_KM = 1.852
#: Road distance over great-circle distance for the drives (a common planning factor).
DETOUR = 1.3
_CHUNK = 2048  # rows of a distance matrix computed at once (bounded memory)
_MATRIX_MAX = 2000  # airfields up to which their distances are one matrix (32 MB)
_TABLE_MAX = 2_000_000  # (speed, departure, arrival) classes of flights tabled at most (16 MB)
#: Why a pair has no route, by code (0: it has one).
BLOCKED: tuple[str | None, ...] = (None, "no-departure", "no-arrival", "no-sea-route")


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

    ``hours`` is ``inf`` where the pair has no route; ``blocked`` then says why, as an index
    into :data:`BLOCKED` (``no-departure``: no open airfield/port near home; ``no-arrival``:
    none near the place; ``no-sea-route``: the ports are not joined by sea).
    """

    offer: NDArray[np.int64]
    request: NDArray[np.int64]
    notice: NDArray[np.float64]
    first: NDArray[np.float64]
    hop: NDArray[np.float64]
    last: NDArray[np.float64]
    blocked: NDArray[np.int8]

    @cached_property
    def hours(self) -> NDArray[np.float64]:
        """Arrival hours of every pair (``inf`` without a route).

        Computed once: the stages, the start columns, the outcome and every shortfall's
        reasons read it, and each sum made three arrays as long as the pairs (2 million).
        """
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
    # Offers and requests share few places (a home base, an island): each distinct point once.
    distinct, back = np.unique(points, axis=0, return_inverse=True)
    if distinct.shape[0] < n:
        d_idx, d_km = _nearest(distinct, fac, usable, reach_km)
        back = back.reshape(-1)
        return d_idx[back], d_km[back]
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
        self.sea_routes: SeaRoutes | None = None
        self.sea_pos = np.full(len(ports), -1, dtype=np.int64)
        self.sea_nm = np.zeros((0, 0))
        self.sea_grid: float | None = None

    def access(self, mode: str, points: NDArray[np.float64]
               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest usable facility of ``mode`` for each point, and the drive in hours."""
        idx, km = _nearest(points, self.coords[mode], self.usable[mode], self.settings.reach_km)
        return idx, km * DETOUR / self.settings.ground_speed

    def _route_sea(self, ports: NDArray[np.int64]) -> None:
        """Sea routes between the given ports (indices into the port list), over one grid."""
        used = np.unique(ports[ports >= 0])
        self.sea_pos = np.full(len(self.facilities["sea"]), -1, dtype=np.int64)
        self.sea_pos[used] = np.arange(used.size)
        if used.size < 2:
            self.sea_nm = np.zeros((used.size, used.size))
            return
        self.sea_routes = sea_routes(self.coords["sea"][used], res=self.data.grid)
        self.sea_grid = self.sea_routes.res
        self.sea_nm = self.sea_routes.nm

    def _offer_arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                     NDArray[np.bool_]]:
        """Notice hours, speed (km/h, knots at sea) and whether by sea, for every offer."""
        s = self.settings
        notice = np.fromiter((o.notice_hours for o in self.data.offers), float)
        sea = np.fromiter((o.mode == "sea" for o in self.data.offers), bool)
        speed = np.fromiter((o.speed or 0.0 for o in self.data.offers), float)
        speed = np.where(speed > 0, speed, np.where(sea, s.sea_speed, s.air_speed))
        return notice, speed, sea

    def _air_km(self, a: NDArray[np.int64], b: NDArray[np.int64], ok: NDArray[np.bool_]
                ) -> NDArray[np.float64]:
        """Great-circle km from airfield a[k] to b[k] (inf where not ``ok``)."""
        dist = np.full(a.size, math.inf)
        c = self.coords["air"]
        if len(c) <= _MATRIX_MAX:  # every airfield's distances, looked up without a sort
            km = self._air_matrix()
            dist[ok] = km[a[ok], b[ok]]
            return dist
        used, inv = np.unique(np.concatenate([a[ok], b[ok]]), return_inverse=True)
        if used.size > _MATRIX_MAX:
            dist[ok] = haversine_km(c[a[ok], 0], c[a[ok], 1], c[b[ok], 0], c[b[ok], 1])
            return dist
        # Distances between the airfields in use, once (not once per pair).
        u = c[used]
        km = haversine_km(u[:, None, 0], u[:, None, 1], u[None, :, 0], u[None, :, 1])
        n_ok = int(ok.sum())
        dist[ok] = km[inv[:n_ok], inv[n_ok:]]
        return dist

    def _air_matrix(self) -> NDArray[np.float64]:
        """Great-circle km between every two airfields (at most :data:`_MATRIX_MAX`)."""
        c = self.coords["air"]
        return haversine_km(c[:, None, 0], c[:, None, 1], c[None, :, 0], c[None, :, 1])

    def _air_hops(self, dep: NDArray[np.int64], arr: NDArray[np.int64],
                  speed: NDArray[np.float64], e_o: NDArray[np.int64], e_r: NDArray[np.int64]
                  ) -> tuple[NDArray[np.float64], NDArray[np.int8]] | None:
        """Flight hours and blocked codes of the pairs, from a table over their classes.

        A flight depends on the offer only through (speed, departure airfield) and on the
        request only through its arrival airfield: the hours of every class are computed once
        (a few hundred thousand at most) and each pair looks its class up, instead of some
        twenty passes over the pairs (2 million at 2,000 requests x 20,000 offers). Each entry
        is the per-pair formula on the same numbers, so the hours are the same to the bit.
        None when the classes are too many for a table (the caller goes pair by pair).

        ``dep`` and ``speed`` are per offer, ``arr`` per request (-1: no airfield in reach).
        """
        if not 0 < len(self.coords["air"]) <= _MATRIX_MAX:  # (none: every pair is blocked)
            return None
        spd, s_idx = np.unique(speed, return_inverse=True)
        du, d_idx = np.unique(dep, return_inverse=True)
        au, a_idx = np.unique(arr, return_inverse=True)
        if spd.size * du.size * au.size > _TABLE_MAX:
            return None
        km = self._air_matrix()
        a, b = du[None, :, None], au[None, None, :]
        ok = (a >= 0) & (b >= 0)
        dist = np.where(ok, km[np.maximum(a, 0), np.maximum(b, 0)], math.inf)
        hop = np.where(ok & (a == b), 0.0,
                       dist / spd[:, None, None] + 2 * self.settings.handling_hours)
        code = np.where(a < 0, 1, np.where(b < 0, 2, np.where(np.isfinite(hop), 0, 3)))
        hop = np.where(code > 0, math.inf, hop)
        offer_class = s_idx.reshape(-1) * du.size + d_idx.reshape(-1)
        k = offer_class[e_o] * au.size + a_idx.reshape(-1)[e_r]
        return hop.reshape(-1)[k], code.astype(np.int8).reshape(-1)[k]

    def pairs(self, e_o: NDArray[np.int64], e_r: NDArray[np.int64]) -> PairTable:
        """Hours by leg of the pairs (offer ``e_o[k]``, request ``e_r[k]``)."""
        n = int(e_o.size)
        first, hop, last = np.zeros(n), np.zeros(n), np.zeros(n)
        o_notice, o_speed, o_sea = self._offer_arrays()
        blocked = np.zeros(n, dtype=np.int8)
        home = np.array([o.home for o in self.data.offers], dtype=float).reshape(-1, 2)
        place = np.array([r.at for r in self.data.requests], dtype=float).reshape(-1, 2)
        self.depart: dict[str, NDArray[np.int64]] = {}
        self.arrive: dict[str, NDArray[np.int64]] = {}
        for m, is_sea in (("air", False), ("sea", True)):
            dep, dep_h = self.access(m, home)
            arr, arr_h = self.access(m, place)
            self.depart[m], self.arrive[m] = dep, arr
            mine = o_sea == is_sea
            if not mine.any():
                continue
            if mine.all():  # one mode for every pair (the common case): no selection
                table = None if is_sea else self._air_hops(dep, arr, o_speed, e_o, e_r)
                if table is not None:
                    first, last = dep_h[e_o], arr_h[e_r]
                    hop, blocked = table
                    continue
            self._pairs_by_mode(m, np.flatnonzero(mine[e_o]), e_o, e_r, (dep, dep_h),
                                (arr, arr_h), o_speed, (first, hop, last, blocked))
        hop[blocked > 0] = math.inf
        return PairTable(e_o, e_r, o_notice[e_o], first, hop, last, blocked)

    def _pairs_by_mode(self, m: str, sel: NDArray[np.int64], e_o: NDArray[np.int64],
                       e_r: NDArray[np.int64],
                       depart: tuple[NDArray[np.int64], NDArray[np.float64]],
                       arrive: tuple[NDArray[np.int64], NDArray[np.float64]],
                       o_speed: NDArray[np.float64],
                       out: tuple[NDArray[np.float64], NDArray[np.float64],
                                  NDArray[np.float64], NDArray[np.int8]]) -> None:
        """The legs of the pairs ``sel`` of mode ``m``, pair by pair, written into ``out``."""
        (dep, dep_h), (arr, arr_h) = depart, arrive
        first, hop, last, blocked = out
        if sel.size == 0:
            return
        a, b = dep[e_o[sel]], arr[e_r[sel]]
        first[sel], last[sel] = dep_h[e_o[sel]], arr_h[e_r[sel]]
        ok = (a >= 0) & (b >= 0)
        if m == "sea":
            self._route_sea(np.concatenate([a[ok], b[ok]]))
            pa, pb = self.sea_pos[np.maximum(a, 0)], self.sea_pos[np.maximum(b, 0)]
            dist = np.full(sel.size, math.inf)
            dist[ok] = self.sea_nm[pa[ok], pb[ok]] * NM_KM
            kmh = o_speed[e_o[sel]] * NM_KM
        else:
            dist = self._air_km(a, b, ok)
            kmh = o_speed[e_o[sel]]
        hop[sel] = np.where(ok & (a == b), 0.0, dist / kmh + 2 * self.settings.handling_hours)
        code = np.where(a < 0, 1, np.where(b < 0, 2, np.where(np.isfinite(hop[sel]), 0, 3)))
        blocked[sel] = code

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
            mid = None
            if m == "sea" and a != b and self.sea_routes is not None:
                mid = self.sea_routes.path(int(self.sea_pos[a]), int(self.sea_pos[b]))
            pts.append(mid if mid is not None else c[[a, b]])
        pts.append(np.array([r.at], dtype=float))
        return np.concatenate(pts)
