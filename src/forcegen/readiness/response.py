"""Response analysis: how soon can each sector be reinforced with the forces sourced for it.

For every sourced unit the arrival time in its sector is

- self-deployment: ``notice_days x 24`` + ground movement (road, rail, sea) from the home base;
- pre-positioned equipment: ``notice_days x 24`` + personnel movement from the home base to the
  depot (over the whole network, air legs included: driven to an airfield, flown to the airfield
  nearest the depot, driven on) + ``draw_hours`` to draw the equipment + road movement from the
  depot to the sector.

Per sector: the first arrival and the time until the *full package* (every unit sourced for the
sector's requirement lines) is there. Places that cannot be reached (no home base, a home base
off the network, a disconnected network) are listed in :attr:`ResponseResult.unreachable` and
make the full package time unknown (``None``): never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.network import (
    DEFAULT_SPEEDS,
    Speeds,
    TransportGraph,
    add_air_links,
    haversine_km,
    load_geojson,
    load_network,
    travel_times,
)
from forcegen.readiness._modes import country_at, movement_class, sail, theatre_countries

__all__ = [
    "GROUND_MODES",
    "Arrival",
    "ResponseResult",
    "SectorResponse",
    "Unreachable",
    "analyze_response",
    "scenario_network",
]

#: Modes heavy equipment can move by (not air: strategic airlift of armour is the exception).
GROUND_MODES: tuple[str, ...] = ("road", "rail", "sea")
#: Scenario extension key on a pledge naming the depot holding its heavy equipment.
PREPOSITIONED_KEY = "x-prepositioned"


@dataclass(frozen=True)
class Arrival:
    """One assignment (pledge -> requirement line) and when its units are in the sector."""

    pledge: str
    requirement: str
    sector: str
    units: int
    personnel: int
    notice_hours: float
    move_hours: float  # inf when unreachable
    via: str  # "road" or "depot:<id>"
    draw_hours: float = 0.0

    @property
    def hours(self) -> float:
        """Notice plus movement (``inf`` if the sector cannot be reached)."""
        return self.notice_hours + self.draw_hours + self.move_hours

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hours"] = _num(self.hours)
        d["move_hours"] = _num(self.move_hours)
        return d


@dataclass(frozen=True)
class SectorResponse:
    """First and full-package arrival times for one sector (hours from the decision)."""

    sector: str
    node: str
    snap_km: float
    units: int
    personnel: int
    first_hours: float | None
    full_hours: float | None  # None: nothing sourced, or some units cannot get there
    units_unreachable: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("first_hours", "full_hours", "snap_km"):
            d[k] = None if d[k] is None else round(float(d[k]), 3)
        return d


@dataclass(frozen=True)
class Unreachable:
    """Something that could not be placed or reached, and why."""

    kind: str  # "home", "route", "depot"
    item: str
    sector: str | None
    reason: str


@dataclass
class ResponseResult:
    """What :func:`analyze_response` found."""

    sectors: list[SectorResponse]
    arrivals: list[Arrival]
    unreachable: list[Unreachable]
    notes: list[str] = field(default_factory=list)
    graph: TransportGraph | None = field(default=None, repr=False)
    homes: dict[str, int] = field(default_factory=dict, repr=False)  # pledge -> node position
    sector_nodes: dict[str, int] = field(default_factory=dict, repr=False)
    depot_nodes: dict[str, int] = field(default_factory=dict, repr=False)

    def available(self, hours: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Units arrived in each sector by each time in ``hours`` (cumulative, vectorized)."""
        h = np.asarray(hours, dtype=float)
        out: dict[str, NDArray[np.float64]] = {}
        for s in self.sectors:
            arr = [a for a in self.arrivals if a.sector == s.sector]
            t = np.array([a.hours for a in arr], dtype=float)
            u = np.array([a.units for a in arr], dtype=float)
            out[s.sector] = (u[None, :] * (t[None, :] <= h[:, None])).sum(axis=1) if arr \
                else np.zeros(h.size)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``inf`` becomes ``null``)."""
        return {
            "sectors": [s.to_dict() for s in self.sectors],
            "arrivals": [a.to_dict() for a in self.arrivals],
            "unreachable": [asdict(u) for u in self.unreachable],
            "notes": list(self.notes),
        }


def _num(x: float) -> float | None:
    return round(float(x), 3) if math.isfinite(x) else None


def scenario_network(scenario: Any) -> TransportGraph:
    """Load the scenario's ``network`` (CSV with ``nodes``, or GeoJSON).

    Raises
    ------
    NetworkInputError
        When the scenario names no network, or it cannot be read.
    """
    data = scenario.data
    path = scenario.path_of(data.network)
    if path is None:
        raise NetworkInputError(f"{scenario.source}: the scenario has no 'network'; a response "
                                "analysis needs one (network: network.csv)")
    if path.suffix.lower() in (".geojson", ".json"):
        return load_geojson(path)
    return load_network(path, scenario.path_of(data.nodes))


def _place(G: TransportGraph, kind: str, item: str, at: Any, node: str | None,
           max_snap_km: float) -> tuple[int, float]:
    """Node position and snap distance of a place given by ``node`` or ``at`` (lon, lat)."""
    if node is not None:
        return int(G.indices([node])[0]), 0.0
    if at is None:
        raise NetworkInputError(f"{kind} {item!r} has neither 'at' nor 'node'")
    if isinstance(at, str):
        return int(G.indices([at])[0]), 0.0
    i, km = G.nearest_node(float(at[0]), float(at[1]), modes=("road",))
    if km > max_snap_km:
        raise NetworkInputError(
            f"{kind} {item!r} at [{at[0]}, {at[1]}] is {km:.0f} km from the nearest road node "
            f"(limit {max_snap_km:g} km); move it or extend the network")
    return i, km


def _airlift(G: TransportGraph, fly: Mapping[str, tuple[float, float]], snodes: list[int],
             speeds: Speeds) -> dict[str, NDArray[np.float64]]:
    """Hours from off-network home bases to each sector node: fly to the best airfield, drive on.

    The airfields are the air-layer nodes of ``G``; the flight is great-circle from the home base
    (:meth:`Speeds.air_hours`), then the network (air and road) from the arrival airfield.
    """
    fields = np.flatnonzero(np.char.startswith(G.ids, "air:"))
    if not fly or fields.size == 0 or not snodes:
        return {}
    onward = travel_times(G, fields, snodes)  # airfields x sectors
    lon = np.array([v[0] for v in fly.values()])
    lat = np.array([v[1] for v in fly.values()])
    flight = speeds.air_hours(haversine_km(lon[:, None], lat[:, None], G.lon[fields][None, :],
                                           G.lat[fields][None, :]))  # homes x airfields
    best = (flight[:, :, None] + onward[None, :, :]).min(axis=1)  # homes x sectors
    return {pid: best[i] for i, pid in enumerate(fly)}


def _home_at(G: TransportGraph, home: Any) -> tuple[float, float] | None:
    """A home base's (lon, lat): given, or its network node's.

    ``None`` for an unknown node (:func:`_place` reports it).
    """
    if isinstance(home, list | tuple):
        return float(home[0]), float(home[1])
    try:
        i = int(G.indices([str(home)])[0])
    except NetworkInputError:
        return None
    return float(G.lon[i]), float(G.lat[i])


def analyze_response(
    scenario: Any,
    assignments: Iterable[tuple[str, str, int]],
    *,
    graph: TransportGraph | None = None,
    prepositioned: Mapping[str, str] | None = None,
    draw_hours: float = 12.0,
    speeds: Speeds = DEFAULT_SPEEDS,
    max_snap_km: float = 50.0,
    air: bool = True,
) -> ResponseResult:
    """Hours until the first and the full package of sourced forces can be in each sector.

    Parameters
    ----------
    scenario
        A :class:`forcegen.scenario.Scenario` (sectors, requirements, pledges, depot sites).
    assignments
        ``(pledge id, requirement id, units)`` triples, e.g.
        ``[(a.pledge, a.requirement, a.units) for a in plan.assignments]``.
    graph
        The transport network; default: the scenario's own (:func:`scenario_network`).
    prepositioned
        Pledge id -> depot site id holding that pledge's heavy equipment. Pledges may also name
        it themselves with the extension key ``x-prepositioned: <depot id>``.
    draw_hours
        Time to draw and prepare pre-positioned equipment at the depot.
    speeds
        Planning speeds (access legs from a snapped point to its node; air layer).
    max_snap_km
        Sectors and depots farther than this from a road node are an error; home bases are
        reported as unreachable.
    air
        If the network has no air arcs, add the shipped open airfields as an air layer for
        personnel (flight time plus loading time, :meth:`Speeds.air_hours`).

    Returns
    -------
    ResponseResult

    Raises
    ------
    OptionError
        Unknown pledge, requirement or depot ids, or a negative draw time.
    NetworkInputError
        No network, unknown node ids, a sector or depot far from any road.
    """
    if not draw_hours >= 0:
        raise OptionError(f"draw_hours must be >= 0, got {draw_hours}")
    G = graph if graph is not None else scenario_network(scenario)
    ground = G.restrict(GROUND_MODES)
    notes: list[str] = []
    personnel_graph = G
    if air and not np.any(G.mode == "air"):
        personnel_graph, skipped = add_air_links(G, speeds=speeds)
        if skipped:
            notes.append(f"{len(skipped)} airfield(s) more than 60 km from the network were "
                         "left out of the air layer")
    pre, rows = _checked_inputs(scenario, assignments, prepositioned)
    sites = {d.id: d for d in scenario.depot_sites}

    # Places on the network: sectors and depots must be on it, home bases may not be.
    sec_pos: dict[str, tuple[int, float]] = {}
    for s in scenario.sectors:
        sec_pos[s.id] = _place(ground, "sector", s.id, s.at, s.node, max_snap_km)
    dep_pos = {d: _place(ground, "depot site", d, sites[d].at, sites[d].node, max_snap_km)
               for d in sorted(set(pre.values()))}
    sec_at = {s.id: (float(s.at[0]), float(s.at[1])) if s.at is not None
              else (float(ground.lon[sec_pos[s.id][0]]), float(ground.lat[sec_pos[s.id][0]]))
              for s in scenario.sectors}
    homes = _place_homes(scenario, ground, rows, air, max_snap_km,
                         theatre_countries(list(sec_at.values())))
    home_pos, unreachable = homes.home_pos, homes.unreachable

    legs = _Legs(ground, personnel_graph, speeds, home_pos, sec_pos, dep_pos, homes, sec_at)
    if homes.fly:
        notes.append(f"{len(homes.fly)} pledge(s) with a home base off the network are moved by "
                     "strategic airlift (flight plus handling, then by road from the airfield): "
                     + ", ".join(sorted(homes.fly)))
    if homes.ships:
        notes.append(f"{len(homes.ships)} ship(s) sail to the port nearest their sector: "
                     + ", ".join(sorted(homes.ships)))
    arrivals: list[Arrival] = []
    for pid, rid, units in rows:
        arr = legs.arrival(scenario.pledge_by_id[pid], scenario.requirement_by_id[rid], units,
                           pre.get(pid), draw_hours)
        # A pledge without a home on the network is already listed as unreachable ("home").
        reached = arr.via != "road" or pid in home_pos
        if arr.via == "sea" and not math.isfinite(arr.move_hours):
            unreachable.append(Unreachable("route", pid, arr.sector,
                                           f"ship {pid}: {legs.sea_port[pid, arr.sector]}"))
        elif reached and not math.isfinite(arr.move_hours):
            unreachable.append(Unreachable("route", pid, arr.sector,
                                           f"no {arr.via} route from the home base of {pid} "
                                           f"to sector {arr.sector}"))
        arrivals.append(arr)

    sectors = [_sector_response(s.id, arrivals, sec_pos, ground, notes)
               for s in scenario.sectors]
    return ResponseResult(
        sectors=sectors, arrivals=arrivals, unreachable=unreachable, notes=notes, graph=G,
        homes={k: v[0] for k, v in home_pos.items()},
        sector_nodes={k: v[0] for k, v in sec_pos.items()},
        depot_nodes={k: v[0] for k, v in dep_pos.items()},
    )


def _checked_inputs(
    scenario: Any,
    assignments: Iterable[tuple[str, str, int]],
    prepositioned: Mapping[str, str] | None,
) -> tuple[dict[str, str], list[tuple[str, str, int]]]:
    """Pre-positioning (pledge -> depot) and the assignments with units, every id checked."""
    pledges = scenario.pledge_by_id
    reqs = scenario.requirement_by_id
    sites = {d.id for d in scenario.depot_sites}
    pre = {p.id: str(p.extensions()[PREPOSITIONED_KEY]) for p in scenario.pledges
           if PREPOSITIONED_KEY in p.extensions()}
    pre.update(prepositioned or {})
    for pid, did in pre.items():
        if pid not in pledges:
            raise OptionError(f"prepositioned: unknown pledge {pid!r}")
        if did not in sites:
            raise OptionError(f"prepositioned: pledge {pid!r} names unknown depot site {did!r}; "
                              f"known: {', '.join(sorted(sites)) or 'none'}")
    rows: list[tuple[str, str, int]] = []
    for pid, rid, units in assignments:
        if pid not in pledges:
            raise OptionError(f"assignment names unknown pledge {pid!r}")
        if rid not in reqs:
            raise OptionError(f"assignment names unknown requirement {rid!r}")
        if int(units) > 0:
            rows.append((pid, rid, int(units)))
    return pre, rows


@dataclass
class _Homes:
    """Where each pledge's units start and how they may move (see :func:`_place_homes`)."""

    home_pos: dict[str, tuple[int, float]] = field(default_factory=dict)  # on the road network
    fly: dict[str, tuple[float, float]] = field(default_factory=dict)  # off it: airlift
    may_fly: dict[str, tuple[float, float]] = field(default_factory=dict)  # on it, air if faster
    ships: dict[str, tuple[float, float]] = field(default_factory=dict)  # ships sail
    unreachable: list[Unreachable] = field(default_factory=list)


