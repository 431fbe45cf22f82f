"""Travel times for derived unit lines: road legs on the scenario's network, strategic legs by mode.

A derived unit line runs home -> port of embarkation (road) -> port of debarkation (the lift's
mode) -> sector (road). Road legs use the scenario's network when both ends snap to it within
:data:`SNAP_KM`; otherwise (a home across an ocean, a scenario without a network) they are
estimated from the great-circle distance, because a plan with an estimate beats no plan. A port
of debarkation the network connects to no sector it is said to serve is an input error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.network import haversine_km

__all__ = ["HANDLING_DAYS", "KIND_MODES", "SNAP_KM", "SPEED_KMH", "RoadTimes", "leg_hours"]

#: Planning speeds (km/h, including the detour factor below) of a strategic leg, by mode.
SPEED_KMH = {"air": 650.0, "sea": 28.0, "rail": 35.0, "road": 45.0}
#: Detour of the real track over the great circle (sea lanes round peninsulas, rail lines).
DETOUR = {"air": 1.05, "sea": 1.6, "rail": 1.3, "road": 1.3}
#: Days to load and unload at the ports, once per trip.
HANDLING_DAYS = {"air": 1, "sea": 2, "rail": 1, "road": 0}
#: Which lift modes a port of each kind handles.
KIND_MODES = {"airport": ("air",), "seaport": ("sea",), "railhead": ("rail",),
              "border-crossing": ("rail", "road")}
#: Farthest a place may lie from the network to use it (beyond: great-circle estimate).
SNAP_KM = 50.0


def leg_hours(mode: str, a: Sequence[float], b: Sequence[float]) -> float:
    """Planning hours of a strategic leg between two lon/lat points."""
    km = float(haversine_km(a[0], a[1], b[0], b[1]))
    return km * DETOUR[mode] / SPEED_KMH[mode]


@dataclass
class RoadTimes:
    """Road hours between places (lon/lat), on the network when both ends snap to it."""

    graph: Any | None = None

    def _snap(self, pts: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        if self.graph is None or len(pts) == 0:
            return np.zeros(len(pts), dtype=np.int64), np.zeros(len(pts), dtype=bool)
        idx, km = self.graph.nearest_nodes(pts[:, 0], pts[:, 1], modes={"road"})
        return idx, km <= SNAP_KM

    def matrix(self, a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]
               ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Hours from each of ``a`` to each of ``b``, and whether the network measured it.

        ``inf`` where the network holds both ends but no road joins them.
        """
        pa = np.asarray(a, dtype=float).reshape(-1, 2)
        pb = np.asarray(b, dtype=float).reshape(-1, 2)
        km = haversine_km(pa[:, None, 0], pa[:, None, 1], pb[None, :, 0], pb[None, :, 1])
        est = np.asarray(km, dtype=float) * DETOUR["road"] / SPEED_KMH["road"]
        on = np.zeros(est.shape, dtype=bool)
        if self.graph is None or est.size == 0:
            return est, on
        from forcegen.network import travel_times

        ia, oka = self._snap(pa)
        ib, okb = self._snap(pb)
        on = oka[:, None] & okb[None, :]
        if on.any():
            rows = np.flatnonzero(oka)
            cols = np.flatnonzero(okb)
            net = travel_times(self.graph, ia[rows], ib[cols])
            est[np.ix_(rows, cols)] = net
        return est, on
