"""EDXL-RM answers and progress: ResponseToRequestResource, ReportResourceDeploymentStatus.

* **ResponseToRequestResource** answers a ``RequestResource`` request by request: one
  ``ResourceInformation`` per delivery of a plan (``ResponseType`` ``Accept``, the offer as the
  resource with its owner nation, the units and the estimated arrival) and one per request still
  short (``Decline``, the units not coming, the reason codes of
  :mod:`forcegen.relief.shortfalls` as ``ReasonCode`` and their words as ``ResponseReason``).
* **ReportResourceDeploymentStatus** reports where each held offer stands in its cycle
  (``committed``, ``in-transit``, ``delivered``, ``released``) as the resource's
  ``ResourceStatus/DeploymentStatus``, a value of the list ``urn:forcegen:relief:status``, with
  the request it serves as ``PrecedingResourceInfoElementID``.

Both are written in the same shape as :mod:`forcegen.relief.exchange` (same header, same content
hash as message id) and read back here: every problem names the element and what was expected,
all at once, and nothing is returned unless the whole message reads.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from forcegen.exceptions import Problem, ScenarioError
from forcegen.relief.exchange import (
    NS_RM,
    _assignment,
    _el,
    _finish,
    _message,
    _resource,
    _schedule,
    _start,
)
from forcegen.relief.models import OFFER_STATUSES, ReliefData
from forcegen.relief.reading import _Q, _expect, _root, _text

__all__ = ["RESPONSE_TYPES", "STATUS_LIST", "DeploymentReport", "Response",
           "deployment_status", "read_deployment_status", "read_responses",
           "response_to_request"]

#: ``ResponseType`` values of EDXL-RM 1.0.
RESPONSE_TYPES = ("Accept", "Decline", "Conditional", "Provisional")
#: The value list of deployment statuses (forcegen's offer cycle).
STATUS_LIST = "urn:forcegen:relief:status"
_AMOUNT = "m:AssignmentInformation/m:Quantity/rm:MeasuredQuantity/rm:Amount"
_PRECEDING = "m:ResponseInformation/rm:PrecedingResourceInfoElementID"
T = TypeVar("T")
#: ``bad(field, message)``: records a problem of the element being read.
_Bad = Callable[[str, str], None]


@dataclass(frozen=True)
class Response:
    """One answer to a request: units accepted from an offer, or units declined and why."""

    request: str
    response: str  # one of RESPONSE_TYPES
    quantity: int
    offer: str | None = None
    nation: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    where: str = ""


@dataclass(frozen=True)
class DeploymentReport:
    """Where one offer stands: its status, the request it serves, its units."""

    offer: str
    status: str
    request: str | None
    nation: str | None
    quantity: int | None
    where: str = ""


def _response(ri: ET.Element, request: str, kind: str, code: str | None = None,
              reason: str | None = None) -> None:
    resp = _el(ri, "ResponseInformation")
    _el(resp, "PrecedingResourceInfoElementID", request, NS_RM)
    _el(resp, "ResponseType", kind, NS_RM)
    if code is not None:
        _el(resp, "ReasonCode", code, NS_RM)
    if reason is not None:
        _el(resp, "ResponseReason", reason, NS_RM)


def response_to_request(rd: ReliefData, plan: dict[str, Any], *, sent: dt.datetime) -> bytes:
    """Every request's answer in ``plan`` (``ReliefPlan.to_dict()``): units accepted, declined."""
    units = {i.id: i.unit for i in rd.items}
    offers = {o.id: o for o in rd.offers}
    requests = {r.id: r for r in rd.requests}
    root = _message("ResponseToRequestResource", rd, sent,
                    f"Relief answers ({plan['status']})")
    by_request: dict[str, list[dict[str, Any]]] = {}
    for d in plan["deliveries"]:
        by_request.setdefault(d["request"], []).append(d)
    for f in plan["requests"]:
        r = requests[f["request"]]
        unit = units.get(r.capability, "unit")
        for k, d in enumerate(by_request.get(r.id, []), 1):
            o = offers[d["offer"]]
            ri = _el(root, "ResourceInformation")
            _el(ri, "ResourceInfoElementID", f"{r.id}/{k}")
            _response(ri, r.id, "Accept")
            _resource(ri, o.id, o.name, o.capability, o.nation)
            _assignment(ri, d["quantity"], unit)
            start = _start(rd, r.event)
            eta = start + dt.timedelta(hours=d["hours"]) if start is not None and \
                d["hours"] >= 0 else None
            _schedule(ri, "EstimatedArrival", eta, r.place, r.at)
        if f["short"] > 0:
            ri = _el(root, "ResourceInformation")
            _el(ri, "ResourceInfoElementID", f"{r.id}/short")
            codes = [x["code"] for x in f["reasons"]]
            _response(ri, r.id, "Decline", codes[0] if codes else "no-offer",
                      "; ".join(x["message"] for x in f["reasons"]) or None)
            _resource(ri, None, r.name, r.capability, None)
            _assignment(ri, f["short"], unit)
    return _finish(root, "response")


