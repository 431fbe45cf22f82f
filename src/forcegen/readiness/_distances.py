"""The sites x sectors cost matrix of a scenario.

Where it comes from, in order:

1. ``costs.csv`` (``site,sector,cost``) where the scenario gives it: used as is for the pairs it
   lists (cost per ton or per unit of demand);
2. otherwise the transport network (``network: network.csv`` or a GeoJSON file): shortest
   travel time from each site's node to each sector's node. Places given by ``at`` are snapped
   to the nearest road node; farther than ``max_snap_km`` is an error (a sector far from any
   road), never a silent guess;
3. with neither, great-circle distance x the network package's road factor at its ``main``
   road march speed (:data:`forcegen.network.DEFAULT_SPEEDS`).

Pairs that ``costs.csv`` leaves out get the network time when there is a network, else they are
unusable (``inf``): mixing a cost table with a guessed distance would mix units.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forcegen.exceptions import NetworkInputError, OptionError, Problem, ScenarioError

__all__ = ["CostTable", "cost_table", "read_costs_csv"]

#: Farthest a sector or site may lie from its snapped network node.
MAX_SNAP_KM = 50.0


@dataclass
class CostTable:
    """A scenario's sites x sectors matrix and where it came from.

    Attributes
    ----------
    site_ids, sector_ids
        Row and column ids.
    cost
        ``len(site_ids) x len(sector_ids)`` hours (or cost per unit); ``inf`` = cannot serve.
    source
        ``costs.csv``, ``network``, ``costs.csv+network`` or ``great-circle``.
    graph
        The transport network when one was used (for link disruptions), else ``None``.
    site_nodes, sector_nodes
        Node positions of sites and sectors in ``graph``.
    notes
        Messages for the user (snapping distances, unreachable pairs).
    """

    site_ids: list[str]
    sector_ids: list[str]
    cost: np.ndarray
    source: str
    graph: Any = None
    site_nodes: np.ndarray | None = None
    sector_nodes: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def read_costs_csv(
    path: Path, site_ids: list[str], sector_ids: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Read ``site,sector,cost`` rows into a matrix and a mask of the pairs given.

    Raises
    ------
    ScenarioError
        Every bad row at once: unknown site or sector ids, non-numbers, negative costs,
        duplicates, missing columns.
    """
    si = {s: i for i, s in enumerate(site_ids)}
    sj = {s: j for j, s in enumerate(sector_ids)}
    cost = np.full((len(site_ids), len(sector_ids)), np.inf)
    given = np.zeros(cost.shape, dtype=bool)
    name = path.name
    problems: list[Problem] = []
    if not path.is_file():
        raise ScenarioError([Problem(name, f"costs file {str(path)!r} does not exist")])
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        head = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in ("site", "sector", "cost") if c not in head]
        if missing:
            raise ScenarioError(
                [Problem(name, f"missing column(s) {', '.join(missing)}; expected "
                         "site,sector,cost", line=1)]
            )
        for k, raw in enumerate(reader, start=2):
            row = {str(a).strip(): (b or "").strip() for a, b in raw.items() if a is not None}
            s, t, c = row.get("site", ""), row.get("sector", ""), row.get("cost", "")
            if s not in si:
                problems.append(Problem(name, f"unknown depot site {s!r}", k, "site"))
                continue
            if t not in sj:
                problems.append(Problem(name, f"unknown sector {t!r}", k, "sector"))
                continue
            try:
                v = float(c)
            except ValueError:
                problems.append(Problem(name, f"expected a number, got {c!r}", k, "cost"))
                continue
            if not math.isfinite(v) or v < 0:
                problems.append(Problem(name, f"cost must be a number >= 0, got {c}", k, "cost"))
                continue
            i, j = si[s], sj[t]
            if given[i, j]:
                problems.append(Problem(name, f"duplicate row for ({s}, {t})", k))
                continue
            cost[i, j] = v
            given[i, j] = True
    if problems:
        raise ScenarioError(problems)
    return cost, given


