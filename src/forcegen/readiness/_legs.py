"""Travel-time tables and per-assignment arrival times of the response analysis.

Private helpers of :func:`forcegen.readiness.response.analyze_response`: one shortest-path
table per leg (home -> sector, home -> depot, depot -> sector) computed once, then looked up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.network import Speeds, TransportGraph, haversine_km, travel_times
from forcegen.readiness._modes import SeaPassages
from forcegen.readiness._places import _Homes
from forcegen.readiness._response_types import Arrival

__all__ = ["_Legs", "_airlift"]


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


class _Legs:
    """Travel-time tables between home bases, depots and sectors, computed once per analysis."""

    def __init__(
        self, ground: TransportGraph, personnel_graph: TransportGraph, speeds: Speeds,
        home_pos: dict[str, tuple[int, float]], sec_pos: dict[str, tuple[int, float]],
        dep_pos: dict[str, tuple[int, float]], homes: _Homes,
        sec_at: dict[str, tuple[float, float]], ship_sectors: set[str] | None = None,
    ) -> None:
        self.speeds = speeds
        self.fly, self.may_fly, self.ships, self.sec_at = (homes.fly, homes.may_fly,
                                                           homes.ships, sec_at)
        self.sea_port: dict[tuple[str, str], str] = {}
        # Only the sectors ships sail to widen the sea grid.
        self.sea = SeaPassages(list(homes.ships.values()),
                               [sec_at[s] for s in sorted(ship_sectors or ())])
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
            hours, port = self.sea.sail(self.ships[pid], self.sec_at[sid], self.speeds)
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
