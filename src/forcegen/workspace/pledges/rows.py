"""Pledge rows straight from the database into API JSON, for the pledge list's fast path.

``PledgeRead`` models (or ORM objects) cost several microseconds per field; a list page holds
100 pledges of 18 fields. Here a page is read as plain rows of :data:`RAW_COLUMNS` (no ORM, no
column-type result processing) and :func:`row_dict` turns each into a dict that pydantic-core's
``to_json`` encodes exactly as ``PledgeRead.model_dump_json`` would (tests compare the two).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic_core import from_json
from sqlalchemy import String, Table, Text, cast, type_coerce

from forcegen.workspace.labels import LEVELS, decode_releasable
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.schemas import PledgeRead

__all__ = ["FIELDS", "RAW_COLUMNS", "row_dict", "stamp"]

_TABLE: Table = Pledge.__table__  # type: ignore[assignment]
#: The API's field order (``PledgeRead``).
FIELDS: tuple[str, ...] = tuple(PledgeRead.model_fields)
_JSON_FIELDS = ("home", "caveats")
_TIME_FIELDS = ("created_at", "updated_at", "status_changed_at")
#: JSON columns as their stored text (``CAST(... AS TEXT)`` is the text itself on PostgreSQL's
#: ``json`` and a no-op on SQLite); timestamps without the column type's result processing: on
#: SQLite the stored text, on PostgreSQL the driver's aware datetimes.
RAW_COLUMNS: list[Any] = [
    cast(_TABLE.c[k], Text).label(k)
    if k in _JSON_FIELDS
    else type_coerce(_TABLE.c[k], String).label(k)
    if k in _TIME_FIELDS
    else _TABLE.c[k]
    for k in FIELDS
]
_ZERO = dt.timedelta(0)


def stamp(value: Any) -> str | dt.datetime | None:
    """A stored timestamp as ``PledgeRead`` serializes it, or as an aware UTC datetime.

    SQLite keeps ``UTCDateTime`` values as naive-UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``; that
    text is rewritten directly into pydantic's form (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, the
    fraction left out when zero), skipping a parse and a format per value. Anything else is
    converted to an aware UTC datetime (PostgreSQL may answer in the session's time zone).
    """
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == "." and value[4] == "-":
            head = value[:10] + "T" + value[11:19]
            fraction = value[19:]
            return head + "Z" if fraction == ".000000" else head + fraction + "Z"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value if value.utcoffset() == _ZERO else value.astimezone(dt.UTC)


def _json(text: str | None) -> Any:
    # SQL NULL and JSON null both read as None, as they do through the JSON column type.
    return None if text is None or text == "null" else from_json(text)


def row_dict(row: Any) -> dict[str, Any]:
    """One row of :data:`RAW_COLUMNS` as the dict of a ``PledgeRead``'s JSON fields."""
    d = dict(zip(FIELDS, row, strict=True))
    d["home"] = _json(d["home"])
    d["caveats"] = _json(d["caveats"])
    d["created_at"] = stamp(d["created_at"])
    d["updated_at"] = stamp(d["updated_at"])
    d["status_changed_at"] = stamp(d["status_changed_at"])
    d["classification"] = LEVELS[d["classification"]]
    d["releasable_to"] = decode_releasable(d["releasable_to"])
    d["label"] = _json(d["label"])
    return d
