"""A deployment plan as the Excel workbook a movement staff officer sends on (openpyxl).

Sheets: ``summary`` (status in words, closure day against its proven bound, lines late, the
peak use of each lift type and port), ``unit lines`` (the time-phased force list with the
reason each late line is late), ``closure`` (closure day by sector and by priority),
``closure curve`` (share of the force in place by day, with a native Excel line chart),
``lift use`` and ``port use`` (units in use each day against the daily capacity). Every table
follows the look of the other workbooks (:mod:`forcegen.scenario.xlsx_style`): bold frozen
header, autofilter, fitted widths, numbers as numbers, formula-like text neutralised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from forcegen.deployment.result import DeploymentResult
from forcegen.scenario.xlsx_style import (
    INTEGER,
    PERCENT,
    append_row,
    fit_widths,
    save_atomically,
    write_table,
)

__all__ = ["deployment_xlsx_bytes", "units_in_use", "use_table", "write_deployment_xlsx"]

# The planner's words for a solver status (as in forcegen.report.words, a sibling layer).
_STATUS_WORDS = {
    "optimal": "proven best",
    "feasible": "best found",
    "infeasible": "no plan meets every constraint",
}


def units_in_use(result: DeploymentResult) -> tuple[list[str], np.ndarray]:
    """Lift (or port throughput) units in use on each day, ``(resources, (R, closure))``.

    Day ``d`` counts every line with ``start <= d < arrive``.
    """
    p, start = result.problem, result.plan.start
    if start is None or p.n == 0:
        return list(p.resources), np.zeros((len(p.resources), 0), dtype=np.int64)
    arrive = start + p.dur
    use = np.zeros((len(p.resources), int(arrive.max())), dtype=np.int64)
    for i in range(p.n):
        use[:, int(start[i]):int(arrive[i])] += p.demand[i][:, None]
    return list(p.resources), use


def _place(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return f"{v[0]:.2f}, {v[1]:.2f}"
    return v


def _status_text(doc: dict[str, Any]) -> str:
    words = _STATUS_WORDS.get(doc["status"], doc["status"])
    if doc["closure"] is None:
        return f"{words}: no plan found"
    if doc["closure"] == doc["bound"]:
        return f"{words}: closure day {doc['closure']}, no plan closes earlier"
    return f"{words}: closure day {doc['closure']}, no plan closes before day {doc['bound']}"


def _peaks(names: list[str], use: np.ndarray, caps: np.ndarray) -> list[list[Any]]:
    """Per resource: kind, name, daily capacity, peak use, first peak day, mean share busy."""
    rows = []
    for k, name in enumerate(names):
        peak = int(use[k].max()) if use.shape[1] else 0
        day = int(np.argmax(use[k])) if use.shape[1] else None
        share = float(use[k].mean() / caps[k]) if use.shape[1] and caps[k] > 0 else 0.0
        kind, _, rid = name.rpartition(":")
        rows.append(["port" if kind == "port" else "lift", rid, int(caps[k]), peak, day, share])
    return rows


def _summary(wb: Workbook, source: str, doc: dict[str, Any], peaks: list[list[Any]],
             marking: str | None) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    ws["A1"] = "Deployment plan"
    ws["A1"].font = Font(bold=True, size=14)
    busiest = max(peaks, key=lambda r: (r[5], r[1]), default=None)
    items: list[tuple[str, Any, str | None]] = [
        *([("Marking", marking, None)] if marking else []),
        ("Scenario", source, None),
        ("Status", _status_text(doc), None),
        ("Closure day", doc["closure"], INTEGER),
        ("Closure date", doc["closure_date"], None),
        ("Proven bound (no plan closes before)", doc["bound"], INTEGER),
        ("Greedy baseline closure day", doc["baseline"]["closure"], INTEGER),
        ("Unit lines", len(doc["movements"]), INTEGER),
        ("Lines late", len(doc["late"]), INTEGER),
        ("Days late in total", doc["lateness"] or 0, INTEGER),
        ("Lines missing their latest day", len(doc["deadline_misses"]), INTEGER),
        ("Bottleneck (busiest on average)",
         f"{busiest[0]} {busiest[1]} ({busiest[5]:.0%} busy)" if busiest else None, None),
    ]
    for label, value, fmt in items:
        append_row(ws, [label, value])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        if fmt and value is not None:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
    top = ws.max_row + 2
    ws.cell(row=top, column=1, value="Peak use of lift and ports").font = Font(bold=True, size=12)
    header = ["Kind", "Lift or port", "Daily capacity", "Peak in use", "First peak day",
              "Busy on average"]
    append_row(ws, header)
    for cell in ws[top + 1]:
        cell.font = Font(bold=True)
    for r in peaks:
        append_row(ws, r)
        row = ws._current_row
        for col in (3, 4, 5):
            ws.cell(row=row, column=col).number_format = INTEGER
        ws.cell(row=row, column=6).number_format = PERCENT
    for note in doc["notes"]:
        append_row(ws, ["Note", note])
    fit_widths(ws, fixed={"A": 38, "B": 60})


def _line_rows(doc: dict[str, Any]) -> list[list[Any]]:
    late = {x["id"]: x for x in doc["late"]}
    rows = []
    for r in doc["movements"]:
        why = late.get(r["id"], {})
        rows.append([r["id"], r["unit"], r["nation"], _place(r["origin"]), r["poe"], r["pod"],
                     r["sector"], r["priority"], r["mode"],
                     "; ".join(f"{k} {n}" for k, n in r["lift"].items()) or None,
                     r["available"], r["start"], r["start_date"], r["arrive"],
                     r["arrive_date"], r["required"], r["latest"], r["late"],
                     why.get("reason"), why.get("fix")])
    return rows


_LINE_HEADER = ["ULN", "Unit", "Nation", "From", "POE", "POD", "Sector", "Priority", "Mode",
                "Lift per day", "Ready to load day", "Depart day", "Depart date", "Arrive day",
                "Arrive date", "Required day", "Latest day", "Late by (days)", "Reason", "Fix"]


def _closure_rows(doc: dict[str, Any]) -> list[list[Any]]:
    """Sector and priority groups: lines, lines late, days late, closure day."""
    rows = []
    for key, label in (("sector", "Sector"), ("priority", "Priority")):
        groups: dict[Any, list[dict[str, Any]]] = {}
        for r in doc["movements"]:
            if r[key] is not None:
                groups.setdefault(r[key], []).append(r)
        for name in sorted(groups, key=str):
            g = groups[name]
            arrive = [r["arrive"] for r in g if r["arrive"] is not None]
            rows.append([label, str(name), len(g), sum(1 for r in g if r["late"]),
                         sum(r["late"] for r in g), max(arrive) if arrive else None])
    return rows


def _curve(ws: Any, doc: dict[str, Any]) -> None:
    """Share of unit lines arrived by each day (whole force, each sector), and its chart."""
    rows = [r for r in doc["movements"] if r["arrive"] is not None]
    sectors = sorted({str(r["sector"]) for r in rows if r["sector"] is not None})
    end = max((r["arrive"] for r in rows), default=0)
    groups = [("Whole force", rows)] + [
        (s, [r for r in rows if str(r["sector"]) == s]) for s in sectors]
    arrays = [(name, np.sort(np.asarray([r["arrive"] for r in g], dtype=np.int64)))
              for name, g in groups]
    table = []
    for day in range(end + 1):
        table.append([day, *(float(np.searchsorted(a, day, side="right") / a.size) if a.size
                             else 0.0 for _, a in arrays)])
    header = ["Day", *(name for name, _ in arrays)]
    write_table(ws, header, table, {h: PERCENT for h in header[1:]})
    if not table:
        return
    chart = LineChart()
    chart.title = f"Closure curve: whole force in place on day {doc['closure']}"
    chart.y_axis.title = "share of unit lines in place"
    chart.y_axis.numFmt = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.x_axis.title = "day from C-day"
    data = Reference(ws, min_col=2, max_col=len(header), min_row=1, max_row=len(table) + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(table) + 1))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, f"{get_column_letter(len(header) + 2)}2")


def _use_sheet(wb: Workbook, title: str, names: list[str], use: np.ndarray,
               caps: np.ndarray, keep: list[int]) -> None:
    """Units in use by day for the resources ``keep``; the capacity in each header."""
    ws = wb.create_sheet(title)
    header = ["Day", *(f"{names[k].removeprefix('port:')} (of {int(caps[k])})" for k in keep)]
    rows = [[d, *(int(use[k, d]) for k in keep)] for d in range(use.shape[1])]
    write_table(ws, header, rows, {h: INTEGER for h in header})


def use_table(result: DeploymentResult) -> dict[str, Any]:
    """Units of each lift type and port in use by day, as JSON.

    ``resources``, ``capacity`` and ``days`` (one list per resource, day 0 up to the closure).
    """
    names, use = units_in_use(result)
    return {"resources": names, "capacity": [int(c) for c in result.problem.capacity],
            "days": use.tolist()}


def _build(source: str, doc: dict[str, Any], table: dict[str, Any],
           marking: str | None = None) -> Workbook:
    names = list(table["resources"])
    caps = np.asarray(table["capacity"], dtype=np.int64)
    use = np.asarray(table["days"], dtype=np.int64).reshape(len(names), -1)
    wb = Workbook()
    _summary(wb, source, doc, _peaks(names, use, caps), marking)
    write_table(wb.create_sheet("unit lines"), _LINE_HEADER, _line_rows(doc),
                {h: INTEGER for h in _LINE_HEADER[10:18] if "date" not in h}, wrap=["Fix"])
    write_table(wb.create_sheet("closure"),
                ["Group", "Name", "Lines", "Lines late", "Days late", "Closure day"],
                _closure_rows(doc), {h: INTEGER for h in ("Lines", "Lines late", "Days late",
                                                           "Closure day")})
    _curve(wb.create_sheet("closure curve"), doc)
    lift = [k for k, n in enumerate(names) if not n.startswith("port:")]
    ports = [k for k, n in enumerate(names) if n.startswith("port:")]
    _use_sheet(wb, "lift use", names, use, caps, lift)
    _use_sheet(wb, "port use", names, use, caps, ports)
    return wb


def write_deployment_xlsx(result: DeploymentResult, path: Path,
                          doc: dict[str, Any] | None = None) -> Path:
    """Write the deployment workbook to ``path`` (atomically: a temporary sibling renamed).

    Parameters
    ----------
    result
        The solved deployment (:func:`forcegen.deployment.plan_deployment`).
    path
        The ``.xlsx`` file to write; its folder must exist.
    doc
        ``result.to_dict()`` when the caller already has it.

    Returns
    -------
    Path
        ``path``.
    """
    wb = _build(str(result.deployment.source), doc if doc is not None else result.to_dict(),
                use_table(result))
    return save_atomically(wb, path)


def deployment_xlsx_bytes(doc: dict[str, Any], source: str, *,
                          marking: str | None = None) -> bytes:
    """The deployment workbook of a stored plan document, in memory.

    Parameters
    ----------
    doc
        ``DeploymentResult.to_dict()`` with ``use`` (:func:`use_table`) added, possibly cut
        down to what a reader may see.
    source
        What the summary calls the scenario.
    marking
        A marking written first on the summary sheet.

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    import io

    buf = io.BytesIO()
    _build(source, doc, doc["use"], marking).save(buf)
    return buf.getvalue()