def _place_homes(
    scenario: Any, ground: TransportGraph, rows: list[tuple[str, str, int]], air: bool,
    max_snap_km: float, theatre: Any,
) -> _Homes:
    """Home bases on the road network, those flown in or sailing instead, those that cannot move.

    Ships sail; units already in the theatre drive however far from the modelled roads they
    start; aircraft and light teams may take airlift when it is faster (``movement_class``).
    """
    out = _Homes()
    for pid in sorted({r[0] for r in rows}):
        p = scenario.pledge_by_id[pid]
        if p.home is None:
            out.unreachable.append(Unreachable("home", pid, None, "pledge has no home base"))
            continue
        at = _home_at(ground, p.home)
        cap = scenario.catalog.get(p.capability)
        how = movement_class(cap) if cap is not None else "ground"
        if how == "sail" and at is not None:
            out.ships[pid] = at
            continue
        local = at is not None and country_at(*at) in theatre
        try:
            out.home_pos[pid] = _place(ground, "home base of pledge", pid, p.home, None,
                                       math.inf if local else max_snap_km)
            if air and how == "air" and not local and at is not None:
                out.may_fly[pid] = at
        except NetworkInputError as exc:
            if not (air and isinstance(p.home, list | tuple)):
                out.unreachable.append(Unreachable("home", pid, None, str(exc)))
            else:
                out.fly[pid] = (float(p.home[0]), float(p.home[1]))
    return out


