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

from dataclasses import dataclass
from typing import Any

import numpy as np

from forcegen.deployment._routing import (
    TONS_PER_PERSON,
    _Routes,
    _unit_line,
)
from forcegen.deployment.routes import RoadTimes
from forcegen.exceptions import Problem

__all__ = ["DEFAULT_ENABLERS", "TONS_PER_PERSON", "Derived", "derive_movements",
           "movements_from_plan"]

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

    ``file`` may also be a :class:`~forcegen.scenario.Scenario` already loaded (a workspace's,
    held in memory). Nations in ``withdraw`` are left out of the sourcing; the lines come from
    :func:`derive_movements`.
    """
    from forcegen.scenario import Scenario, load_scenario
    from forcegen.sourcing import SourcingOptions, solve

    scenario = file if isinstance(file, Scenario) else load_scenario(file)
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
    source = scenario.source if isinstance(file, Scenario) else str(file)
    derived, problems = derive_movements(scenario, plan, lift, ports, graph, source,
                                         prepositioned, enablers)
    derived.notes.append(
        f"{len(derived.movements)} unit lines derived from the sourced plan ({plan.status}); "
        "routes chosen line by line (earliest estimated arrival, load-balanced), then "
        "scheduled exactly")
    return derived, problems
