"""Unit lines derived from the sourced plan: route, lift and enablers-first ``after`` rules.

Every assignment of the sourcing plan (a pledge's units sent to a requirement) becomes one unit
line (ULN) from the pledge's home through a port of embarkation (POE) and a port of debarkation
(POD) to the requirement's sector. Its cargo is the capability's catalog ``tons`` per unit plus
:data:`TONS_PER_PERSON` for each person; ``outsize`` cargo (tracked and heavy vehicles) goes by
ship, rail or road, never by air; a capability with ``tons: 0`` moves by its own means (ships
sail, aircraft fly) and needs no lift.

The route is chosen unit line by unit line, most urgent first, as the option (lift type, POE,
POD) with the earliest estimated arrival, where the estimate adds the days of work already
booked on that lift type and those ports: a load-balancing rule, so that not every battalion
queues for the same ship. The exact scheduler then orders the lines; it does not revisit the
route (said in the notes and docs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcegen.deployment.routes import HANDLING_DAYS, KIND_MODES, RoadTimes, leg_hours
from forcegen.exceptions import Problem

__all__ = ["DEFAULT_ENABLERS", "TONS_PER_PERSON", "Derived", "derive_movements",
           "movements_from_plan"]

#: Hours a convoy drives a day (road legs to a port and onward from it).
ROAD_HOURS_PER_DAY = 12.0
#: Personal kit and first-line stocks carried with each person (tons).
TONS_PER_PERSON = 0.1
#: Default tiers (enablers first): tier 0 opens the theatre, tier 1 commands and sustains a
#: sector; in each sector a line waits for the lines of the nearest lower tier there. A
#: scenario's ``enablers`` mapping replaces this table (``{}``: no rules).
DEFAULT_ENABLERS: dict[str, int] = {
    "HQ-FORCE": 0, "JLSG-HQ": 0, "SPOD-TEAM": 0, "MOVCON-TEAM": 0,
    "HQ-DIV": 1, "HQ-BDE": 1, "LOG-BN": 1, "SIGNAL-BN": 1,
}


@dataclass
class Derived:
    """Unit lines derived from the sourced plan (records for ``Movement``) and notes."""

    movements: list[dict[str, Any]]
    notes: list[str]


def _place(item: Any, graph: Any) -> tuple[float, float] | None:
    at = getattr(item, "at", None) if not isinstance(item, list | tuple) else item
    if isinstance(at, list | tuple):
        return float(at[0]), float(at[1])
    node = getattr(item, "node", None) if at is None else at
    if node is not None and graph is not None and str(node) in graph.index:
        k = graph.index[str(node)]
        return float(graph.lon[k]), float(graph.lat[k])
    return None


def _places(items: list[Any], graph: Any, what: str, section: str, source: str,
            problems: list[Problem]) -> dict[str, Any]:
    """Lon/lat of each item by id; None (with a problem reported) when it has none."""
    at: dict[str, Any] = {}
    for item in items:
        pt = _place(item, graph)
        if pt is None:
            problems.append(Problem(source, what.format(item.id), None, section))
        at[item.id] = pt
    return at


def _check_served_sectors(ports: list[Any], pod_ids: list[str], sec_ids: list[str],
                          pod_hours: Any, source: str, problems: list[Problem]) -> None:
    """Each sector a port of debarkation says it serves exists and is reachable from it."""
    for a, pid in enumerate(pod_ids):
        port = next(p for p in ports if p.id == pid)
        for sid in port.sectors or []:
            if sid not in sec_ids:
                problems.append(Problem(source, f"port {pid!r}: unknown sector {sid!r} in "
                                        f"`sectors`; expected one of: {', '.join(sec_ids)}",
                                        None, "ports"))
            elif not np.isfinite(pod_hours[a, sec_ids.index(sid)]):
                problems.append(Problem(source, f"port {pid!r}: no route on the network to "
                                        f"sector {sid!r} it is said to serve", None, "ports"))


def _homes(rows: list[Any], scenario: Any, graph: Any, source: str,
           problems: list[Problem]) -> list[Any]:
    """The home of each assignment's pledge; every capability moved must have catalog tons."""
    pledges = scenario.pledge_by_id
    homes: list[Any] = []
    for a in rows:
        pt = _place(pledges[a.pledge].home, graph) if pledges[a.pledge].home is not None else None
        if pt is None:
            problems.append(Problem(source, f"pledge {a.pledge!r} has no home (lon, lat or a "
                                    "known node): derived unit lines start there", None,
                                    "pledges"))
        homes.append(pt)
    for code in sorted({pledges[a.pledge].capability for a in rows}):
        if scenario.catalog[code].tons is None:
            problems.append(Problem(source, f"capability {code!r} has no `tons` in the "
                                    "catalog: give its equipment tons per unit", None,
                                    "catalog"))
    return homes


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


