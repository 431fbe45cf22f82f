"""Flat tables (CSV rows, sheet rows) <-> the nested records of ``scenario.yaml``.

A column name with dots addresses a nested key (``caveats.sectors``); list cells separate items
with ``;``; coordinates are ``lon;lat``. Empty cells mean "absent".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

__all__ = [
    "COORD_FIELDS",
    "DEPLOYMENT_COORD_FIELDS",
    "DEPLOYMENT_KEYS",
    "DEPLOYMENT_LIST_FIELDS",
    "EXERCISE_KEYS",
    "EXERCISE_LIST_FIELDS",
    "FILE_KEYS",
    "LIST_FIELDS",
    "SECTIONS",
    "escape_formula",
    "flatten",
    "json_value",
    "needs_value",
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
#: Deployment sections (docs/scenario.md "Deployment"): in a workbook, a sheet each.
DEPLOYMENT_KEYS: tuple[str, ...] = ("lift", "ports", "movements")
#: Their list fields (``after``: ``A;B``) and places (``[lon, lat]`` as ``lon;lat``, or an id).
DEPLOYMENT_LIST_FIELDS = frozenset({"after", "sectors"})
DEPLOYMENT_COORD_FIELDS = frozenset({"at", "origin", "destination"})
#: Exercise sections (docs/scenario.md "Exercises"): in a workbook, a sheet each.
EXERCISE_KEYS: tuple[str, ...] = ("training_areas", "exercises", "units_unavailable")
#: Their list fields (``window`` as ``first;last``); ``needs`` is read by :func:`needs_value`.
EXERCISE_LIST_FIELDS = frozenset({"area", "window", "after", "certifies"})


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


# JSON cells: at most an Excel cell's length, nested no deeper than a scenario.yaml may be.
_MAX_JSON_CHARS = 32_767
_MAX_JSON_DEPTH = 32


def _too_deep(text: str) -> bool:
    """Brackets nested deeper than allowed (brackets inside strings count too: never less)."""
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > _MAX_JSON_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def json_value(text: str) -> Any:
    """``text`` parsed when it is a JSON object or array, else ``text`` unchanged.

    How an ``x-`` extension holding a mapping or a list comes back from a table cell.
    """
    stripped = text.strip()
    if stripped[:1] not in ("{", "[") or len(stripped) > _MAX_JSON_CHARS or _too_deep(stripped):
        return text
    try:
        value = json.loads(stripped)
    except ValueError:
        return text
    return value if isinstance(value, dict | list) else text


def needs_value(text: str) -> Any:
    """An exercise's ``needs`` from a cell: ``CAP:2;CAP2`` (quantity 1 when left out) or JSON.

    A quantity that is not a whole number is kept as text, so validation names it.
    """
    if text.strip()[:1] == "[":
        return json_value(text)
    out: list[dict[str, Any]] = []
    for item in _split(text):
        cap, sep, qty = item.partition(":")
        q: Any = qty.strip() if sep else 1
        if isinstance(q, str) and q.isdigit():
            q = int(q)
        out.append({"capability": cap.strip(), "quantity": q})
    return out


def _is_extension(path: str) -> bool:
    return path.rpartition(".")[2].startswith("x-")


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


def _cell_to_value(path: str, value: Any, lists: frozenset[str],
                   coords: frozenset[str]) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        return value
    if _is_extension(path):  # written as JSON when it held a mapping or a list
        return json_value(value)
    if path in lists:
        return _split(value)
    if path in coords:
        parts = _split(value)
        if len(parts) == 2:
            try:
                return [float(parts[0]), float(parts[1])]
            except ValueError:
                pass
        # A node id (``home``) or a malformed pair: validation will say which.
        return value.strip() if len(parts) <= 1 else parts
    return value


def unflatten(row: dict[str, Any], lists: frozenset[str] = LIST_FIELDS,
              coords: frozenset[str] = COORD_FIELDS) -> dict[str, Any]:
    """Turn a flat table row into a nested record; empty cells are dropped.

    ``lists`` and ``coords`` name the dotted paths read as ``;``-separated lists and as
    ``lon;lat`` places (the deployment sections have their own).
    """
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
        target[parts[-1]] = _cell_to_value(path, value, lists, coords)
    return out


def _value_to_cell(path: str, value: Any) -> Any:
    if _is_extension(path) and isinstance(value, dict | list | tuple):
        # JSON text, read back by json_value (a cell holding Python's repr would come back
        # as a string).
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        if path in COORD_FIELDS or path in DEPLOYMENT_COORD_FIELDS:
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
