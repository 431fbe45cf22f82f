"""Read raw scenario records from YAML, CSV and XLSX, remembering where each value came from.

Nothing here validates meaning: it produces plain dicts plus a :class:`Origin` per record so that
validation can name the file, line (or sheet row) and field of every problem. YAML is read in
:mod:`._yaml`, workbooks in :mod:`._xlsx`, records and origins are defined in :mod:`._origin`;
this module reads CSV tables and is the one place the rest of the package imports from.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem
from forcegen.scenario._origin import Origin, RawScenario
from forcegen.scenario._tables import unescape_formula, unflatten
from forcegen.scenario._xlsx import read_xlsx
from forcegen.scenario._yaml import parse_yaml, read_yaml
from forcegen.scenario.limits import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS

__all__ = ["Origin", "RawScenario", "parse_yaml", "read_csv_table", "read_xlsx", "read_yaml"]


def read_csv_table(path: Path) -> list[tuple[dict[str, Any], Origin]]:
    """Rows of a CSV table as nested records, each with its file line (header = line 1).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When the table has more rows or columns than the limits allow, or is not valid CSV.
    """
    from forcegen.exceptions import ScenarioError

    out: list[tuple[dict[str, Any], Origin]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        line = 0  # the last line read; a row starts on the next one
        try:
            header = reader.fieldnames  # reads the header, so line_num is where it ended
            if header is not None and len(header) > MAX_TABLE_COLUMNS:
                raise ScenarioError([Problem(
                    str(path), f"{len(header)} columns; at most {MAX_TABLE_COLUMNS} are read", 1
                )])
            line = reader.line_num
            for row in reader:
                if len(out) >= MAX_TABLE_ROWS:
                    raise ScenarioError([Problem(
                        str(path), f"more than {MAX_TABLE_ROWS} rows; split the table or "
                        "remove rows", line + 1
                    )])
                extra = row.pop(None, None)
                rec = unflatten({k: unescape_formula(v) for k, v in row.items()})
                if extra:
                    rec["__extra_cells__"] = extra
                out.append((rec, Origin(str(path), line + 1)))
                line = reader.line_num
        except csv.Error as exc:
            raise ScenarioError(
                [Problem(str(path), f"not valid CSV ({exc})", line + 1)]
            ) from None
    return out


