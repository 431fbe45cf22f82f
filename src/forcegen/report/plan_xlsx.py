"""A sourcing plan as an Excel workbook for planners (openpyxl)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from forcegen.sourcing.plan import Plan

__all__ = ["write_plan_xlsx"]


def _append(ws: Any, values: Sequence[object]) -> None:
    """Append a row with text as text cells: a pledge named ``=HYPERLINK(...)`` must not become
    a formula (openpyxl stores any string starting with ``=`` as one). Numbers stay numbers."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"


def write_plan_xlsx(plan: Plan, path: Path) -> Path:
    """Sheets: summary, lines, assignments, shortfalls (one row per reason), burden."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    for k, v in (("scenario", plan.scenario), ("status", plan.status), ("gap", plan.gap),
                 ("filled units", plan.fill), ("required units", plan.required),
                 ("fill rate", plan.fill_rate), (f"cost ({plan.currency})", plan.cost),
                 ("method", plan.method), ("input sha256", plan.input_hash),
                 ("solver", plan.solver), ("options", str(plan.options))):
        _append(ws, [k, v])

    def sheet(name: str, header: list[str], rows: list[list[object]]) -> None:
        s = wb.create_sheet(name)
        _append(s, header)
        for cell in s[1]:
            cell.font = Font(bold=True)
        for row in rows:
            _append(s, row)
        s.freeze_panes = "A2"

    sheet("lines", ["requirement", "capability", "category", "sector", "priority", "quantity",
                    "filled"], [list(asdict(x).values()) for x in plan.lines])
    sheet("assignments", ["pledge", "requirement", "units", "nation", "personnel", "cost"],
          [list(asdict(a).values()) for a in plan.assignments])
    sheet("shortfalls", ["requirement", "capability", "sector", "priority", "missing", "reason",
                         "message", "pledges", "nations"],
          [[s.requirement, s.capability, s.sector, s.priority, s.missing, r.code, r.message,
            ", ".join(r.pledges), ", ".join(r.nations)]
           for s in plan.shortfalls for r in s.reasons])
    sheet("burden", ["nation", "units", "personnel", "cost", "share"],
          [list(asdict(b).values()) for b in plan.burden])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