def derive_movements(scenario: Any, plan: Any, lift: list[Any], ports: list[Any],
                     graph: Any, source: str, prepositioned: tuple[str, ...] = (),
                     enablers: dict[str, int] | None = None
                     ) -> tuple[Derived, list[Problem]]:
    """Unit lines for every assignment of ``plan`` (see the module text).

    ``prepositioned``: capability codes or pledge ids whose heavy equipment waits in theatre;
    their lines carry only their personnel (never outsize). Returns the movements as records
    for :class:`~forcegen.deployment.model.Movement` and the
    problems found (places missing, capability without ``tons``, ports serving no sector).
    """
    problems: list[Problem] = []
    notes: list[str] = []
    reqs = scenario.requirement_by_id
    sector_at = _places(scenario.sectors, graph, "sector {!r} has no `at` (or no known "
                        "`node`): derived unit lines need a destination", "sectors", source,
                        problems)
    port_at = _places(ports, graph, "port {!r} has no `at` (or no known `node`)", "ports",
                      source, problems)
    if problems:
        return Derived([], notes), problems
    road = RoadTimes(graph)
    pod_ids = [p.id for p in ports if p.use != "embark"]
    sec_ids = list({s.id: s for s in scenario.sectors})
    pod_hours, _ = road.matrix([port_at[i] for i in pod_ids], [sector_at[i] for i in sec_ids])
    _check_served_sectors(ports, pod_ids, sec_ids, pod_hours, source, problems)
    serves = {pid: set(next(p for p in ports if p.id == pid).sectors or sec_ids)
              for pid in pod_ids}
    rows = sorted(plan.assignments, key=lambda a: (reqs[a.requirement].priority,
                                                   reqs[a.requirement].notice_days,
                                                   a.requirement, a.pledge))
    homes = _homes(rows, scenario, graph, source, problems)
    if problems:
        return Derived([], notes), problems
    poe_ids = [p.id for p in ports if p.use != "debark"]
    poe_hours, _ = road.matrix(homes, [port_at[i] for i in poe_ids]) if rows else (
        np.zeros((0, len(poe_ids))), None)
    routes = _Routes(road, lift, poe_ids, pod_ids, {p.id: p.kind for p in ports},
                     {p.id: p.throughput for p in ports}, serves, poe_hours, pod_hours,
                     sec_ids, port_at, sector_at, {})
    tiers = (enablers if enablers is not None else scenario.data.enablers
             if scenario.data.enablers is not None else DEFAULT_ENABLERS)
    for code in sorted(set(tiers) - set(scenario.catalog)):
        problems.append(Problem(source, f"enablers: unknown capability {code!r}; expected "
                                "codes of the catalog", None, "enablers"))
    out: list[dict[str, Any]] = []
    for n, a in enumerate(rows):
        rec = _unit_line(n, a, homes[n], scenario, prepositioned, routes, source, problems)
        if rec is not None:
            out.append(rec)
    _enablers_first(out, tiers)
    return Derived(out, notes), problems


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


def _enablers_first(out: list[dict[str, Any]], tiers: dict[str, int]) -> None:
    """Default ``after``: enablers first, sector by sector.

    A line of tier t waits for the lines of the highest tier below t in its own sector;
    lines of capabilities not in ``tiers`` come last. Sector-scoped on purpose: a
    theatre-wide rule made the whole force wait for the slowest movement-control team of any
    sector.
    """
    if not tiers:
        return
    last = max(tiers.values()) + 1

    def tier(r: dict[str, Any]) -> int:
        return tiers.get(r["x-capability"], last)

    by_sector: dict[str, list[dict[str, Any]]] = {}
    for r in out:
        by_sector.setdefault(r["sector"], []).append(r)
    for rows in by_sector.values():
        for r in rows:
            below = [tier(o) for o in rows if tier(o) < tier(r)]
            if below:
                t = max(below)
                r["after"] = [o["id"] for o in rows if tier(o) == t]


def movements_from_plan(file: Any, lift: list[Any], ports: list[Any], *,
                        withdraw: tuple[str, ...] = (), prepositioned: tuple[str, ...] = (),
                        enablers: dict[str, int] | None = None
                        ) -> tuple[Derived, list[Problem]]:
    """Load the whole scenario at ``file``, source it and derive its unit lines.

    Nations in ``withdraw`` are left out of the sourcing; the lines come from
    :func:`derive_movements`.
    """
    from forcegen.scenario import load_scenario
    from forcegen.sourcing import SourcingOptions, solve

    scenario = load_scenario(file)
    from forcegen.exceptions import OptionError, one_of

    codes = {c.code for c in scenario.nations}
    for code in withdraw:
        if code not in codes:
            raise OptionError(f"{{withdraw}} {code}: unknown nation; expected {one_of(codes)}",
                              "withdraw")
    plan = solve(scenario, SourcingOptions(withdraw=withdraw))
    used = {a.pledge for a in plan.assignments}
    used |= {scenario.pledge_by_id[p].capability for p in used}
    for item in prepositioned:
        if item not in used:
            raise OptionError(f"{{prepositioned}} {item}: no unit of the sourced plan has that "
                              "capability code or pledge id", "prepositioned")
    graph = None
    path = scenario.path_of(scenario.data.network)
    if path is not None:
        from forcegen.network import load_geojson, load_network

        graph = (load_geojson(path) if path.suffix.lower() in (".geojson", ".json")
                 else load_network(path, scenario.path_of(scenario.data.nodes)))
    derived, problems = derive_movements(scenario, plan, lift, ports, graph, str(file),
                                         prepositioned, enablers)
    derived.notes.append(
        f"{len(derived.movements)} unit lines derived from the sourced plan ({plan.status}); "
        "routes chosen line by line (earliest estimated arrival, load-balanced), then "
        "scheduled exactly")
    return derived, problems