class _Legs:
    """Travel-time tables between home bases, depots and sectors, computed once per analysis."""

    def __init__(
        self, ground: TransportGraph, personnel_graph: TransportGraph, speeds: Speeds,
        home_pos: dict[str, tuple[int, float]], sec_pos: dict[str, tuple[int, float]],
        dep_pos: dict[str, tuple[int, float]], homes: _Homes,
        sec_at: dict[str, tuple[float, float]],
    ) -> None:
        self.speeds = speeds
        self.fly, self.may_fly, self.ships, self.sec_at = (homes.fly, homes.may_fly,
                                                           homes.ships, sec_at)
        self.sea_port: dict[tuple[str, str], str] = {}
        self.home_pos, self.sec_pos, self.dep_pos = home_pos, sec_pos, dep_pos
        hnodes = sorted({v[0] for v in home_pos.values()})
        snodes = sorted({v[0] for v in sec_pos.values()})
        dnodes = sorted({v[0] for v in dep_pos.values()})
        self.hcol = {n: i for i, n in enumerate(hnodes)}
        self.scol = {n: i for i, n in enumerate(snodes)}
        self.dcol = {n: i for i, n in enumerate(dnodes)}
        self.home_sec = (travel_times(ground, hnodes, snodes) if hnodes
                         else np.zeros((0, len(snodes))))
        self.home_dep = (travel_times(personnel_graph, hnodes, dnodes) if hnodes and dnodes
                         else None)
        self.dep_sec = travel_times(ground, dnodes, snodes) if dnodes else None
        self.fly_sec = _airlift(personnel_graph, {**homes.fly, **homes.may_fly}, snodes, speeds)

    def access(self, km: float) -> float:
        return float(self.speeds.road_hours_from_greatcircle(km))

    def arrival(self, p: Any, r: Any, units: int, depot: str | None,
                draw_hours: float) -> Arrival:
        """How ``units`` of pledge ``p`` reach the sector of requirement ``r``."""
        pid, rid, sid = p.id, r.id, r.sector
        s_node, s_km = self.sec_pos[sid]
        notice = float(p.notice_days) * 24.0
        people = units * p.personnel
        if pid in self.ships:
            hours, port = sail(self.ships[pid], self.sec_at[sid], self.speeds)
            self.sea_port[pid, sid] = port
            return Arrival(pid, rid, sid, units, people, notice, hours, "sea")
        if pid in self.fly:
            move = float(self.fly_sec[pid][self.scol[s_node]] + self.access(s_km))
            return Arrival(pid, rid, sid, units, people, notice, move, "air")
        if pid not in self.home_pos:
            return Arrival(pid, rid, sid, units, people, notice, math.inf, "road")
        h_node, h_km = self.home_pos[pid]
        if depot is not None:
            d_node, d_km = self.dep_pos[depot]
            assert self.home_dep is not None and self.dep_sec is not None
            move = (self.access(h_km) + self.home_dep[self.hcol[h_node], self.dcol[d_node]]
                    + self.access(d_km) * 2 + self.dep_sec[self.dcol[d_node], self.scol[s_node]]
                    + self.access(s_km))
            return Arrival(pid, rid, sid, units, people, notice, float(move), f"depot:{depot}",
                           draw_hours)
        move = float(self.access(h_km) + self.home_sec[self.hcol[h_node], self.scol[s_node]]
                     + self.access(s_km))
        if pid in self.may_fly:  # the fastest mode the unit's category allows
            by_air = float(self.fly_sec[pid][self.scol[s_node]] + self.access(s_km))
            if by_air < move:
                return Arrival(pid, rid, sid, units, people, notice, by_air, "air")
        return Arrival(pid, rid, sid, units, people, notice, move, "road")


def _sector_response(
    sid: str, arrivals: list[Arrival], sec_pos: dict[str, tuple[int, float]],
    ground: TransportGraph, notes: list[str],
) -> SectorResponse:
    """First and full arrival in one sector (a note if nothing was sourced for it)."""
    mine = [a for a in arrivals if a.sector == sid]
    times = np.array([a.hours for a in mine], dtype=float)
    ok = np.isfinite(times)
    node, km = sec_pos[sid]
    if not mine:
        notes.append(f"sector {sid!r}: no forces sourced for it")
    return SectorResponse(
        sector=sid,
        node=str(ground.ids[node]),
        snap_km=km,
        units=sum(a.units for a in mine),
        personnel=sum(a.personnel for a in mine),
        first_hours=float(times[ok].min()) if ok.any() else None,
        full_hours=float(times.max()) if mine and ok.all() else None,
        units_unreachable=sum(a.units for a, good in zip(mine, ok, strict=True) if not good),
    )
