"""Read what :mod:`forcegen.relief.exchange` writes: EDXL-RM messages and HXL-tagged 3W tables.

* ``RequestResource``: one request per ``ResourceInformation`` (element id, resource type
  value, quantity, requested arrival time and place as a GML point "lat lon").
* ``CommitResource``: one commitment per ``ResourceInformation`` (the offer as
  ``Resource/ResourceID``, its owner nation, the request it answers as
  ``PrecedingResourceInfoElementID``, the quantity).
* HXL: a CSV whose hashtag row names the columns (found among the first rows, in any column
  order; attributes in any order): one request per distinct ``#activity+id``; rows repeating a
  request (the 3W table has one per delivery) must agree on what it asks.

XML is parsed with ``defusedxml`` (no DTD, no entities, no external references). Every problem
names the file, the element or row and the field, all at once; nothing is returned unless the
whole file reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forcegen.exceptions import Problem, ScenarioError
from forcegen.relief.exchange import NS, NS_GML, NS_RM

__all__ = ["Commitment", "ReadRequest", "kind_of", "read_commits", "read_hxl", "read_requests"]

#: Largest file read (bytes): the messages of a relief operation are far smaller.
MAX_BYTES = 20 * 2**20
_Q = {"m": NS, "rm": NS_RM, "gml": NS_GML}


@dataclass(frozen=True)
class ReadRequest:
    """A request as a message carries it; ``due`` (EDXL) or ``by_hours`` (HXL) says when."""

    id: str
    capability: str
    quantity: Any
    at: tuple[Any, Any]
    place: str | None = None
    event: str | None = None
    due: dt.datetime | None = None
    by_hours: Any = None
    priority: Any = 1
    name: str | None = None
    where: str = ""  # element or row, for messages about it


@dataclass(frozen=True)
class Commitment:
    """A nation's offer committed to a request."""

    offer: str
    request: str
    nation: str | None
    quantity: Any
    where: str = ""


def _root(content: bytes, name: str) -> ET.Element:
    if len(content) > MAX_BYTES:
        raise ScenarioError([Problem(name, f"file larger than {MAX_BYTES // 2**20} MB")])
    try:
        return fromstring(content)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise ScenarioError([Problem(name, f"not a readable XML message: {exc}")]) from None


def kind_of(content: bytes, name: str) -> str:
    """``RequestResource``, ``CommitResource``, another root's name, or ``csv`` (not XML).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        For XML that does not parse (or declares a DTD or entities).
    """
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return "csv"
    return str(_root(content, name).tag).rpartition("}")[2]


def _text(el: ET.Element, path: str) -> str | None:
    found = el.find(path, _Q)
    return found.text.strip() if found is not None and found.text else None


