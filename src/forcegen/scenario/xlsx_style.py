"""Shared look of every workbook forcegen writes: safe text, bold frozen headers, filters, widths.

Both the scenario workbook (:mod:`forcegen.scenario.writer`) and the plan workbook
(:mod:`forcegen.report.plan_xlsx`) go through these helpers, so the rules hold on every sheet:

* text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is
  written behind a ``'`` and always as a text cell (:func:`safe_text`); the scenario reader
  takes the quote off again, so the round trip stays lossless;
* numbers stay numbers, with a thousands separator (``#,##0``) or as a percentage;
* a table's header is bold and frozen, has an autofilter over the whole table, and columns are
  as wide as their longest cell (within limits).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from forcegen.scenario._tables import escape_formula

__all__ = [
    "INTEGER",
    "MONEY",
    "PERCENT",
    "append_row",
    "fit_widths",
    "format_numbers",
    "number_cell",
    "number_text",
    "safe_text",
    "save_atomically",
    "style_header",
    "write_table",
]

#: Number formats: whole numbers and money with thousands separators, shares as percentages.
INTEGER = "#,##0"
MONEY = "#,##0"
PERCENT = "0.0%"

# Excel keeps 15 significant digits: larger whole numbers would come back changed.
_MAX_EXACT_INT = 10**15
_INT = re.compile(r"^-?\d+$")
_FIXED = re.compile(r"^-?\d+\.(\d+)$")
_FIXED_FORMAT = re.compile(r"^0\.(0+)$")


def safe_text(value: Any) -> Any:
    """``value`` with formula-like text neutralised (behind a ``'``); other values unchanged."""
    return escape_formula(value) if isinstance(value, str) else value


def number_cell(text: str) -> tuple[Any, str | None]:
    """A CSV cell as ``(number, number format)``, or ``(text, None)``.

    A number only when it writes back as exactly ``text``.

    Side tables (network, nodes, costs) must come back from a workbook byte for byte, so a cell
    becomes a number only when :func:`number_text` reproduces it: ``"12"`` (``#,##0``),
    ``"2.510"`` (``0.000``: the decimals kept by the format), ``"4.5e-07"`` (``General``, as
    ``repr``); ``"007"``, ``"+1"``, ``"1e5"`` or ``"nan"`` stay text.
    """
    if _INT.match(text):
        i = int(text)
        return (i, INTEGER) if str(i) == text and abs(i) < _MAX_EXACT_INT else (text, None)
    try:
        f = float(text)
    except ValueError:
        return text, None
    # Workbooks keep 15 significant digits (openpyxl writes no more), and -0.0 reads back as 0.
    if not math.isfinite(f) or float(f"{f:.15g}") != f or (f == 0 and text.startswith("-")):
        return text, None
    m = _FIXED.match(text)
    if m:
        fmt = "0." + "0" * len(m.group(1))
        return (f, fmt) if number_text(f, fmt) == text else (text, None)
    return (f, None) if repr(f) == text else (text, None)


def number_text(value: float | int, number_format: str | None) -> str:
    """Inverse of :func:`number_cell`: the CSV text of a number read from a side sheet."""
    m = _FIXED_FORMAT.match(number_format or "")
    if m:  # before the int test: 4.0 written as "0.0" reads back as the int 4
        return f"{value:.{len(m.group(1))}f}"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """Append a row: text neutralised and stored as a text cell; numbers stay numbers.

    openpyxl would otherwise store any string starting with ``=`` as a formula.
    """
    ws.append([safe_text(v) for v in values])
    # ``ws._current_row`` is the row just written; ``ws.max_row`` would scan every cell of the
    # sheet on each call (quadratic: minutes for a 6,000-row network sheet).
    row = ws._current_row
    for col, v in enumerate(values, start=1):
        if isinstance(v, str):
            cell = ws.cell(row=row, column=col)
            if cell.data_type != "s":
                cell.data_type = "s"


def format_numbers(ws: Any, min_row: int = 2) -> None:
    """Thousands separators on every number below the header.

    Decimals are shown only when the number has them; the stored value is never rounded.
    """
    for row in ws.iter_rows(min_row=min_row):
        for cell in row:
            v = cell.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            whole = isinstance(v, int) or float(v).is_integer()
            cell.number_format = INTEGER if whole else "#,##0.00####"


def style_header(ws: Any, row: int = 1) -> None:
    """Bold header on ``row``, frozen below it."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDE4EE")
    for cell in ws[row]:
        if cell.value is not None:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(vertical="top")
    ws.freeze_panes = ws.cell(row=row + 1, column=1).coordinate


def fit_widths(ws: Any, *, minimum: int = 6, maximum: int = 60,
               fixed: Mapping[str, int] | None = None) -> None:
    """Column widths fitted to the longest cell (as displayed: numbers with separators)."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if v is None:
                continue
            if isinstance(v, float) and cell.number_format == PERCENT:
                n = 7
            elif isinstance(v, int | float) and not isinstance(v, bool):
                n = len(f"{v:,.0f}") + 1
            else:
                n = max(len(part) for part in str(v).split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), n)
    for col, n in widths.items():
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = (fixed or {}).get(letter) or max(
            minimum, min(maximum, n + 2))


def write_table(ws: Any, header: Sequence[str], rows: Iterable[Sequence[Any]],
                formats: Mapping[str, str] | None = None, *, wrap: Sequence[str] = ()) -> int:
    """Write a header and rows on an empty sheet; the number of rows written.

    Bold frozen header, an autofilter over the table, number formats by column name
    (``formats``), fitted widths.
    """
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    append_row(ws, list(header))
    count = 0
    for row in rows:
        append_row(ws, list(row))
        count += 1
    style_header(ws)
    last = get_column_letter(max(1, len(header)))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    for name, fmt in (formats or {}).items():
        col = list(header).index(name) + 1
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    fit_widths(ws)
    for name in wrap:  # long text: wrapped in a column of readable width
        col = list(header).index(name) + 1
        ws.column_dimensions[get_column_letter(col)].width = min(
            ws.column_dimensions[get_column_letter(col)].width, 60)
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return count


def save_atomically(wb: Any, path: Path) -> Path:
    """Save workbook ``wb`` to ``path`` through a temporary sibling moved into place.

    A failure (a full disk, a killed process) leaves either the old file or none, never half a
    workbook.

    Returns
    -------
    Path
        ``path``.
    """
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
