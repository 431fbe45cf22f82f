"""Pre-positioned relief stocks: the fewest sites reaching every place in ``H`` hours.

Built on the readiness package's siting models.

Candidate sites are the relief section's open airfields (``mode="air"``) or ports (``sea``).
Stock kept at a site leaves at once (no notice): a flight or sailing to the facility nearest
the place (none when it is the same one), loading and unloading at each end, then the last
drive; the legs and speeds are :class:`forcegen.relief.transport.Transport`'s. The places are
the distinct places of the requests (an island asks; a place asked for twice counts once).

The answer is exact: the p-center model of :func:`forcegen.readiness.preposition.preposition`
(``objective="worst"``) is solved for p = 1, 2, ... until the worst hours fit within ``H``;
each smaller p was proven to leave some place farther than ``H``, so the count is the least,
and among sets of that size the worst hours are the least too. Places no open site can reach
within ``H`` at all are reported, not covered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.exceptions import OptionError
from forcegen.network import haversine_km
from forcegen.readiness.preposition import preposition
from forcegen.relief.loader import ReliefProblem
from forcegen.relief.transport import NM_KM

__all__ = ["StockPlan", "plan_stocks", "stock_hours"]


@dataclass
class StockPlan:
    """Where to keep relief stocks, and how soon each place is reached from the nearest one."""

    hours: float
    mode: str
    status: str  # optimal (the fewest sites, proven) | feasible | infeasible
    sites: list[str]
    worst_hours: float | None
    reach: list[dict[str, Any]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    candidates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The plan as one JSON-ready document."""
        return {**self.__dict__, "proven_fewest": self.status == "optimal"}


def _places(prob: ReliefProblem) -> tuple[list[str], NDArray[np.float64]]:
    """Each distinct requesting place (to 1e-4 degree) once: its name and exact position."""
    seen: dict[tuple[float, float], tuple[str, tuple[float, float]]] = {}
    for r in prob.data.requests:
        key = (round(r.at[0], 4), round(r.at[1], 4))
        seen.setdefault(key, (r.place or r.id, r.at))
    pts = np.array([at for _, at in seen.values()], dtype=float).reshape(-1, 2)
    return [name for name, _ in seen.values()], pts


def stock_hours(
    prob: ReliefProblem, mode: str = "air"
) -> tuple[list[str], list[str], NDArray[np.float64]]:
    """Candidate site ids, place names and the sites x places hours (``inf``: no route)."""
    if mode not in ("air", "sea"):
        raise OptionError(f"{{mode}} {mode!r}: expected air or sea", "mode")
    t = prob.transport
    s = t.settings
    live = np.flatnonzero(t.usable[mode])
    sites = [t.facilities[mode][i].id for i in live]
    names, pts = _places(prob)
    arrive, last = t.access(mode, pts)
    hours = np.full((live.size, len(names)), math.inf)
    ok = np.flatnonzero(arrive >= 0)
    if live.size == 0 or ok.size == 0:
        return sites, names, hours
    c = t.coords[mode]
    if mode == "air":
        a, b = c[live], c[arrive[ok]]
        km = haversine_km(a[:, None, 0], a[:, None, 1], b[None, :, 0], b[None, :, 1])
        hop = km / s.air_speed
    else:
        t._route_sea(np.concatenate([live, arrive[ok]]))
        pa, pb = t.sea_pos[live], t.sea_pos[arrive[ok]]
        hop = t.sea_nm[pa[:, None], pb[None, :]] * NM_KM / (s.sea_speed * NM_KM)
    hop = np.where(live[:, None] == arrive[ok][None, :], 0.0, hop + 2 * s.handling_hours)
    hours[:, ok] = hop + last[ok][None, :]
    return sites, names, hours


def plan_stocks(
    prob: ReliefProblem, hours: float, *, mode: str = "air", time_limit: float = 60.0
) -> StockPlan:
    """The fewest stock sites reaching every place within ``hours`` (see the module)."""
    if not (0 < hours <= 8760):
        raise OptionError(f"{{hours}} {hours}: expected hours between 0 and 8760", "hours")
    sites, names, cost = stock_hours(prob, mode)
    reachable: NDArray[np.bool_] = np.asarray((cost <= hours + 1e-9).any(axis=0), dtype=bool)
    out = StockPlan(
        hours,
        mode,
        "infeasible",
        [],
        None,
        unreachable=[n for n, ok in zip(names, reachable.tolist(), strict=True) if not ok],
        candidates=len(sites),
    )
    cols = np.flatnonzero(reachable)
    if cols.size == 0:
        return out
    sub = cost[:, cols]
    for p in range(1, len(sites) + 1):
        res = preposition(
            sub,
            np.ones(cols.size),
            sites,
            [names[j] for j in cols],
            p=p,
            objective="worst",
            time_limit=time_limit,
            method="exact",
        )
        if res.status != "optimal":
            out.status = "feasible"  # not proven: the count may not be the least
        if res.objective <= hours + 1e-9:
            chosen = [sites.index(d) for d in res.depots]
            near = sub[chosen]
            best = near.argmin(axis=0)
            out.sites, out.worst_hours = list(res.depots), float(near.min(axis=0).max())
            out.reach = [
                {
                    "place": names[j],
                    "site": res.depots[int(best[k])],
                    "hours": round(float(near[best[k], k]), 2),
                }
                for k, j in enumerate(cols)
            ]
            if out.status == "infeasible":
                out.status = "optimal"
            return out
    return out
