"""Routing one unit line: its cargo, and the lift type, POE and POD of earliest arrival.

Split from :mod:`forcegen.deployment.derive` (which re-exports the constants and describes
the rule: the option with the earliest estimated arrival, counting the days of work already
booked on each lift type and port, so that not every battalion queues for the same ship).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcegen.deployment.routes import HANDLING_DAYS, KIND_MODES, leg_hours
from forcegen.exceptions import Problem

__all__ = ["ROAD_HOURS_PER_DAY", "TONS_PER_PERSON"]

#: Hours a convoy drives a day (road legs to a port and onward from it).
ROAD_HOURS_PER_DAY = 12.0
#: Personal kit and first-line stocks carried with each person (tons).
TONS_PER_PERSON = 0.1

@dataclass
class _Routes:
    """What routing a unit line needs: the network times, the ports and the work booked."""

    road: Any
    lift: list[Any]
    poe_ids: list[str]
    pod_ids: list[str]
    kinds: dict[str, str]
    thr: dict[str, int | None]
    serves: dict[str, set[str]]
    poe_hours: Any
    pod_hours: Any
    sec_ids: list[str]
    port_at: dict[str, Any]
    sector_at: dict[str, Any]
    booked: dict[str, float]  # days of work booked on a lift type or port


def _unit_line(n: int, a: Any, home: Any, scenario: Any, prepositioned: tuple[str, ...],
               routes: _Routes, source: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The ``n``-th unit line (assignment ``a``), routed; None (a problem reported) if none."""
    pl, rq = scenario.pledge_by_id[a.pledge], scenario.requirement_by_id[a.requirement]
    cap = scenario.catalog[pl.capability]
    pre = pl.capability in prepositioned or pl.id in prepositioned
    tons = (0.0 if pre else float(cap.tons or 0) * a.units) + TONS_PER_PERSON * a.personnel
    dest = rq.sector
    rec: dict[str, Any] = {
        "id": f"ULN-{n + 1:04d}", "unit": a.pledge, "nation": a.nation,
        "origin": list(home), "destination": dest, "sector": dest,
        "priority": rq.priority, "available": int(pl.notice_days),
        "required": int(rq.notice_days), "x-capability": pl.capability,
        "x-tons": round(tons, 1), **({"x-prepositioned": True} if pre else {}),
    }
    if not cap.tons:  # moves by its own means: no lift, no port
        hours = leg_hours("sea" if cap.category == "maritime" else "air",
                          home, routes.sector_at[dest])
        rec.update(days=max(1, math.ceil(hours / 24)), lift={}, **{"x-mode": "own means"})
        return rec
    home_sector, _ = routes.road.matrix([home], [routes.sector_at[dest]])
    if np.isfinite(home_sector[0, 0]) and (not routes.poe_ids or home_sector[0, 0]
                                           < float(np.min(routes.poe_hours[n]))):
        # Nearer its sector than any port: already in theatre, it drives there itself.
        rec.update(days=max(1, math.ceil(home_sector[0, 0] / ROAD_HOURS_PER_DAY)),
                   lift={}, **{"x-mode": "road (own vehicles)"})
        return rec
    r = routes
    best = _best_route(n, home, tons, bool(cap.outsize) and not pre, dest, r.lift,
                       r.poe_ids, r.pod_ids, r.kinds, r.thr, r.serves, r.poe_hours,
                       r.pod_hours, r.sec_ids, r.port_at, r.booked)
    if best is None:
        problems.append(Problem(source, f"no route for {a.pledge!r} ({pl.capability}) to "
                                f"sector {dest!r}: no lift type with a port of embarkation "
                                "and a port of debarkation of its mode"
                                + (" (outsize cargo: ship, rail or road only)"
                                   if cap.outsize else ""), None, "ports"))
        return None
    _, lt, poe, pod, days, k = best
    rec.update(poe=poe, pod=pod, days=days, lift={lt.id: k})
    thr = r.thr
    for key, use in ((lt.id, k / max(lt.capacity, 1)),
                     (poe, k / max(thr[poe] or 10**9, 1)) if poe else ("", 0.0),
                     (pod, k / max(thr[pod] or 10**9, 1))):
        r.booked[key] = r.booked.get(key, 0.0) + use * days
    return rec


def _best_route(n: int, home: Any, tons: float, outsize: bool, dest: str, lift: list[Any],
                poe_ids: list[str], pod_ids: list[str], kinds: dict[str, str],
                thr: dict[str, int | None], serves: dict[str, set[str]], poe_hours: Any,
                pod_hours: Any, sec_ids: list[str], port_at: dict[str, Any],
                booked: dict[str, float]) -> tuple[Any, ...] | None:
    """The (estimate, lift type, POE, POD, days, lift per day) with the earliest estimate."""
    best: tuple[Any, ...] | None = None
    col = sec_ids.index(dest)
    for lt in lift:
        if lt.capacity <= 0 or (outsize and lt.mode == "air"):
            continue
        payload = lt.payload or 1.0
        for b, pod in enumerate(pod_ids):
            if (lt.mode not in KIND_MODES[kinds[pod]] or dest not in serves[pod]
                    or thr[pod] == 0):  # throughput 0: the port is closed
                continue
            onward = float(pod_hours[b, col])
            if not np.isfinite(onward):
                continue
            # Road moves start at home (POE: none); the others at a POE of their mode.
            starts = ([(None, 0.0)] if lt.mode == "road" else
                      [(poe, float(poe_hours[n, a])) for a, poe in enumerate(poe_ids)
                       if lt.mode in KIND_MODES[kinds[poe]] and poe != pod
                       and thr[poe] != 0])
            for poe, to_poe in starts:
                if not np.isfinite(to_poe):
                    continue
                limit = min(lt.capacity, *(t for t in (thr.get(poe or ""), thr[pod]) if t))
                if limit <= 0:
                    continue
                loads = math.ceil(tons / payload)
                trips = math.ceil(loads / limit)
                k = math.ceil(loads / trips)
                src = port_at[poe] if poe else None
                # A road move drives from home to the crossing: that is its whole leg.
                leg = leg_hours(lt.mode, src or home, port_at[pod])
                per_trip = math.ceil(leg / (ROAD_HOURS_PER_DAY if lt.mode == "road" else 24)
                                     ) + HANDLING_DAYS[lt.mode]
                road_h = (to_poe if poe else 0.0) + onward
                days = max(1, math.ceil(road_h / ROAD_HOURS_PER_DAY) + trips * per_trip)
                wait = max(booked.get(lt.id, 0.0), booked.get(poe or "", 0.0),
                           booked.get(pod, 0.0))
                key = (wait + days, lt.id, poe or "", pod)
                if best is None or key < best[0]:
                    best = (key, lt, poe, pod, days, k)
    return best
