"""The scenario workbook: one writer for the command line's export and the workspace's download.

:func:`write_workbook` takes a document shaped like ``scenario.yaml`` (every section inline)
and the side tables' text by the name the document gives them, so a scenario read from files
(``forcegen export --to X.xlsx``) and one held in the workspace's database (its *Download
.xlsx* button) come out the same way: a summary sheet first, then ``scenario`` (settings), one
sheet per section and one per side table, each with a bold frozen header, an autofilter,
fitted widths and numbers as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._tables import (
    DEPLOYMENT_KEYS,
    EXERCISE_KEYS,
    FILE_KEYS,
    SECTIONS,
    flatten,
)
from forcegen.scenario.limits import control_character
from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.scenario.xlsx_style import (
    append_row,
    fit_widths,
    format_numbers,
    number_cell,
    style_header,
    write_table,
)

__all__ = ["SUMMARY_SHEET", "write_workbook"]

#: Name of the first sheet: a reader's overview, ignored when the workbook is read back.
SUMMARY_SHEET = "summary"

_HOW_TO_READ = (
    "Sheet 'scenario' holds the settings (key | value); one sheet per section (nations, "
    "sectors, requirements, pledges, ...) holds its records, one a row, nested fields as "
    "dotted column names (e.g. at.lon); sheets named after a side table (e.g. network) carry "
    "that CSV file. Edit any of them and import the workbook back; this summary sheet is "
    "rebuilt on export and ignored on import."
)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        cols += [k for k in row if k not in cols]
    return cols


def _record_sheet(wb: Any, name: str, records: list[dict[str, Any]]) -> None:
    """A sheet of flattened records (header ``id`` alone when there are none)."""
    rows = [flatten(r) for r in records]
    ws = wb.create_sheet(name)
    cols = _columns(rows) or ["id"]
    write_table(ws, cols, ([row.get(c) for c in cols] for row in rows))
    format_numbers(ws)


def _side_sheet(wb: Any, key: str, name: str, text: str) -> None:
    """A side table's CSV text as a sheet that reads back as the same text."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(key)
    # Numbers are stored as numbers only where they write back as the same text, so the
    # sheet reproduces the CSV byte for byte when read back.
    width = 1
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    for n, cells in enumerate(reader):
        bad = next((c for c in map(control_character, cells) if c), None)
        if bad is not None:  # openpyxl would raise deep inside; say where instead
            raise ScenarioError(
                [
                    Problem(
                        str(name),
                        f"holds the control character {bad}, which a workbook cannot store",
                        n + 1,
                        key,
                    )
                ]
            )
        if not n:
            append_row(ws, cells)
        else:
            typed = [number_cell(c) for c in cells]
            append_row(ws, [v for v, _ in typed])
            for col, (_, fmt) in enumerate(typed, start=1):
                if fmt:
                    ws.cell(row=ws._current_row, column=col).number_format = fmt
        width = max(width, len(cells))
    style_header(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(width)}{ws._current_row}"
    fit_widths(ws)


def _meta_cell(value: Any) -> Any:
    """A ``scenario`` sheet value: a mapping or list (``enablers``, ``x-``) as JSON text."""
    if isinstance(value, dict | list):
        # Dates inside (``standby.start``) as ISO text, which the models read back.
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _exercise_record(rec: dict[str, Any]) -> dict[str, Any]:
    """An exercise record with ``needs`` as one cell (``CAP:2;CAP2:1``), as the reader takes."""
    needs = rec.get("needs")
    if not isinstance(needs, list) or not all(isinstance(n, dict) for n in needs):
        return rec
    return {**rec, "needs": ";".join(f"{n.get('capability')}:{n.get('quantity', 1)}"
                                     for n in needs)}


def _records(doc: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    value = doc.get(section)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _summary_rows(doc: Mapping[str, Any], digest: str | None) -> list[list[Any]]:
    """``item | value`` rows: the scenario at a glance, counted from its records.

    Counted from the document (defaults as in ``forcegen.scenario.models``: priority 1,
    status ``offered``), so a workspace holding a record no longer valid still exports.
    """
    requirements = _records(doc, "requirements")
    pledges = _records(doc, "pledges")
    rows: list[list[Any]] = [
        ["scenario", doc.get("name")],
        ["nations", len(_records(doc, "nations"))],
        ["sectors", len(_records(doc, "sectors"))],
        ["capability lines (requirements)", len(requirements)],
    ]
    priorities = sorted({r.get("priority", 1) for r in requirements}, key=str)
    for priority in priorities:
        lines = [r for r in requirements if r.get("priority", 1) == priority]
        units = sum(q for r in lines if isinstance(q := r.get("quantity"), int))
        rows.append([f"  lines of priority {priority}", len(lines)])
        rows.append([f"  units required at priority {priority}", units])
    rows.append(["pledges", len(pledges)])
    for status in PLEDGE_STATUSES:
        count = sum(p.get("status", "offered") == status for p in pledges)
        rows.append([f"  pledges {status}", count])
    if digest is not None:
        rows.append(["scenario digest (SHA-256 of the content)", digest])
    rows.append(["how to read this workbook", _HOW_TO_READ])
    return rows


def _write_summary(ws: Any, rows: list[list[Any]]) -> None:
    from openpyxl.styles import Alignment

    write_table(ws, ["item", "value"], rows)
    ws.column_dimensions["B"].width = 80
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def write_workbook(
    doc: Mapping[str, Any],
    tables: Mapping[str, str],
    out: Path | io.BytesIO,
    *,
    digest: str | None = None,
) -> None:
    """Write the scenario workbook of ``doc`` to ``out``.

    Parameters
    ----------
    doc
        A document shaped like ``scenario.yaml`` with every section inline.
    tables
        Side tables' CSV text by the name ``doc`` gives them (``doc["network"]``); a side
        table named but not given is left out.
    out
        A file path or an in-memory buffer.
    digest
        The scenario digest to show on the summary sheet (left out when ``None``).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When a side table holds a control character a workbook cannot store.
    """
    import openpyxl

    wb = openpyxl.Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    _write_summary(summary, _summary_rows(doc, digest))
    meta = wb.create_sheet("scenario")
    # Deployment sections given inline are sheets of their own, not ``key | value`` rows.
    write_table(
        meta,
        ["key", "value"],
        [
            [k, _meta_cell(v)]
            for k, v in doc.items()
            if k not in SECTIONS
            and not (k in (*DEPLOYMENT_KEYS, *EXERCISE_KEYS) and isinstance(v, list))
        ],
    )
    for section in SECTIONS:
        if doc.get(section):  # no empty sheets (an absent sheet reads back as empty)
            _record_sheet(wb, section, doc[section])
    for key in DEPLOYMENT_KEYS:
        if isinstance(doc.get(key), list):  # an empty list stays a (header-only) sheet
            _record_sheet(wb, key, doc[key])
    for key in EXERCISE_KEYS:  # ``needs`` as one ``CAP:2;CAP`` cell, as the reader takes
        if isinstance(doc.get(key), list):
            _record_sheet(wb, key, [_exercise_record(r) for r in doc[key]])
    # Side tables (and deployment sections named as CSV tables) travel inside the workbook,
    # sheets named by their key, so that one file carries the whole scenario, e.g. through a
    # web upload.
    for key in (*FILE_KEYS, *DEPLOYMENT_KEYS):
        name = doc.get(key)
        text = tables.get(name) if isinstance(name, str) else None
        if text is not None:
            _side_sheet(wb, key, str(name), text)
    wb.save(out)
