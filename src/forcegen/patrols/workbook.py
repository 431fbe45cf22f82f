"""A patrol plan as an Excel workbook (openpyxl): summary, routes, areas and vessels.

Sheets:

* ``summary``: value covered against the best bound known, the status in words ("proven best"
  only when the bound is met), the greedy baseline, value by nation and by area group;
* ``routes``: one row per stop (vessel, day, nation, leg order, area, arrive and leave hours
  since the patrol starts, value); the day is 1 unless vessels sail on several days (``days``);
* ``areas``: every area, covered (by which vessel) or why not: out of reach, a nation caveat,
  or within reach but not in the routes (not worth the hours, or not in the best routes found
  when the plan is not proven);
* ``vessels``: endurance used per vessel and day (hours sailed and on station, share of
  endurance).

Every table follows :mod:`forcegen.scenario.xlsx_style`: bold frozen header, autofilter, fitted
widths, numbers as numbers, formula-like text neutralised. The file is written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from forcegen.patrols.solve import PatrolPlan
from forcegen.scenario.xlsx_style import PERCENT, save_atomically, write_table

__all__ = ["area_rows", "write_patrol_xlsx"]

# The planner's words for a status (same vocabulary as forcegen.report.words, which this core
# package may not import: both sit on the same layer).
_STATUS_WORDS = {"optimal": "proven best", "feasible": "best found (not proven best)"}
_HOURS = "#,##0.00"


def _day(p: Any, k: int) -> int:
    """Route ``k``'s day (1 when vessels sail once: one route per vessel)."""
    return 1 if p.days is None else int(p.days[k])


def _summary_rows(plan: PatrolPlan) -> list[list[Any]]:
    p = plan.problem
    doc = plan.to_dict()
    rows: list[list[Any]] = [
        ["Patrol", p.name],
        ["Status", _STATUS_WORDS.get(plan.status, plan.status)],
        ["Value covered", plan.total],
        ["Best bound known", plan.bound],
        ["Share of the bound covered", plan.total / plan.bound if plan.bound > 0 else 1.0],
        ["Greedy baseline", plan.greedy_total],
        ["Vessels", len(set(p.vessel_ids))],
        ["Vessels sailing", len({p.vessel_ids[k] for k, r in enumerate(plan.routes) if r})],
        ["Days", 1 if p.days is None else max(p.days)],
        ["Routes sailed (vessel-days)", sum(1 for r in plan.routes if r)],
        ["Areas", p.n_areas],
        ["Areas covered", sum(len(r) for r in plan.routes)],
        ["Areas out of reach", len(p.dropped)],
    ]
    rows += [[f"Value by nation: {k}", v] for k, v in doc["value_by_nation"].items()]
    rows += [[f"Value by area group: {k}", v] for k, v in doc["value_by_group"].items()]
    rows += [["Note", n] for n in doc["notes"]]
    rows += [["Method", plan.method], ["Seconds", round(plan.seconds, 2)]]
    return rows


def _route_rows(plan: PatrolPlan) -> list[list[Any]]:
    p = plan.problem
    rows: list[list[Any]] = []
    for k, route in enumerate(plan.routes):
        _, stops, _ = p.timetable(k, route)
        for order, s in enumerate(stops, start=1):
            rows.append([p.vessel_ids[k], _day(p, k), p.nations[k], order, p.area_ids[s.area],
                         round(s.arrive, 6), round(s.depart, 6), float(p.values[s.area])])
    return rows


def area_rows(plan: PatrolPlan) -> list[list[Any]]:
    """Per area: id, zone, group, value, hours on station, window, status, vessel, why.

    Status is ``covered``, ``out of reach``, ``caveat`` or ``not worth the time``.
    """
    p = plan.problem
    by_area = {a: p.vessel_ids[k] for k, r in enumerate(plan.routes) for a in r}
    dropped = dict(p.dropped)
    rows: list[list[Any]] = []
    for i in range(p.n_areas):
        if i in by_area:
            status, why = "covered", ""
        elif i in dropped:
            # The loader words a caveat as "... may enter zone ... (caveats)"; everything else
            # it drops is too far for every vessel's endurance (or window).
            status = "caveat" if "(caveats)" in dropped[i] else "out of reach"
            why = dropped[i]
        elif not p.allowed[:, i].any():
            status, why = "caveat", f"no vessel may enter zone {p.zones[i]!r} (caveats)"
        elif plan.status == "optimal":
            status = "not worth the time"
            why = "within reach, but the hours it needs cover more value elsewhere (proven)"
        else:
            status = "not worth the time"
            why = "within reach, not in the best routes found (the plan is not proven best)"
        rows.append([p.area_ids[i], p.zones[i] or "", p.groups[i] or "", float(p.values[i]),
                     float(p.station[i]), p.window_text(i), status, by_area.get(i, ""), why])
    return rows


def _vessel_rows(plan: PatrolPlan) -> list[list[Any]]:
    p = plan.problem
    rows: list[list[Any]] = []
    for k, route in enumerate(plan.routes):
        hours, _, _ = p.timetable(k, route)
        on_station = float(p.station[route].sum()) if route else 0.0
        endurance = float(p.endurance[k])
        rows.append([p.vessel_ids[k], _day(p, k), p.nations[k], p.starts[k], p.ends[k],
                     len(route),
                     round(hours, 6), round(on_station, 6), endurance,
                     hours / endurance if endurance > 0 else 0.0,
                     float(p.values[route].sum()) if route else 0.0])
    return rows


def _build(plan: PatrolPlan) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    write_table(ws, ["Item", "Value"], _summary_rows(plan), wrap=["Value"])
    ws["B6"].number_format = PERCENT  # "Share of the bound covered": the 5th row below the header
    write_table(wb.create_sheet("routes"),
                ["Vessel", "Day", "Nation", "Leg", "Area", "Arrive h", "Leave h", "Value"],
                _route_rows(plan), {"Arrive h": _HOURS, "Leave h": _HOURS})
    write_table(wb.create_sheet("areas"),
                ["Area", "Zone", "Group", "Value", "Hours on station", "Window", "Status",
                 "Vessel", "Why"], area_rows(plan), wrap=["Why"])
    write_table(wb.create_sheet("vessels"),
                ["Vessel", "Day", "Nation", "Start", "End", "Stops", "Hours used",
                 "Hours on station", "Endurance h", "Endurance used", "Value"], _vessel_rows(plan),
                {"Hours used": _HOURS, "Hours on station": _HOURS, "Endurance used": PERCENT})
    return wb


def write_patrol_xlsx(plan: PatrolPlan, path: Path) -> Path:
    """Write the patrol workbook to ``path`` atomically (a temporary sibling moved into place).

    Parameters
    ----------
    plan
        The plan (:func:`forcegen.patrols.solve.plan_patrols`).
    path
        The ``.xlsx`` file to write; its folder is created if needed.

    Returns
    -------
    Path
        ``path``.
    """
    wb = _build(plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_atomically(wb, path)
