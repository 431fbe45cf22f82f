"""The time-phased force list as CSV text, in TPFDD columns.

One definition for the command line (``forcegen deploy --csv``) and the workspace's download.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from forcegen.scenario._tables import escape_formula

__all__ = ["TPFDD_COLUMNS", "tpfdd_csv_text"]

#: CSV columns in time-phased force list (TPFDD) terms, and the row key each comes from.
TPFDD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ULN", "id"),
    ("unit", "unit"),
    ("nation", "nation"),
    ("origin", "origin"),
    ("POE", "poe"),
    ("POD", "pod"),
    ("destination", "destination"),
    ("sector", "sector"),
    ("priority", "priority"),
    ("mode", "mode"),
    ("lift", "lift"),
    ("ready_to_load_day", "available"),
    ("required_delivery_day", "required"),
    ("latest_arrival_day", "latest"),
    ("planned_start_day", "start"),
    ("planned_arrival_day", "arrive"),
    ("days_late", "late"),
    ("planned_start_date", "start_date"),
    ("planned_arrival_date", "arrive_date"),
)


def _place(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return f"{v[0]:.2f};{v[1]:.2f}"
    return str(v)


def tpfdd_csv_text(rows: list[dict[str, Any]], marking: str | None = None) -> str:
    """The unit lines (``movements`` of the plan document) as CSV text, header first.

    Lift as ``C17=2;RORO=1``, places as ``lon;lat`` or an id; text a spreadsheet would run as a
    formula is written behind a ``'`` (the same rule as every export). ``marking``: written in
    a last ``marking`` column on every row (as the pledge table's CSV carries it), so the file
    stays one plain table for spreadsheets and pandas and a row copied out keeps its marking.
    """
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow([c for c, _ in TPFDD_COLUMNS] + ([] if marking is None else ["marking"]))
    for r in rows:
        cells: list[Any] = []
        for _, key in TPFDD_COLUMNS:
            v = r.get(key)
            if key == "lift":
                v = ";".join(f"{k}={n}" for k, n in (v or {}).items())
            elif key in ("origin", "destination"):
                v = _place(v)  # "-1.58;51.75" is a place, not a formula
            else:
                v = escape_formula(v)
            cells.append("" if v is None else v)
        if marking is not None:
            cells.append(escape_formula(marking))
        w.writerow(cells)
    return buf.getvalue()