def _place(
    graph: Any, kind: str, items: list[Any], max_snap_km: float, notes: list[str]
) -> np.ndarray:
    """Node position of each site or sector: its ``node`` or its ``at`` snapped to a road."""
    pos = np.zeros(len(items), dtype=np.int64)
    road = "road" in set(np.unique(graph.mode).tolist())
    for k, it in enumerate(items):
        if it.node is not None:
            if str(it.node) not in graph.index:
                raise NetworkInputError(f"{kind} {it.id!r}: unknown node id {it.node!r}")
            pos[k] = graph.index[str(it.node)]
        elif it.at is not None:
            idx, km = graph.nearest_nodes([it.at[0]], [it.at[1]], modes={"road"} if road else None)
            if km[0] > max_snap_km:
                raise NetworkInputError(
                    f"{kind} {it.id!r} at {tuple(it.at)} is {km[0]:.0f} km from the nearest "
                    f"road node (limit {max_snap_km:g} km): add a road or move it"
                )
            if km[0] > 10:
                notes.append(f"{kind} {it.id!r} snapped to a node {km[0]:.0f} km away")
            pos[k] = idx[0]
        else:
            raise NetworkInputError(f"{kind} {it.id!r} has neither 'at' nor 'node'")
    return pos


def _load_graph(path: Path, nodes: Path | None) -> Any:
    from forcegen.network import load_geojson, load_network

    if path.suffix.lower() in (".geojson", ".json"):
        return load_geojson(path)
    return load_network(path, nodes)


def cost_table(scenario: Any, *, max_snap_km: float = MAX_SNAP_KM) -> CostTable:
    """Build the sites x sectors matrix of a scenario (see the module text for the rules).

    Parameters
    ----------
    scenario
        A :class:`forcegen.scenario.Scenario`.
    max_snap_km
        Largest accepted distance between a place and its network node.

    Raises
    ------
    OptionError
        No depot sites or no sectors.
    NetworkInputError
        Unknown node ids, places far from any road, no way to measure a distance.
    ScenarioError
        Bad ``costs.csv`` rows.
    """
    sites, sectors = list(scenario.depot_sites), list(scenario.sectors)
    if not sites:
        raise OptionError(f"{scenario.source}: the scenario has no depot_sites to choose from")
    if not sectors:
        raise OptionError(f"{scenario.source}: the scenario has no sectors")
    site_ids = [s.id for s in sites]
    sector_ids = [s.id for s in sectors]
    notes: list[str] = []
    data = scenario.data
    cost = np.full((len(sites), len(sectors)), np.inf)
    given = np.zeros(cost.shape, dtype=bool)
    if data.costs:
        cost, given = read_costs_csv(scenario.path_of(data.costs), site_ids, sector_ids)
    graph = site_nodes = sector_nodes = None
    if data.network and not given.all():
        graph = _load_graph(scenario.path_of(data.network), scenario.path_of(data.nodes))
        site_nodes = _place(graph, "depot site", sites, max_snap_km, notes)
        sector_nodes = _place(graph, "sector", sectors, max_snap_km, notes)
        from forcegen.network import travel_times

        net = travel_times(graph, site_nodes, sector_nodes)
        cost = np.where(given, cost, net)
        source = "costs.csv+network" if given.any() else "network"
    elif data.costs:
        source = "costs.csv"
    else:
        cost = _great_circle_hours(sites, sectors)
        source = "great-circle"
    unreached = np.isinf(cost).sum()
    if unreached:
        notes.append(f"{unreached} site-sector pair(s) have no connection")
    return CostTable(site_ids, sector_ids, cost, source, graph, site_nodes, sector_nodes, notes)


def _great_circle_hours(sites: list[Any], sectors: list[Any]) -> np.ndarray:
    from forcegen.network import DEFAULT_SPEEDS, haversine_km

    for kind, items in (("depot site", sites), ("sector", sectors)):
        for it in items:
            if it.at is None:
                raise NetworkInputError(
                    f"{kind} {it.id!r} is given by node {it.node!r} but the scenario has no "
                    "network (and no costs.csv) to measure distances on"
                )
    a = np.array([s.at for s in sites], dtype=float)
    b = np.array([s.at for s in sectors], dtype=float)
    km = haversine_km(a[:, None, 0], a[:, None, 1], b[None, :, 0], b[None, :, 1])
    return np.asarray(DEFAULT_SPEEDS.road_hours_from_greatcircle(km), dtype=float)
