"""Result types of the response analysis (:func:`forcegen.readiness.response.analyze_response`).

Kept apart from the computation so that :mod:`forcegen.readiness.response` stays a few hundred
lines; they are re-exported from there, which remains their public home.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.network import TransportGraph

__all__ = ["Arrival", "ResponseResult", "SectorResponse", "Unreachable"]


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
    #: (pledge, sector) -> the (n, 2) lon/lat line a ship sails (around the coast to the port
    #: nearest the sector, then on), and whether a sea passage was found (else a straight,
    #: estimated leg). For the map; not part of :meth:`to_dict`.
    sea_paths: dict[tuple[str, str], tuple[NDArray[np.float64], bool]] = field(
        default_factory=dict, repr=False)

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
