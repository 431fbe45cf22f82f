"""A sourcing plan as flat tables (header and rows), shared by the workbook and the CSV export.

One definition of each table's columns: :mod:`forcegen.report.plan_xlsx` writes them as
sheets, :func:`plan_csv_zip` as CSV files. Ids are followed by their names where known.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forcegen.scenario.xlsx_style import INTEGER, MONEY, PERCENT, safe_text
from forcegen.sourcing.plan import Plan

__all__ = ["REASON_COLUMNS", "PlanTable", "plan_csv_zip", "plan_tables"]

#: Reason codes in the order of their columns on the shortfalls sheet, with readable headers.
REASON_COLUMNS: dict[str, str] = {
    "no-offer": "No offer",
    "withdrawn": "Pledge withdrawn",
    "nation-withdrawn": "Nation withdrawn",
    "not-ready": "Notice to move too long",
    "caveat": "Caveat",
    "not-approved": "Not approved",
    "ceiling": "National ceiling",
    "taken": "Units taken by other lines",
    "unused": "Not used (plan not proven)",
}


@dataclass(frozen=True)
class PlanTable:
    """One table: column names, rows, number formats by column, columns of long text."""

    header: list[str]
    rows: list[list[Any]]
    formats: dict[str, str] = field(default_factory=dict)
    wrap: list[str] = field(default_factory=list)


def _lines(plan: Plan, names: Mapping[str, str]) -> PlanTable:
    return PlanTable(
        ["Requirement", "Name", "Capability", "Category", "Sector", "Priority",
         "Needed", "Filled", "Fill", "Short"],
        [[x.requirement, names.get(x.requirement, ""), x.capability, x.category,
          x.sector, x.priority, x.quantity, x.filled,
          x.filled / x.quantity if x.quantity else 1.0, x.quantity - x.filled]
         for x in plan.lines],
        {"Needed": INTEGER, "Filled": INTEGER, "Fill": PERCENT, "Short": INTEGER},
    )


def _assignments(plan: Plan, names: Mapping[str, str]) -> PlanTable:
    cost = f"Cost ({plan.currency})"
    return PlanTable(
        ["Pledge", "Pledge name", "Nation", "Requirement", "Requirement name",
         "Units", "Personnel", cost],
        [[a.pledge, names.get(a.pledge, ""), a.nation, a.requirement,
          names.get(a.requirement, ""), a.units, a.personnel, a.cost]
         for a in plan.assignments],
        {"Units": INTEGER, "Personnel": INTEGER, cost: MONEY},
    )


def _shortfalls(plan: Plan, names: Mapping[str, str]) -> PlanTable:
    """One row per short line, its reasons in one column per reason code."""
    codes = [c for c in REASON_COLUMNS if any(r.code == c for s in plan.shortfalls
                                               for r in s.reasons)]
    codes += sorted({r.code for s in plan.shortfalls for r in s.reasons} - set(codes))
    reasons = [REASON_COLUMNS.get(c, c) for c in codes]
    header = ["Requirement", "Name", "Capability", "Sector", "Priority", "Missing",
              *reasons, "Pledges named", "Nations named"]
    rows = []
    for s in sorted(plan.shortfalls, key=lambda s: (s.priority, s.requirement)):
        by_code = {c: "\n".join(r.message for r in s.reasons if r.code == c) for c in codes}
        pledges = sorted({p for r in s.reasons for p in r.pledges})
        nations = sorted({n for r in s.reasons for n in r.nations})
        rows.append([s.requirement, names.get(s.requirement, ""), s.capability, s.sector,
                     s.priority, s.missing, *(by_code[c] or None for c in codes),
                     ", ".join(pledges), ", ".join(nations)])
    return PlanTable(header, rows, {"Missing": INTEGER}, reasons)


def _burden(plan: Plan, names: Mapping[str, str]) -> PlanTable:
    cost = f"Cost ({plan.currency})"
    return PlanTable(
        ["Nation", "Name", "Units", "Personnel", cost, "Cost share", "Personnel share"],
        [[b.nation, names.get(b.nation, ""), b.units, b.personnel, b.cost,
          b.cost / plan.cost if plan.cost else 0.0, b.share]
         for b in plan.burden],
        {"Units": INTEGER, "Personnel": INTEGER, cost: MONEY, "Cost share": PERCENT,
         "Personnel share": PERCENT},
    )


def plan_tables(plan: Plan, names: Mapping[str, str] | None = None) -> dict[str, PlanTable]:
    """The plan's tables by name: ``lines``, ``assignments``, ``shortfalls``, ``burden``.

    ``names`` maps ids (requirements, pledges, nations) to the names shown beside them.
    """
    names = names or {}
    return {
        "lines": _lines(plan, names),
        "assignments": _assignments(plan, names),
        "shortfalls": _shortfalls(plan, names),
        "burden": _burden(plan, names),
    }


def _csv(table: PlanTable) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(table.header)
    for row in table.rows:
        # Text a spreadsheet would run as a formula is written behind a ' (as in every export).
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return buf.getvalue().encode("utf-8")


def plan_csv_zip(plan: Plan, names: Mapping[str, str] | None = None, *,
                 folder: str = "plan", notes: Mapping[str, str] | None = None) -> bytes:
    """The plan's tables as CSV files in a zip, built in memory (``plan/lines.csv`` ...).

    ``notes``: extra text files by name (e.g. the marking), written beside the tables.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in (notes or {}).items():
            zf.writestr(f"{folder}/{name}", content)
        for name, table in plan_tables(plan, names).items():
            zf.writestr(f"{folder}/{name}.csv", _csv(table))
    return buf.getvalue()
