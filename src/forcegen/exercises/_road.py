"""Travel between home bases and training areas along the scenario's road network.

When the scenario has a transport ``network``, a unit's leg from home to a training area is
measured along the roads where the network covers both ends: each end is snapped to its nearest
road node (within :data:`MAX_SNAP_KM`, the limit the response analysis uses) and the leg is the
snap distance at each end plus the shortest road distance in km between the two nodes. An arc's
km is the network's own (``km`` column, GeoJSON lengths); an arc without one counts the great
circle between its end nodes (the least it can be). A home given as a node id sits on that node.

Legs the network does not cover keep the great circle: an end farther than the snap limit from
any road (across the sea, another country the network does not hold), or two ends that no road
joins. The note says how many legs went which way, so the planner can read the figure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.exceptions import NetworkInputError

__all__ = ["MAX_SNAP_KM", "road_km"]

#: Farthest a home base or training area may lie from the road node it is snapped to.
MAX_SNAP_KM = 50.0


def _graph(scenario: Any) -> Any:
    from forcegen.network import load_geojson, load_network

    path = scenario.path_of(scenario.data.network)
    if path.suffix.lower() in (".geojson", ".json"):
        return load_geojson(path)
    return load_network(path, scenario.path_of(scenario.data.nodes))


def _with_km(G: Any) -> Any:
    """The road arcs with a length in km on every arc (great circle where none is given)."""
    from forcegen.network import haversine_km

    roads = G.restrict(("road",))
    straight = haversine_km(roads.lon[roads.tail], roads.lat[roads.tail],
                            roads.lon[roads.head], roads.lat[roads.head])
    km = straight if roads.km is None else np.where(np.isfinite(roads.km), roads.km, straight)
    return dataclasses.replace(roads, km=np.asarray(km, dtype=float), _cache={})


def _snap(G: Any, places: list[Any]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Road node and snap km of each place (``[lon, lat]`` or a node id); -1 when off roads."""
    node = np.full(len(places), -1, dtype=np.int64)
    snap = np.zeros(len(places))
    index = G.index
    for i, at in enumerate(places):
        if isinstance(at, str):
            if at in index:
                node[i] = index[at]
            continue
        if at is None:
            continue
        j, km = G.nearest_node(float(at[0]), float(at[1]), modes=("road",))
        if km <= MAX_SNAP_KM:
            node[i], snap[i] = j, km
    return node, snap


def road_km(scenario: Any, homes: list[Any], areas: list[Any]
            ) -> tuple[NDArray[np.float64], str] | None:
    """Road km from each home to each area (NaN where the roads do not cover the leg), a note.

    ``homes`` and ``areas``: ``[lon, lat]``, a node id (homes) or None. None when the scenario
    has no network, or it holds no road with coordinates.

    Raises
    ------
    forcegen.exceptions.NetworkInputError
        For an unreadable network file (named, with its line).
    """
    from forcegen.network import travel_times

    if not scenario.data.network:
        return None
    G = _graph(scenario)
    if not (G.mode == "road").any() or not np.isfinite(G.lon).any():
        return None
    roads = _with_km(G)
    try:
        h_node, h_snap = _snap(roads, homes)
        a_node, a_snap = _snap(roads, areas)
    except NetworkInputError:  # no road node has coordinates to snap to
        return None
    out = np.full((len(homes), len(areas)), np.nan)
    hs, as_ = np.flatnonzero(h_node >= 0), np.flatnonzero(a_node >= 0)
    if hs.size and as_.size:
        uniq, inv = np.unique(h_node[hs], return_inverse=True)
        km = travel_times(roads, uniq, a_node[as_], weight="km")[inv]
        km = km + h_snap[hs][:, None] + a_snap[as_][None, :]
        out[np.ix_(hs, as_)] = np.where(np.isfinite(km), km, np.nan)
    on = int(np.isfinite(out).sum())
    # Legs with both ends given (the others are counted by the caller's note).
    off = sum(h is not None for h in homes) * sum(a is not None for a in areas) - on
    return out, (f"travel along the road network for {on} home-to-area pair(s) (places snapped "
                 f"to a road within {MAX_SNAP_KM:g} km); {off} pair(s) the roads do not cover "
                 "(an end off the network, or no road between them) count the great circle")
