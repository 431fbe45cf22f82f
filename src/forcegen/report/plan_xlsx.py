"""A sourcing plan as an Excel workbook a planner can send on (openpyxl, native charts).

Sheets: ``summary`` (status in words, fill by priority and by sector, chart), ``lines``,
``assignments``, ``shortfalls`` (one row per short line, its reasons in columns), ``burden``
(with chart), ``options`` (the what-ifs as rows) and ``details`` (solver, stages, timings).
Every table has a bold frozen header, an autofilter and fitted widths; numbers are numbers with
thousands separators or percentages; formula-like text is neutralised
(:mod:`forcegen.scenario.xlsx_style`).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo

from forcegen.report.plan_tables import REASON_COLUMNS, plan_tables
from forcegen.scenario.xlsx_style import (
    INTEGER,
    MONEY,
    PERCENT,
    append_row,
    fit_widths,
    save_atomically,
    write_table,
)
from forcegen.sourcing.plan import Plan

__all__ = ["REASON_COLUMNS", "plan_xlsx_bytes", "write_plan_xlsx"]

_GREEN = PatternFill("solid", fgColor="C6EFCE")
_AMBER = PatternFill("solid", fgColor="FFEB9C")
_RED = PatternFill("solid", fgColor="FFC7CE")


def _fill_colours(ws: Any, ref: str) -> None:
    """Green when full, amber when partly filled, red when empty (fill shares in ``ref``)."""
    ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThanOrEqual",
                                                  formula=["1"], fill=_GREEN))
    ws.conditional_formatting.add(ref, CellIsRule(operator="between",
                                                  formula=["0.0000001", "0.9999999"], fill=_AMBER))
    ws.conditional_formatting.add(ref, CellIsRule(operator="lessThanOrEqual",
                                                  formula=["0"], fill=_RED))


def _fill_by(plan: Plan, key: str) -> list[list[Any]]:
    need: dict[Any, int] = defaultdict(int)
    got: dict[Any, int] = defaultdict(int)
    for line in plan.lines:
        need[getattr(line, key)] += line.quantity
        got[getattr(line, key)] += line.filled
    return [[k, need[k], got[k], got[k] / need[k] if need[k] else 1.0] for k in sorted(need)]


def _small_table(ws: Any, top: int, title: str, name: str, header: list[str],
                 rows: list[list[Any]]) -> int:
    """A titled Excel table (own autofilter) at row ``top``; returns the next free row."""
    ws.cell(row=top, column=1, value=title).font = Font(bold=True, size=12)
    append_row(ws, header)  # ws.append writes below the last used row, i.e. top + 1
    for r in rows:
        append_row(ws, r)
    first, last = top + 1, top + 1 + len(rows)
    for cell in ws[first]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=first + 1, max_row=last, min_col=2, max_col=4):
        row[0].number_format = row[1].number_format = INTEGER
        row[2].number_format = PERCENT
    table = Table(displayName=name, ref=f"A{first}:D{max(last, first + 1)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    _fill_colours(ws, f"D{first + 1}:D{max(last, first + 1)}")
    return last + 2


def _summary(wb: Workbook, plan: Plan, title: str) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    missing = sum(s.missing for s in plan.shortfalls)
    rows: list[tuple[str, Any, str | None]] = [
        ("Scenario", plan.scenario, None),
        ("Status", plan.status_text, None),
        ("Units required", plan.required, INTEGER),
        ("Units filled", plan.fill, INTEGER),
        ("Fill", plan.fill_rate, PERCENT),
        ("Short lines", len(plan.shortfalls), INTEGER),
        ("Units missing", missing, INTEGER),
        (f"Cost ({plan.currency})", plan.cost, MONEY),
        ("Nations contributing", len(plan.burden), INTEGER),
        ("Input hash (SHA-256)", plan.input_hash, None),
    ]
    for label, value, fmt in rows:
        append_row(ws, [label, value])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        if fmt:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
    top = ws.max_row + 2
    top = _small_table(ws, top, "Fill by priority", "FillByPriority",
                       ["Priority", "Needed", "Filled", "Fill"], _fill_by(plan, "priority"))
    sector_top = top + 1
    by_sector = _fill_by(plan, "sector")
    _small_table(ws, top, "Fill by sector", "FillBySector",
                 ["Sector", "Needed", "Filled", "Fill"], by_sector)
    fit_widths(ws, fixed={"A": 24, "B": 16})
    ws.column_dimensions["B"].width = 16
    if by_sector:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Fill by sector"
        chart.y_axis.title = "units"
        chart.y_axis.numFmt = "#,##0"
        data = Reference(ws, min_col=2, max_col=3, min_row=sector_top,
                         max_row=sector_top + len(by_sector))
        cats = Reference(ws, min_col=1, min_row=sector_top + 1,
                         max_row=sector_top + len(by_sector))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.height, chart.width = 7.5 + 0.4 * len(by_sector), 16
        ws.add_chart(chart, "F3")


def _burden_chart(ws: Any, count: int) -> None:
    chart = BarChart()
    chart.title = "Burden sharing (share of personnel)"
    chart.y_axis.numFmt = "0%"
    chart.y_axis.title = "share"
    data = Reference(ws, min_col=7, min_row=1, max_row=count + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=count + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.legend = None
    chart.height, chart.width = 8, max(16, 0.6 * count)
    ws.add_chart(chart, "I2")


def _readable(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
    if value is None:
        return "(default)"
    return value


def _build(plan: Plan, names: Mapping[str, str]) -> Workbook:
    wb = Workbook()
    _summary(wb, plan, f"Sourcing plan: {plan.scenario}")
    tables = plan_tables(plan, names)
    for name, table in tables.items():
        ws = wb.create_sheet(name)
        count = write_table(ws, table.header, table.rows, table.formats, wrap=table.wrap)
        if name == "lines":
            _fill_colours(ws, f"I2:I{count + 1}")
        elif name == "shortfalls" and count:
            ws.conditional_formatting.add(f"F2:F{count + 1}", CellIsRule(
                operator="greaterThan", formula=["0"], fill=_RED))
        elif name == "burden" and count:
            _burden_chart(ws, count)
    write_table(wb.create_sheet("options"), ["Option", "Value"],
                [[k.replace("_", " "), _readable(v)] for k, v in sorted(plan.options.items())])
    details: list[list[Any]] = [["method", plan.method, None, None, None],
                                ["relative gap", plan.gap, None, None, None],
                                ["solver", plan.solver, None, None, None]]
    details += [[f"stage: {st.get('name', '')}", st.get("status"), st.get("value"),
                 st.get("bound"), st.get("sense")] for st in plan.stages]
    details += [[f"seconds: {k}", v, None, None, None] for k, v in plan.seconds.items()]
    write_table(wb.create_sheet("details"), ["Item", "Value", "Found", "Bound", "Sense"],
                details)
    return wb


def write_plan_xlsx(plan: Plan, path: Path, names: Mapping[str, str] | None = None) -> Path:
    """Write the plan workbook to ``path`` (atomically: a temporary sibling moved into place).

    ``names`` maps ids (requirements, pledges, nations) to the names shown beside them.
    """
    wb = _build(plan, names or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_atomically(wb, path)


def plan_xlsx_bytes(plan: Plan, names: Mapping[str, str] | None = None, *,
                    marking: str | None = None) -> bytes:
    """The plan workbook built in memory (for downloads), nothing written to disk.

    ``marking``: a classification marking printed in the header and footer of every sheet
    and kept in the file's properties.
    """
    wb = _build(plan, names or {})
    if marking:
        wb.properties.category = marking
        for ws in wb.worksheets:
            ws.oddHeader.center.text = marking
            ws.oddFooter.center.text = marking
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
