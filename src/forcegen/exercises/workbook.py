"""The exercise programme as a workbook a planner can send on (openpyxl).

Sheets: ``summary`` (status in words, value held against the proven bound, lines certified in
time, travel), ``exercises`` (week, area, units, nations, certifications, units' travel;
reasons for those not held), ``calendar`` (training areas x weeks, each filled cell coloured by
the exercise's kind), ``units`` (each unit's weeks in exercises and resting after them) and
``unit calendar`` (units x weeks: the exercise, then ``rest``); with ``--roster``, ``standby``
and ``standby tours``; with ``--roster --coupled``, ``coupling`` (unit-months short, units
resting in an exercise, value and lines kept, against planning one after the other) and
``coupling rounds``.
Every table has a bold frozen header, an autofilter and fitted widths; formula-like text is
neutralised (:mod:`forcegen.scenario.xlsx_style`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from forcegen.scenario.xlsx_style import (
    INTEGER,
    PERCENT,
    append_row,
    save_atomically,
    style_header,
    write_table,
)

__all__ = ["KIND_FILLS", "status_words", "write_programme_xlsx"]

#: Calendar cell colours by exercise kind (the Gantt chart's hues, lightened for text).
KIND_FILLS: dict[str, str] = {"staffex": "C6DBEF", "cpx": "9ECAE1", "livex": "FDAE6B",
                              "certification": "A1D99B"}
_MIXED = "D9D9D9"  # two kinds in one area and week


def status_words(doc: dict[str, Any]) -> str:
    """The plan's status as a sentence a reader outside the solver world understands."""
    if doc["status"] == "optimal":
        return "Best possible: no programme holds more exercise value (proven)"
    if doc["status"] == "feasible":
        return (f"Good, not proven best: value {doc['value']}, at most {doc['bound']} "
                f"possible (gap {doc['gap']:.1%})")
    return f"No plan proven ({doc['status']})"


def _weeks(first: int, count: int) -> str:
    return str(first) if count <= 1 else f"{first}-{first + count - 1}"


