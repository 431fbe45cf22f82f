"""Flat tables (CSV rows, sheet rows) <-> the nested records of ``scenario.yaml``.

A column name with dots addresses a nested key (``caveats.sectors``); list cells separate items
with ``;``; coordinates are ``lon;lat``. Empty cells mean "absent".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = [
    "COORD_FIELDS",
    "FILE_KEYS",
    "LIST_FIELDS",
    "SECTIONS",
    "escape_formula",
    "flatten",
    "unescape_formula",
    "unflatten",
]

#: Table sections of a scenario, in file order.
SECTIONS: tuple[str, ...] = (
    "nations",
    "catalog",
    "sectors",
    "requirements",
    "pledges",
    "depot_sites",
)
#: Top-level keys naming side tables (CSV files; in a workbook also sheets of that name).
FILE_KEYS: tuple[str, ...] = ("network", "nodes", "costs")
#: Dotted paths holding lists of strings.
LIST_FIELDS = frozenset({"groups", "caveats.sectors", "caveats.roles", "certified"})
#: Dotted paths holding ``[lon, lat]`` (or, for ``home``, a node id).
COORD_FIELDS = frozenset({"at", "home"})


# Spreadsheet formula injection (OWASP "CSV injection"): a cell starting with one of these is
# run as a formula when a CSV is opened in a spreadsheet. Such text is written behind a ``'``
# and read back without it. Text already starting with quotes before such a character gets one
# more quote, so the round trip is lossless and hand-written text like ``'t Hooft`` is untouched.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
# Numbers and ``;``-separated number lists (coordinates ``-3.7;40.4``) stay as they are: a
# negative number is a number, and digits cannot call a function.
_NUMBERS = re.compile(r"^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?(;[-+]?\d+(\.\d+)?([eE][-+]?\d+)?)*$")


def escape_formula(value: Any) -> Any:
    """``value`` made safe for a CSV cell (text that a spreadsheet would run gets a ``'``)."""
    if isinstance(value, str) and _FORMULA_START.match(value) and not _NUMBERS.match(value):
        return "'" + value
    return value


def unescape_formula(value: Any) -> Any:
    """Inverse of :func:`escape_formula` for a cell read from a CSV file."""
    if isinstance(value, str) and _ESCAPED.match(value) and not _NUMBERS.match(value[1:]):
        return value[1:]
    return value


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


def _cell_to_value(path: str, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        return value
    if path in LIST_FIELDS:
        return _split(value)
    if path in COORD_FIELDS:
        parts = _split(value)
        if len(parts) == 2:
            try:
                return [float(parts[0]), float(parts[1])]
            except ValueError:
                pass
        # A node id (``home``) or a malformed pair: validation will say which.
        return value.strip() if len(parts) <= 1 else parts
    return value


def unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """Turn a flat table row into a nested record; empty cells are dropped."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or str(key).strip() == "":
            continue
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        path = str(key).strip()
        parts = path.split(".")
        target = out
        for part in parts[:-1]:
            nxt = target.setdefault(part, {})
            if not isinstance(nxt, dict):  # "a" and "a.b" both given
                nxt = target[part] = {}
            target = nxt
        target[parts[-1]] = _cell_to_value(path, value)
    return out


def _value_to_cell(path: str, value: Any) -> Any:
    if isinstance(value, list | tuple):
        if path in COORD_FIELDS:
            return ";".join(repr(float(v)) for v in value)
        return ";".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    # Whole numbers as integers (``20``, not ``20.0``): the reader gives the same float back.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Inverse of :func:`unflatten` for one record (``x-`` keys included)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not str(key).startswith("x-"):
            out.update(flatten(value, prefix=path + "."))
        elif value is not None:
            out[path] = _value_to_cell(path, value)
    return out
