"""Flat tables (CSV rows, sheet rows) <-> the nested records of ``scenario.yaml``.

A column name with dots addresses a nested key (``caveats.sectors``); list cells separate items
with ``;``; coordinates are ``lon;lat``. Empty cells mean "absent".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["COORD_FIELDS", "FILE_KEYS", "LIST_FIELDS", "SECTIONS", "flatten", "unflatten"]

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
LIST_FIELDS = frozenset({"groups", "caveats.sectors", "caveats.roles"})
#: Dotted paths holding ``[lon, lat]`` (or, for ``home``, a node id).
COORD_FIELDS = frozenset({"at", "home"})


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