def _summary(wb: Workbook, doc: dict[str, Any]) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    ws["A1"] = f"{doc.get('scenario') or 'Exercise programme'}: exercise programme"
    ws["A1"].font = Font(bold=True, size=14)
    held = [r for r in doc["exercises"] if r["held"]]
    travel = doc.get("travel") or {}
    rows: list[tuple[str, Any, str | None]] = [
        ("Status", status_words(doc), None),
        ("Value held", doc["value"], INTEGER),
        ("Value bound (proven)", doc["bound"], INTEGER),
        ("Gap", doc["gap"], PERCENT),
        ("Greedy baseline value", doc["baseline"]["value"], INTEGER),
        ("Exercises held", len(held), INTEGER),
        ("Exercises not held", len(doc["exercises"]) - len(held), INTEGER),
        ("Requirement lines asking for certifications", len(doc["lines"]), INTEGER),
        ("Lines certified in time", doc["lines_certified"], INTEGER),
        ("Lines certified: at most", doc["lines_bound"], INTEGER),
        ("Unit travel (km, great circle)", travel.get("km"), INTEGER),
        ("Travel", travel.get("status"), None),
        ("Programme start (week 0)", doc["programme_start"], None),
        ("Rest after an exercise (weeks)", doc["rest_weeks"], INTEGER),
        ("Solver", f"{doc['solver']} ({doc['seconds']:.1f} s)", None),
    ]
    coupling = (doc.get("roster") or {}).get("coupling")
    if coupling:  # --roster --coupled: the headline figures (sheet ``coupling`` has the rest)
        rows += [("Standby unit-months short, planned together (one after the other)",
                  f"{coupling['coupled']['shortfall']} "
                  f"({coupling['sequential']['shortfall']})", None),
                 ("Coupling rounds kept / planned",
                  f"{sum(1 for r in coupling['rounds'] if r['kept'])} / "
                  f"{len(coupling['rounds'])} (sheet coupling)", None)]
    for label, value, fmt in rows:
        append_row(ws, [label, value if value is not None else "n/a"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        if fmt and value is not None:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
    for note in doc["notes"]:
        append_row(ws, ["Note", note])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 70


def _exercises(wb: Workbook, doc: dict[str, Any]) -> None:
    ws = wb.create_sheet("exercises")
    why = {m["id"]: "; ".join(m["reasons"]) for m in doc["not_scheduled"]}
    rows = []
    for r in doc["exercises"]:
        if r["held"]:
            rows.append([r["id"], r["name"] or "", r["kind"], "yes", r["start_week"],
                         r["end_week"] - 1, r["start"], r["end"], r["area"],
                         ", ".join(r["units"]), ", ".join(r["nations"]),
                         ", ".join(r["certifies"]), r["value"], "", r.get("travel_km")])
        else:
            rows.append([r["id"], r["name"] or "", r["kind"], "no", None, None, "", "", "", "",
                         "", ", ".join(r["certifies"]), r["value"], why.get(r["id"], ""),
                         None])
    write_table(ws, ["Exercise", "Name", "Kind", "Held", "First week", "Last week", "Start",
                     "End", "Area", "Units", "Nations", "Certifies", "Value", "Why not held",
                     "Travel (km)"],
                rows, {"Value": INTEGER, "Travel (km)": INTEGER}, wrap=["Units", "Why not held"])


def _calendar(wb: Workbook, doc: dict[str, Any]) -> None:
    """Areas down, weeks across; a cell names the exercises in that area that week."""
    ws = wb.create_sheet("calendar")
    held = [r for r in doc["exercises"] if r["held"]]
    horizon = max([r["end_week"] for r in held] + [1])
    areas = [a["id"] for a in doc.get("areas", [])] or sorted({r["area"] for r in held})
    cells: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in held:
        for w in range(r["start_week"], r["end_week"]):
            cells.setdefault((r["area"], w), []).append(r)
    append_row(ws, ["Area \\ week", *range(horizon)])
    for a in areas:
        append_row(ws, [a, *(", ".join(x["id"] for x in cells.get((a, w), []))
                             for w in range(horizon))])
        for w in range(horizon):
            here = cells.get((a, w))
            if here:
                kinds = {x["kind"] for x in here}
                colour = KIND_FILLS.get(kinds.pop(), _MIXED) if len(kinds) == 1 else _MIXED
                cell = ws.cell(row=ws.max_row, column=w + 2)
                cell.fill = PatternFill("solid", fgColor=colour)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    style_header(ws)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(horizon + 1)}{len(areas) + 1}"
    ws.column_dimensions["A"].width = max(12, *(len(a) + 2 for a in areas)) if areas else 12
    for w in range(horizon):
        ws.column_dimensions[get_column_letter(w + 2)].width = 8
    top = len(areas) + 3
    ws.cell(row=top, column=1, value="Kinds").font = Font(bold=True)
    for k, (kind, colour) in enumerate(KIND_FILLS.items(), 1):
        ws.cell(row=top + k, column=1, value=kind).fill = PatternFill("solid", fgColor=colour)


def _units(wb: Workbook, doc: dict[str, Any]) -> None:
    ws = wb.create_sheet("units")
    rest = int(doc["rest_weeks"])
    rows = []
    for u in doc["units"]:
        spans = [(x["start_week"], x["end_week"] - x["start_week"]) for x in u["exercises"]]
        rows.append([u["id"], u["nation"], u["capability"],
                     ", ".join(x["exercise"] for x in u["exercises"]),
                     sum(n for _, n in spans), ", ".join(_weeks(s, n) for s, n in spans),
                     rest * len(spans),
                     ", ".join(_weeks(s + n, rest) for s, n in spans) if rest else "",
                     ", ".join(f"{c} ({d})" for c, d in u["certified"].items())])
    write_table(ws, ["Unit", "Nation", "Capability", "Exercises", "Weeks busy", "Busy (weeks)",
                     "Weeks resting", "Resting (weeks)", "Certified (from)"], rows,
                {"Weeks busy": INTEGER, "Weeks resting": INTEGER})


def _unit_calendar(wb: Workbook, doc: dict[str, Any]) -> None:
    """Units down, weeks across: the exercise a unit is in (its kind's colour), then ``rest``."""
    ws = wb.create_sheet("unit calendar")
    rest = int(doc["rest_weeks"])
    horizon = max([x["end_week"] + rest for u in doc["units"] for x in u["exercises"]] + [1])
    append_row(ws, ["Unit \\ week", *range(horizon)])
    kind = {r["id"]: r["kind"] for r in doc["exercises"]}
    for u in doc["units"]:
        row: list[Any] = [""] * horizon
        fills: dict[int, str] = {}
        for x in u["exercises"]:
            for w in range(x["start_week"], x["end_week"]):
                row[w], fills[w] = x["exercise"], KIND_FILLS.get(kind[x["exercise"]], _MIXED)
            for w in range(x["end_week"], min(horizon, x["end_week"] + rest)):
                if not row[w]:
                    row[w], fills[w] = "rest", _MIXED
        append_row(ws, [u["id"], *row])
        for w, colour in fills.items():
            ws.cell(row=ws.max_row, column=w + 2).fill = PatternFill("solid", fgColor=colour)
    style_header(ws)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(horizon + 1)}{len(doc['units']) + 1}"
    ws.column_dimensions["A"].width = max([12] + [len(u["id"]) + 2 for u in doc["units"]])
    for w in range(horizon):
        ws.column_dimensions[get_column_letter(w + 2)].width = 8


