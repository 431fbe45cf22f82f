"""Exchange formats: EDXL-RM-style messages and a "who does what where" table with HXL tags.

**EDXL-RM** (OASIS Emergency Data Exchange Language, Resource Messaging 1.0): a minimal
``RequestResource`` (every request of the section, one ``ResourceInformation`` each) and a
minimal ``CommitResource`` (every delivery of a plan, answering its request). Only the elements
needed to carry what forcegen knows are written, in the order of the schema: message id, sent
time, content type, incidents, a contact, then per resource its element id, the response to the
request (commits), the resource (id, name, type from the value list
``urn:forcegen:relief:capability``, owner nation), the quantity, and the schedule (requested or
estimated arrival, with the place as a GML point "lat lon"). The message id is a hash of the
content, so the same plan gives the same id. Written with the standard library; read back by
:mod:`forcegen.relief.reading`. The answers and status reports are in
:mod:`forcegen.relief.edxl_status`.

**HXL** (Humanitarian Exchange Language): a CSV whose second row tags each column
(``#activity+id``, ``#item+code``, ``#org+code``, ``#geo+lat``, ...), the "3W" table the
humanitarian community shares: one row per delivery, plus one per request still short.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import xml.etree.ElementTree as ET
from typing import Any

from forcegen.relief.models import ReliefData
from forcegen.scenario._tables import escape_formula

__all__ = ["HXL_COLUMNS", "commit_resource", "request_resource", "who_what_where"]

NS = "urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"
NS_RM = "urn:oasis:names:tc:emergency:EDXL:RM:1.0"
NS_GML = "http://www.opengis.net/gml/3.2"
VALUE_LIST = "urn:forcegen:relief:capability"
ET.register_namespace("", NS)
ET.register_namespace("rm", NS_RM)
ET.register_namespace("gml", NS_GML)


def _el(parent: ET.Element, tag: str, text: str | None = None, ns: str = NS) -> ET.Element:
    e = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        e.text = text
    return e


def _start(rd: ReliefData, event: str) -> dt.datetime | None:
    e = next(x for x in rd.events if x.id == event)
    if e.started is None:
        return None
    if isinstance(e.started, dt.datetime):
        return e.started if e.started.tzinfo else e.started.replace(tzinfo=dt.UTC)
    return dt.datetime(e.started.year, e.started.month, e.started.day, tzinfo=dt.UTC)


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _message(kind: str, rd: ReliefData, sent: dt.datetime, description: str) -> ET.Element:
    root = ET.Element(f"{{{NS}}}{kind}")
    _el(root, "MessageID", "")
    _el(root, "SentDateTime", _stamp(sent))
    _el(root, "MessageContentType", kind)
    _el(root, "MessageDescription", description)
    for e in rd.events:
        inc = _el(root, "IncidentInformation")
        _el(inc, "IncidentDescription", e.name or e.id, NS_RM)
        _el(inc, "IncidentID", e.id, NS_RM)
    contact = _el(root, "ContactInformation")
    _el(contact, "ContactDescription", "forcegen relief plan", NS_RM)
    _el(contact, "ContactRole", "Sender", NS_RM)
    return root


def _resource(parent: ET.Element, rid: str | None, name: str | None, capability: str,
              owner: str | None) -> None:
    res = _el(parent, "Resource")
    if rid is not None:
        _el(res, "ResourceID", rid)
    if name:
        _el(res, "Name", name)
    ts = _el(res, "TypeStructure")
    _el(ts, "ValueListURN", VALUE_LIST, NS_RM)
    _el(ts, "Value", capability, NS_RM)
    if owner is not None:
        own = _el(res, "OwnershipInformation")
        _el(own, "Owner", owner)


def _assignment(parent: ET.Element, quantity: int, unit: str) -> None:
    a = _el(parent, "AssignmentInformation")
    q = _el(a, "Quantity")
    mq = _el(q, "MeasuredQuantity", None, NS_RM)
    _el(mq, "Amount", str(quantity), NS_RM)
    _el(mq, "UnitOfMeasure", unit, NS_RM)


def _schedule(parent: ET.Element, kind: str, when: dt.datetime | None, place: str | None,
              at: tuple[float, float]) -> None:
    s = _el(parent, "ScheduleInformation")
    _el(s, "ScheduleType", kind)
    if when is not None:
        _el(s, "DateTime", _stamp(when))
    loc = _el(s, "Location")
    if place:
        _el(loc, "LocationDescription", place, NS_RM)
    area = _el(loc, "TargetArea", None, NS_RM)
    point = _el(area, "Point", None, NS_GML)
    _el(point, "pos", f"{at[1]:.5f} {at[0]:.5f}", NS_GML)


def _finish(root: ET.Element, kind: str) -> bytes:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    digest = hashlib.sha256(body.replace(root[1].text or "", "").encode()).hexdigest()[:20]
    root[0].text = f"forcegen-{kind}-{digest}"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def request_resource(rd: ReliefData, *, sent: dt.datetime) -> bytes:
    """Every request as one EDXL-RM ``RequestResource`` message (UTF-8 XML)."""
    units = {i.id: i.unit for i in rd.items}
    root = _message("RequestResource", rd, sent, "Relief requests")
    for r in rd.requests:
        ri = _el(root, "ResourceInformation")
        _el(ri, "ResourceInfoElementID", r.id)
        _resource(ri, None, r.name, r.capability, None)
        _assignment(ri, r.quantity, units.get(r.capability, "unit"))
        start = _start(rd, r.event)
        due = start + dt.timedelta(hours=r.by_hours) if start is not None else None
        _schedule(ri, "RequestedArrival", due, r.place, r.at)
    return _finish(root, "request")


def commit_resource(rd: ReliefData, plan: dict[str, Any], *, sent: dt.datetime) -> bytes:
    """Every delivery of ``plan`` (``ReliefPlan.to_dict()``) as one ``CommitResource``."""
    units = {i.id: i.unit for i in rd.items}
    offers = {o.id: o for o in rd.offers}
    requests = {r.id: r for r in rd.requests}
    root = _message("CommitResource", rd, sent, f"Relief commitments ({plan['status']})")
    for k, d in enumerate(plan["deliveries"], 1):
        r, o = requests[d["request"]], offers[d["offer"]]
        ri = _el(root, "ResourceInformation")
        _el(ri, "ResourceInfoElementID", f"{d['offer']}/{k}")
        resp = _el(ri, "ResponseInformation")
        _el(resp, "PrecedingResourceInfoElementID", r.id, NS_RM)
        _el(resp, "ResponseType", "Accept", NS_RM)
        _resource(ri, o.id, o.name, o.capability, o.nation)
        _assignment(ri, d["quantity"], units.get(o.capability, "unit"))
        start = _start(rd, r.event)
        eta = start + dt.timedelta(hours=d["hours"]) if start is not None and d["hours"] >= 0 \
            else None
        _schedule(ri, "EstimatedArrival", eta, r.place, r.at)
    return _finish(root, "commit")


#: Column titles and their HXL hashtags, in order.
HXL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event", "#crisis+id"), ("request", "#activity+id"), ("item", "#item+code"),
    ("item name", "#item+name"), ("place", "#loc+name"), ("lat", "#geo+lat"),
    ("lon", "#geo+lon"), ("priority", "#meta+priority"), ("asked", "#targeted+num"),
    ("needed by h", "#meta+needed_by_hours"), ("nation", "#org+code"),
    ("offer", "#meta+offer_id"), ("mode", "#modality"), ("status", "#status"),
    ("units", "#output+num"), ("arrival h", "#meta+arrival_hours"),
    ("in time", "#meta+in_time"), ("short", "#meta+short_reason"),
)


def _cell(value: Any) -> Any:
    """A cell a spreadsheet will not run (the project's CSV rule, ``docs/scenario.md``)."""
    return escape_formula("" if value is None else value)


def who_what_where(rd: ReliefData, plan: dict[str, Any], names: dict[str, str]) -> str:
    """The 3W table of ``plan`` as CSV text: titles, HXL hashtags, then one row a delivery."""
    requests = {r.id: r for r in rd.requests}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in HXL_COLUMNS])
    w.writerow([t for _, t in HXL_COLUMNS])

    def head(r: Any) -> list[Any]:
        return [r.event, r.id, r.capability, names.get(r.capability, r.capability),
                r.place or "", f"{r.at[1]:.5f}", f"{r.at[0]:.5f}", r.priority, r.quantity,
                f"{r.by_hours:g}"]

    for d in plan["deliveries"]:
        arrival = f"{d['hours']:.1f}" if d["hours"] >= 0 else ""
        tail = [d["nation"], d["offer"], d["mode"], d["status"], d["quantity"], arrival,
                "yes" if d["in_time"] else "no", ""]
        w.writerow([_cell(v) for v in [*head(requests[d["request"]]), *tail]])
    for f in plan["requests"]:
        if f["short"] > 0:
            why = "; ".join(x["code"] for x in f["reasons"])
            tail = ["", "", "", "", f["short"], "", "no", why]
            w.writerow([_cell(v) for v in [*head(requests[f["request"]]), *tail]])
    return buf.getvalue()