def deployment_status(rd: ReliefData, *, sent: dt.datetime) -> bytes:
    """Every offer past ``offered`` with its status, as one ``ReportResourceDeploymentStatus``."""
    units = {i.id: i.unit for i in rd.items}
    root = _message("ReportResourceDeploymentStatus", rd, sent, "Relief deployment status")
    for o in rd.offers:
        if o.status == "offered":
            continue
        ri = _el(root, "ResourceInformation")
        _el(ri, "ResourceInfoElementID", o.id)
        if o.request is not None:
            resp = _el(ri, "ResponseInformation")
            _el(resp, "PrecedingResourceInfoElementID", o.request,
                NS_RM)
            _el(resp, "ResponseType", "Accept", NS_RM)
        _resource(ri, o.id, o.name, o.capability, o.nation)
        res = ri.find("m:Resource", _Q)
        assert res is not None
        status = _el(_el(res, "ResourceStatus"), "DeploymentStatus")
        _el(status, "ValueListURN", STATUS_LIST, NS_RM)
        _el(status, "Value", o.status, NS_RM)
        _assignment(ri, o.quantity, units.get(o.capability, "unit"))
    return _finish(root, "status")


def _units(text: str | None, what: str, bad: _Bad) -> int | None:
    """A whole positive number of units, or a problem naming the element."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        bad("Amount", f"{what} Quantity/Amount {text!r}: expected a whole number of units, "
            "1 or more")
        return None
    return value


def _read(content: bytes, name: str, kind: str,
          one: Callable[[ET.Element, str, _Bad], T | None]) -> list[T]:
    """``one(element, where, bad)`` for each ``ResourceInformation`` of a ``kind`` message.

    ``bad(field, message)`` records a problem of the element (``ResourceInformation[3]``); an
    element with a problem gives nothing, and any problem refuses the whole message.
    """
    root = _root(content, name)
    _expect(root, kind, name)
    out: list[T] = []
    problems: list[Problem] = []
    for k, ri in enumerate(root.findall("m:ResourceInformation", _Q), 1):
        where = f"ResourceInformation[{k}]"

        def bad(field: str, message: str, where: str = where) -> None:
            problems.append(Problem(name, f"{where}: {message}", None, f"{where}.{field}"))

        before = len(problems)
        got = one(ri, where, bad)
        if got is not None and len(problems) == before:
            out.append(got)
    if problems:
        raise ScenarioError(problems)
    return out


def _response_of(ri: ET.Element, where: str, bad: _Bad) -> Response | None:
    req = _text(ri, _PRECEDING)
    kind = _text(ri, "m:ResponseInformation/rm:ResponseType")
    offer = _text(ri, "m:Resource/m:ResourceID")
    amount = _text(ri, _AMOUNT)
    if req is None:
        bad("PrecedingResourceInfoElementID", "no ResponseInformation/"
            "PrecedingResourceInfoElementID (the request answered)")
    if kind not in RESPONSE_TYPES:
        bad("ResponseType", f"ResponseType {kind!r}: expected one of "
            f"{', '.join(RESPONSE_TYPES)}")
    if kind == "Accept" and offer is None:
        bad("ResourceID", "an Accept needs Resource/ResourceID (the offer that comes)")
    if amount is None:
        bad("Amount", "no Quantity/Amount")
    qty = _units(amount, "answer", bad)
    if req is None or kind is None or qty is None:
        return None
    return Response(req, kind, qty, offer, _text(ri, "m:Resource/m:OwnershipInformation/m:Owner"),
                    _text(ri, "m:ResponseInformation/rm:ReasonCode"),
                    _text(ri, "m:ResponseInformation/rm:ResponseReason"), where)


def _report_of(ri: ET.Element, where: str, bad: _Bad) -> DeploymentReport | None:
    path = "m:Resource/m:ResourceStatus/m:DeploymentStatus/"
    offer = _text(ri, "m:Resource/m:ResourceID")
    status = _text(ri, path + "rm:Value")
    urn = _text(ri, path + "rm:ValueListURN")
    if offer is None:
        bad("ResourceID", "no Resource/ResourceID (the offer)")
    if status not in OFFER_STATUSES:
        bad("DeploymentStatus", f"DeploymentStatus/Value {status!r}: expected one of "
            f"{', '.join(OFFER_STATUSES)}")
    if urn is not None and urn != STATUS_LIST:
        bad("ValueListURN", f"DeploymentStatus/ValueListURN {urn!r}: expected {STATUS_LIST}")
    qty = _units(_text(ri, _AMOUNT), "status", bad)
    if offer is None or status is None:
        return None
    return DeploymentReport(offer, status, _text(ri, _PRECEDING),
                            _text(ri, "m:Resource/m:OwnershipInformation/m:Owner"), qty, where)


def read_responses(content: bytes, name: str) -> list[Response]:
    """The answers of a ``ResponseToRequestResource`` message.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        Naming every element that is missing or holds an unexpected value.
    """
    return _read(content, name, "ResponseToRequestResource", _response_of)


def read_deployment_status(content: bytes, name: str) -> list[DeploymentReport]:
    """The statuses of a ``ReportResourceDeploymentStatus`` message.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        Naming every element that is missing or holds an unexpected value.
    """
    return _read(content, name, "ReportResourceDeploymentStatus", _report_of)
