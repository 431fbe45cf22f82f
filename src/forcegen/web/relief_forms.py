"""Relief event, request and offer forms to the API's schemas, stored rows back to form text.

As ``web.forms`` does for pledges and requirements: the form's strings become the JSON body
the API would take (``EventCreate``, ``EventUpdate``, ``RequestCreate``, ``RequestUpdate``,
``OfferCreate``, ``OfferUpdate``, ``OfferStatusChange``), so the schemas and the services
check a form by the API's own rules.
A field left empty on an edit is sent as ``null``: the service names a required one ("quantity
cannot be empty") rather than keeping the old value without a word.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from forcegen.web.forms import FieldErrors, diffs
from forcegen.web.marking import label_payload
from forcegen.workspace.relief.schemas import ItemIn

__all__ = [
    "EVENT_FIELDS",
    "OFFER_FIELDS",
    "REQUEST_FIELDS",
    "diffs",
    "event_payload",
    "event_values",
    "item_errors",
    "items_text",
    "offer_payload",
    "offer_values",
    "pair_errors",
    "request_payload",
    "request_values",
    "status_payload",
]

#: The fields of each form that an edit may change (compared on a stale save).
EVENT_FIELDS = ("name", "at", "started", "items")
REQUEST_FIELDS = ("capability", "quantity", "place", "at", "by_hours", "priority", "name")
OFFER_FIELDS = ("quantity", "home", "notice_hours", "mode", "speed", "cost", "name")

_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[;,\s]\s*(-?\d+(?:\.\d+)?)\s*$")
_HINT = "expected longitude; latitude in degrees, e.g. -175.2; -21.14"


def _pair_text(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{value[0]:g}; {value[1]:g}"
    return "" if value is None else str(value)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _when(value: Any) -> str:
    # A stored time (or the API's ISO text of one) as the form shows it: UTC, to the minute.
    if isinstance(value, str) and value:
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M")


def items_text(items: Any) -> str:
    """Items as the items box shows them: ``ID; name; unit`` a line, the unit "unit" left out."""
    lines = []
    for i in items or []:
        parts = [str(i["id"]), i.get("name") or "", i.get("unit") or "unit"]
        if parts[2] == "unit":
            parts.pop()
            if not parts[1]:
                parts.pop()
        lines.append("; ".join(parts))
    return "\n".join(lines)


def event_values(row: Any) -> dict[str, str]:
    """A stored event (row or the API's read dict) as the strings its form shows."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "id": str(get("id")),
        "name": get("name") or "",
        "at": _pair_text(get("at")),
        "started": _when(get("started")),
        "items": items_text(get("items")),
        "version": str(get("version")),
    }


def _item_lines(text: str) -> list[tuple[int, dict[str, str]]]:
    """``(line number, item)`` for each non-blank line ``ID; name; unit`` of ``text``."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        item = {"id": parts[0]}
        if len(parts) > 1 and parts[1]:
            item["name"] = parts[1]
        if len(parts) > 2 and parts[2]:
            item["unit"] = parts[2]
        if len(parts) > 3:
            item["extra"] = "; ".join(parts[3:])  # refused by the schema, with the line named
        out.append((n, item))
    return out


def item_errors(values: dict[str, str], *, refused: FieldErrors | None = None) -> FieldErrors:
    """The first bad line of the items box, named (``line 2: id: ...``).

    Each line is checked with the API's ``ItemIn``; ``refused`` turns a service error at
    ``items.K.id`` (a duplicate id) into the same form, K counting the items given.
    """
    lines = _item_lines(values.get("items", ""))
    for key, msg in (refused or {}).items():
        m = re.match(r"^items\.(\d+)", key)
        if m and int(m.group(1)) < len(lines):
            return {"items": f"line {lines[int(m.group(1))][0]}: {msg}"}
    for n, item in lines:
        try:
            ItemIn.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            msg = ("expected at most ID; name; unit" if err.get("type") == "extra_forbidden"
                   else f"{where}: {err.get('msg')}")
            return {"items": f"line {n}: {msg}"}
    return {}


def request_values(row: Any) -> dict[str, str]:
    """A stored request (row or the API's read dict) as the strings its form shows."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "id": str(get("id")),
        "event": str(get("event")),
        "capability": str(get("capability")),
        "quantity": str(get("quantity")),
        "place": get("place") or "",
        "at": _pair_text(get("at")),
        "by_hours": _num(get("by_hours")),
        "priority": str(get("priority")),
        "name": get("name") or "",
        "version": str(get("version")),
    }


