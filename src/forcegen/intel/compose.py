"""STIX 2.1 objects written by hand: an indicator, a report or a note from a few fields.

What an analyst fills in on the workspace's compose page (``forcegen.web``), turned into a
STIX 2.1 object and validated by the ``stix2`` library like any posted object
(:func:`~forcegen.intel.objects.validate_object`). Every problem names its field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from forcegen.exceptions import StixError
from forcegen.intel.objects import SECTOR_PROPERTY, sector_of, validate_object

__all__ = ["COMPOSE_TYPES", "ComposeError", "compose_object"]

#: The types the compose page writes, and the fields each needs.
COMPOSE_TYPES: dict[str, tuple[str, ...]] = {
    "indicator": ("name", "pattern"),
    "report": ("name", "object_refs"),
    "note": ("content", "object_refs"),
}
_MAX_TEXT = 10_000
_MAX_REFS = 100


class ComposeError(StixError):
    """A composed object is refused; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _text(fields: Mapping[str, str], key: str, required: bool) -> str | None:
    value = (fields.get(key) or "").strip()
    if not value:
        if required:
            raise ComposeError(f"{key}: required", key)
        return None
    if len(value) > _MAX_TEXT:
        raise ComposeError(f"{key}: at most {_MAX_TEXT} characters", key)
    return value


def _refs(fields: Mapping[str, str]) -> list[str]:
    refs = sorted({r for r in (fields.get("object_refs") or "").replace(",", " ").split() if r})
    if not refs:
        raise ComposeError("object_refs: name at least one object (a STIX id, e.g. "
                           "indicator--…)", "object_refs")
    if len(refs) > _MAX_REFS:
        raise ComposeError(f"object_refs: at most {_MAX_REFS}", "object_refs")
    return refs


def compose_object(kind: str, fields: Mapping[str, str],
                   now: dt.datetime | None = None) -> dict[str, Any]:
    """The STIX 2.1 object of type ``kind`` the ``fields`` describe, validated.

    ``fields``: ``name``, ``description``, ``pattern`` (indicator, a STIX pattern),
    ``content`` and ``abstract`` (note), ``object_refs`` (report, note: STIX ids separated by
    spaces or commas), ``sector`` (the force sector the object is about).

    Raises
    ------
    ComposeError
        A missing or malformed field, or an object ``stix2`` refuses (named at ``form``).
    """
    if kind not in COMPOSE_TYPES:
        raise ComposeError(f"type: expected one of {', '.join(COMPOSE_TYPES)}", "type")
    t = now or dt.datetime.now(dt.UTC)
    stamp = _stamp(t)
    obj: dict[str, Any] = {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}",
                           "created": stamp, "modified": stamp}
    if kind == "indicator":
        obj.update(name=_text(fields, "name", True), pattern=_text(fields, "pattern", True),
                   pattern_type="stix", valid_from=stamp)
    elif kind == "report":
        obj.update(name=_text(fields, "name", True), published=stamp,
                   report_types=["threat-report"], object_refs=_refs(fields))
    else:
        obj.update(content=_text(fields, "content", True),
                   abstract=_text(fields, "abstract", False), object_refs=_refs(fields))
    if kind != "note":
        obj["description"] = _text(fields, "description", False)
    sector = (fields.get("sector") or "").strip()
    if sector:
        obj[SECTOR_PROPERTY] = sector
    obj = {k: v for k, v in obj.items() if v is not None}
    try:
        sector_of(obj)
    except StixError as exc:
        raise ComposeError(str(exc), "sector") from None
    try:
        return validate_object(obj, kind)
    except StixError as exc:
        field = next((f for f in ("pattern", "object_refs") if f in str(exc)), "form")
        raise ComposeError(str(exc), field) from None