def _standby(wb: Workbook, roster: dict[str, Any]) -> None:
    """Sheet ``standby``: months down, per capability units on standby of required, tours."""
    ws = wb.create_sheet("standby")
    caps = [c["capability"] for c in roster["calendar"][0]["capabilities"]] \
        if roster["calendar"] else []
    rows = [[m["month"], *(f"{c['on_standby']} of {c['required']}" for c in m["capabilities"]),
             sum(c["missing"] for c in m["capabilities"]), ", ".join(m["units"]),
             ", ".join(m["nations"])] for m in roster["calendar"]]
    write_table(ws, ["Month", *caps, "Missing", "Units on standby", "Nations"], rows,
                {"Missing": INTEGER}, wrap=["Units on standby"])
    ws = wb.create_sheet("standby tours")
    write_table(ws, ["Unit", "Nation", "Capability", "From", "To", "Months", "Rests until"],
                [[t["unit"], t["nation"], t["capability"], t["start"], t["end"], t["months"],
                  t["rest_until"]] for t in roster["tours"]], {"Months": INTEGER})


def _coupling(wb: Workbook, coupling: dict[str, Any]) -> None:
    """Sheet ``coupling`` (``--roster --coupled``): the figures, then one row per round.

    What planning together changed against planning one after the other: unit-months short,
    units resting in an exercise, and the programme's value and lines each round kept.
    """
    ws = wb.create_sheet("coupling")
    seq, co, rounds = coupling["sequential"], coupling["coupled"], coupling["rounds"]
    first = rounds[0] if rounds else {"value": co["value"], "lines": co["lines_certified"]}
    figures: list[tuple[str, Any, str | None]] = [
        ("Method", coupling["method"], None),
        ("Rounds planned", len(rounds), INTEGER),
        ("Rounds kept", sum(1 for r in rounds if r["kept"]), INTEGER),
        ("Unit-months short, planned one after the other", seq["shortfall"], INTEGER),
        ("Unit-months short, planned together", co["shortfall"], INTEGER),
        ("Units resting in an exercise, one after the other", len(seq["rest_in_exercise"]),
         INTEGER),
        ("Units resting in an exercise, together", len(co["rest_in_exercise"]), INTEGER),
        ("Programme value, planned alone", first["value"], INTEGER),
        ("Programme value kept", co["value"], INTEGER),
        ("Lines certified in time, planned alone", first["lines"], INTEGER),
        ("Lines certified in time kept", co["lines_certified"], INTEGER),
    ]
    append_row(ws, ["Coupling of the programme and the standby roster", ""])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value, fmt in figures:
        append_row(ws, [label, value])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        if fmt:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 60
    ws = wb.create_sheet("coupling rounds")
    write_table(ws, ["Round", "Programme value", "Lines certified in time",
                     "Unit-months short", "Kept"],
                [[r["round"], r["value"], r["lines"], r["shortfall"],
                  "yes" if r["kept"] else "no"] for r in rounds],
                {"Programme value": INTEGER, "Lines certified in time": INTEGER,
                 "Unit-months short": INTEGER})


def write_programme_xlsx(doc: dict[str, Any], path: Path) -> Path:
    """Write the workbook of ``doc`` (``ExerciseResult.to_dict()``) to ``path``, atomically.

    With a ``roster`` (``--roster``), sheets ``standby`` (months x capabilities) and
    ``standby tours`` follow; with its ``coupling`` (``--roster --coupled``), sheets
    ``coupling`` (the figures against planning one after the other) and ``coupling rounds``.
    """
    wb = Workbook()
    _summary(wb, doc)
    _exercises(wb, doc)
    _calendar(wb, doc)
    _units(wb, doc)
    _unit_calendar(wb, doc)
    if doc.get("roster"):
        _standby(wb, doc["roster"])
        if doc["roster"].get("coupling"):
            _coupling(wb, doc["roster"]["coupling"])
    return save_atomically(wb, path)