def offer_values(row: Any) -> dict[str, str]:
    """A stored offer (row or the API's read dict) as the strings its form shows."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "id": str(get("id")),
        "event": str(get("event")),
        "nation": str(get("nation")),
        "capability": str(get("capability")),
        "quantity": str(get("quantity")),
        "home": _pair_text(get("home")),
        "notice_hours": _num(get("notice_hours")),
        "mode": str(get("mode")),
        "speed": _num(get("speed")),
        "cost": _num(get("cost")),
        "name": get("name") or "",
        "version": str(get("version")),
        "status": str(get("status")),
        "request": get("request") or "",
    }


def _number(text: str) -> Any:
    # Anything that is not a number stays text, so the schema names the field in its error.
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def pair_errors(values: dict[str, str], *keys: str) -> FieldErrors:
    """An error at each of ``keys`` whose text is not ``lon; lat`` (empty ones: the schema's)."""
    return {k: _HINT for k in keys if values.get(k) and not _PAIR.match(values[k])}


def _pair(text: str) -> Any:
    m = _PAIR.match(text)
    return [float(m.group(1)), float(m.group(2))] if m else (text or None)


def _payload(values: dict[str, str], keys: tuple[str, ...], text: tuple[str, ...],
             pairs: tuple[str, ...], new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        raw = values.get(key, "")
        if key in pairs:
            out[key] = _pair(raw)
        elif raw == "":
            out[key] = None
        else:
            out[key] = raw if key in text else _number(raw)
    out.update(label_payload(values))
    if new:  # absent, not null: the schema's defaults apply and "required" names the field
        out = {k: v for k, v in out.items() if v is not None}
    return out


def event_payload(values: dict[str, str], *, new: bool) -> dict[str, Any]:
    """The body of ``POST`` (``new``) or ``PATCH /relief/events`` an event form stands for.

    The items box becomes the ``items`` list (one line each); the airfields, ports and settings
    are not on the form and are never sent, so an edit keeps them.
    """
    keys = ("id",) if new else ("version",)
    out = _payload(values, (*keys, "name", "at", "started"), ("id", "name", "started"),
                   ("at",), new)
    out["items"] = [item for _, item in _item_lines(values.get("items", ""))]
    return out


def request_payload(values: dict[str, str], *, new: bool) -> dict[str, Any]:
    """The body of ``POST`` (``new``) or ``PATCH /relief/requests`` a request form stands for."""
    keys = (*(("id", "event") if new else ("version",)), *REQUEST_FIELDS)
    return _payload(values, keys, ("id", "event", "capability", "place", "name"), ("at",), new)


def offer_payload(values: dict[str, str], *, new: bool) -> dict[str, Any]:
    """The body of ``POST`` (``new``) or ``PATCH /relief/offers`` an offer form stands for."""
    keys = (*(("id", "event", "nation", "capability") if new else ("version",)), *OFFER_FIELDS)
    text = ("id", "event", "nation", "capability", "mode", "name")
    return _payload(values, keys, text, ("home",), new)


def status_payload(values: dict[str, str]) -> dict[str, Any]:
    """The body of ``POST /relief/offers/{id}/status``: the request and units when committing.

    The status form shows the request and units fields whatever the button; they are sent only
    with ``committed`` (the API refuses them otherwise, and a liaison pressing "Release" with a
    request still chosen means no request).
    """
    status = values.get("status", "")
    out: dict[str, Any] = {"status": status, "version": _number(values.get("version", ""))}
    if status == "committed":
        if values.get("request"):
            out["request"] = values["request"]
        if values.get("units"):
            out["quantity"] = _number(values["units"])
    if values.get("note"):
        out["note"] = values["note"]
    return out
