"""Placing the response analysis's sectors, depots and home bases on the transport network.

Private helpers of :func:`forcegen.readiness.response.analyze_response`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from forcegen.exceptions import NetworkInputError
from forcegen.network import TransportGraph
from forcegen.readiness._modes import country_at, movement_class
from forcegen.readiness._response_types import Unreachable

__all__ = ["_Homes", "_home_at", "_place", "_place_homes"]


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
