"""Transport networks and the travel-time engine.

A :class:`TransportGraph` holds nodes (id, lon, lat) and directed arcs (hours, mode). Load one
with :func:`load_network` (``network.csv`` + ``nodes.csv``) or :func:`load_geojson`; ask it with
:func:`travel_times`, :func:`nearest_facility` and :func:`route`.

Examples
--------
>>> from forcegen.network import TransportGraph, travel_times
>>> G = TransportGraph.from_edges(["a", "b"], [20.0, 21.0], [50.0, 50.0], ["a"], ["b"], [2.0])
>>> travel_times(G, ["a", "b"]).tolist()
[[0.0, 2.0], [2.0, 0.0]]
"""

from forcegen.network._geo import haversine_km
from forcegen.network._graph import NodeRef, TransportGraph
from forcegen.network.io import load_geojson, load_network
from forcegen.network.multimodal import add_air_links, load_airfields, load_ports
from forcegen.network.paths import Route, nearest_facility, route, travel_times
from forcegen.network.speeds import DEFAULT_SPEEDS, MODES, Speeds

__all__ = [
    "DEFAULT_SPEEDS",
    "MODES",
    "NodeRef",
    "Route",
    "Speeds",
    "TransportGraph",
    "add_air_links",
    "haversine_km",
    "load_airfields",
    "load_geojson",
    "load_network",
    "load_ports",
    "nearest_facility",
    "route",
    "travel_times",
]