def _when(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _expect(root: ET.Element, kind: str, name: str) -> None:
    if root.tag != f"{{{NS}}}{kind}":
        raise ScenarioError(
            [
                Problem(
                    name,
                    f"expected an EDXL-RM {kind} message ({NS}); the root element is {root.tag}",
                )
            ]
        )


def read_requests(content: bytes, name: str) -> list[ReadRequest]:
    """The requests of a ``RequestResource`` message (its first incident is their event)."""
    root = _root(content, name)
    _expect(root, "RequestResource", name)
    event = _text(root, "m:IncidentInformation/rm:IncidentID")
    out, problems = [], []
    for k, ri in enumerate(root.findall("m:ResourceInformation", _Q), 1):
        where = f"ResourceInformation[{k}]"
        rid = _text(ri, "m:ResourceInfoElementID")
        cap = _text(ri, "m:Resource/m:TypeStructure/rm:Value")
        qty = _text(ri, "m:AssignmentInformation/m:Quantity/rm:MeasuredQuantity/rm:Amount")
        pos = _text(ri, "m:ScheduleInformation/m:Location/rm:TargetArea/gml:Point/gml:pos")
        due = _text(ri, "m:ScheduleInformation/m:DateTime")
        missing = [
            f
            for f, v in (
                ("ResourceInfoElementID", rid),
                ("TypeStructure/Value", cap),
                ("Quantity/Amount", qty),
                ("TargetArea/Point/pos", pos),
                ("ScheduleInformation/DateTime", due),
            )
            if v is None
        ]
        for f in missing:
            problems.append(Problem(name, f"request {k} has no {f}", None, f"{where}.{f}"))
        if missing:
            continue
        assert rid and cap and qty and pos and due
        try:
            lat, lon = (float(v) for v in pos.split())
            when = _when(due)
        except ValueError:
            problems.append(
                Problem(
                    name,
                    f"request {rid!r}: pos {pos!r} must be 'lat lon' "
                    f"and DateTime {due!r} an ISO time",
                    None,
                    where,
                )
            )
            continue
        out.append(
            ReadRequest(
                rid,
                cap,
                qty,
                (lon, lat),
                _text(ri, "m:ScheduleInformation/m:Location/rm:LocationDescription"),
                event,
                when,
                name=_text(ri, "m:Resource/m:Name"),
                where=where,
            )
        )
    if problems:
        raise ScenarioError(problems)
    return out


def read_commits(content: bytes, name: str) -> list[Commitment]:
    """The commitments of a ``CommitResource`` message."""
    root = _root(content, name)
    _expect(root, "CommitResource", name)
    out, problems = [], []
    for k, ri in enumerate(root.findall("m:ResourceInformation", _Q), 1):
        where = f"ResourceInformation[{k}]"
        offer = _text(ri, "m:Resource/m:ResourceID")
        req = _text(ri, "m:ResponseInformation/rm:PrecedingResourceInfoElementID")
        qty = _text(ri, "m:AssignmentInformation/m:Quantity/rm:MeasuredQuantity/rm:Amount")
        bad = [
            f
            for f, v in (
                ("Resource/ResourceID", offer),
                ("ResponseInformation/PrecedingResourceInfoElementID", req),
            )
            if v is None
        ]
        problems += [Problem(name, f"commitment {k} has no {f}", None, f"{where}.{f}") for f in bad]
        if not bad:
            assert offer and req
            out.append(
                Commitment(
                    offer, req, _text(ri, "m:Resource/m:OwnershipInformation/m:Owner"), qty, where
                )
            )
    if problems:
        raise ScenarioError(problems)
    return out


#: HXL hashtag (attributes sorted) -> request field.
_HXL = {
    "#activity+id": "id",
    "#crisis+id": "event",
    "#item+code": "capability",
    "#item+name": "name",
    "#loc+name": "place",
    "#geo+lat": "lat",
    "#geo+lon": "lon",
    "#meta+priority": "priority",
    "#targeted+num": "quantity",
    "#meta+needed_by_hours": "by_hours",
}
_NEEDED = ("id", "capability", "lat", "lon", "quantity", "by_hours")


def _tag(cell: str) -> str:
    parts = cell.strip().lower().replace(" ", "").split("+")
    return "+".join([parts[0], *sorted(p for p in parts[1:] if p)])


def _hashtags(rows: list[list[str]], name: str) -> tuple[int, dict[str, int]]:
    for i, row in enumerate(rows[:25]):
        cells = [c.strip() for c in row]
        if cells and any(cells) and all(c.startswith("#") or not c for c in cells):
            cols: dict[str, int] = {}
            for j, c in enumerate(cells):
                if _tag(c) in _HXL:
                    cols.setdefault(_HXL[_tag(c)], j)
            missing = [t for t, f in _HXL.items() if f in _NEEDED and f not in cols]
            if missing:
                raise ScenarioError(
                    [Problem(name, "the HXL table lacks " + ", ".join(missing), i + 1, "hashtags")]
                )
            return i, cols
    raise ScenarioError(
        [Problem(name, "no HXL hashtag row (#activity+id, #item+code, ...) in the first 25 rows")]
    )


def read_hxl(content: bytes, name: str) -> list[ReadRequest]:
    """The requests of a 3W table tagged with HXL hashtags (CSV, UTF-8)."""
    if len(content) > MAX_BYTES:
        raise ScenarioError([Problem(name, f"file larger than {MAX_BYTES // 2**20} MB")])
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError([Problem(name, f"not a UTF-8 CSV table: {exc}")]) from None
    head, cols = _hashtags(rows, name)
    out: dict[str, ReadRequest] = {}
    problems: list[Problem] = []
    for i, row in enumerate(rows[head + 1 :], head + 2):
        if not any(c.strip() for c in row):
            continue
        v = {f: (row[j].strip() if j < len(row) else "") for f, j in cols.items()}
        gaps = [f for f in _NEEDED if not v.get(f)]
        if gaps:
            problems += [Problem(name, f"row {i}: {f} is empty", i, f) for f in gaps]
            continue
        try:
            at = (float(v["lon"]), float(v["lat"]))
        except ValueError:
            problems.append(Problem(name, f"row {i}: lat and lon must be numbers", i, "lat"))
            continue
        r = ReadRequest(
            v["id"],
            v["capability"],
            v["quantity"],
            at,
            v.get("place") or None,
            v.get("event") or None,
            None,
            v["by_hours"],
            v.get("priority") or 1,
            v.get("name") or None,
            f"row {i}",
        )
        first = out.setdefault(r.id, r)
        if first is not r and (first.capability, first.quantity, first.at, first.by_hours) != (
            r.capability,
            r.quantity,
            r.at,
            r.by_hours,
        ):
            problems.append(
                Problem(name, f"row {i}: request {r.id!r} differs from its {first.where}", i, "id")
            )
    if problems:
        raise ScenarioError(problems)
    return list(out.values())
