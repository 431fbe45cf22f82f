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
from typing import Any

import numpy as np

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.network import (
    DEFAULT_SPEEDS,
    Speeds,
    TransportGraph,
    add_air_links,
    load_geojson,
    load_network,
)
from forcegen.readiness._legs import _Legs
from forcegen.readiness._modes import theatre_countries
from forcegen.readiness._places import _place, _place_homes
from forcegen.readiness._response_types import (
    Arrival,
    ResponseResult,
    SectorResponse,
    Unreachable,
)

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

    ship_sectors = {scenario.requirement_by_id[rid].sector for pid, rid, _ in rows
                    if pid in homes.ships}
    legs = _Legs(ground, personnel_graph, speeds, home_pos, sec_pos, dep_pos, homes, sec_at,
                 ship_sectors)
    if homes.fly:
        notes.append(f"{len(homes.fly)} pledge(s) with a home base off the network are moved by "
                     "strategic airlift (flight plus handling, then by road from the airfield): "
                     + ", ".join(sorted(homes.fly)))
    if homes.ships:
        notes.append(f"{len(homes.ships)} ship(s) sail around the coast to the port nearest "
                     "their sector: "
                     + ", ".join(sorted(homes.ships)))
    arrivals: list[Arrival] = []
    sea_paths: dict[tuple[str, str], tuple[Any, bool]] = {}
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
        if arr.via == "sea" and (pid, arr.sector) not in sea_paths:
            sea_paths[pid, arr.sector] = legs.sea.polyline(homes.ships[pid], sec_at[arr.sector])

    if legs.sea.estimated:
        notes.append("no sea passage found in the shipped coastline for "
                     + "; ".join(f"{port} from {h[0]:.2f};{h[1]:.2f}"
                                 for h, port in sorted(legs.sea.estimated))
                     + ": those legs are estimated as great circle x "
                     + f"{speeds.sea_route_factor:g}")
    sectors = [_sector_response(s.id, arrivals, sec_pos, ground, notes)
               for s in scenario.sectors]
    return ResponseResult(
        sectors=sectors, arrivals=arrivals, unreachable=unreachable, notes=notes, graph=G,
        homes={k: v[0] for k, v in home_pos.items()},
        sector_nodes={k: v[0] for k, v in sec_pos.items()},
        depot_nodes={k: v[0] for k, v in dep_pos.items()},
        sea_paths=sea_paths,
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
