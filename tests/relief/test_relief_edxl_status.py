"""ResponseToRequestResource and ReportResourceDeploymentStatus: written, read back, refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from forcegen.exceptions import ScenarioError
from forcegen.relief import build, load_relief, plan_relief
from forcegen.relief.edxl_status import (
    deployment_status,
    read_deployment_status,
    read_responses,
    response_to_request,
)
from forcegen.relief.exchange import request_resource

EX = Path(__file__).resolve().parents[2] / "examples" / "pacific-cyclone"
SENT = dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC)


def _example():
    prob = load_relief(EX)
    return prob, plan_relief(prob).to_dict()


def test_responses_round_trip_every_delivery_and_every_shortfall():
    rd = load_relief(EX).data.model_copy(deep=True)
    rd.requests[0].quantity = 40  # more than every offer together: a shortfall
    prob = build(rd)
    doc = plan_relief(prob).to_dict()
    got = read_responses(response_to_request(prob.data, doc, sent=SENT), "r.xml")
    accepted = sorted((r.request, r.offer, r.nation, r.quantity) for r in got
                      if r.response == "Accept")
    assert accepted == sorted((d["request"], d["offer"], d["nation"], d["quantity"])
                              for d in doc["deliveries"])
    declined = {r.request: r for r in got if r.response == "Decline"}
    short = {f["request"]: f for f in doc["requests"] if f["short"] > 0}
    assert set(declined) == set(short) and short  # the example has shortfalls
    for rid, f in short.items():
        assert declined[rid].quantity == f["short"]
        assert declined[rid].reason_code == f["reasons"][0]["code"]
        assert f["reasons"][0]["message"] in (declined[rid].reason or "")


def test_deployment_status_round_trips_every_held_offer():
    prob, _ = _example()
    rd = prob.data.model_copy(deep=True)
    moved = rd.offers[0]
    moved.status, moved.request = "in-transit", rd.requests[0].id
    rd.offers[1].status, rd.offers[1].request = "released", None
    got = read_deployment_status(deployment_status(rd, sent=SENT), "s.xml")
    want = [(o.id, o.status, o.request, o.nation, o.quantity) for o in rd.offers
            if o.status != "offered"]
    assert [(g.offer, g.status, g.request, g.nation, g.quantity) for g in got] == want
    assert ("released" in {g.status for g in got}) and moved.id in {g.offer for g in got}


def test_the_message_id_is_a_hash_of_the_content():
    prob, doc = _example()
    a = response_to_request(prob.data, doc, sent=SENT)
    b = response_to_request(prob.data, doc, sent=SENT + dt.timedelta(days=1))
    ids = [x.split(b"<MessageID>")[1].split(b"<")[0] for x in (a, b)]
    assert ids[0] == ids[1] and ids[0].startswith(b"forcegen-response-")


def _broken(text: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert old in text
    return text.replace(old, new, count)


def test_bad_answers_name_the_element_and_the_expectation_all_at_once():
    prob, doc = _example()
    text = response_to_request(prob.data, doc, sent=SENT)
    text = _broken(text, b">Accept<", b">Maybe<")
    text = _broken(text, b"<rm:Amount>", b"<rm:Amount>-")
    with pytest.raises(ScenarioError) as e:
        read_responses(text, "r.xml")
    words = [p.message for p in e.value.problems]
    assert any("ResourceInformation[1]: ResponseType 'Maybe': expected one of Accept, Decline"
               in w for w in words)
    assert any("ResourceInformation[1]" in w and "whole number of units" in w for w in words)


def test_bad_statuses_name_the_element_and_the_expectation():
    prob, _ = _example()
    text = deployment_status(prob.data, sent=SENT)
    with pytest.raises(ScenarioError) as e:
        read_deployment_status(_broken(text, b">committed<", b">lost<"), "s.xml")
    (p,) = e.value.problems
    assert p.message == ("ResourceInformation[1]: DeploymentStatus/Value 'lost': expected one of "
                         "offered, committed, in-transit, delivered, released")
    assert p.field == "ResourceInformation[1].DeploymentStatus"
    with pytest.raises(ScenarioError) as e:
        read_deployment_status(_broken(text, b"<ResourceID>", b"<ResourceIDX>").replace(
            b"</ResourceID>", b"</ResourceIDX>", 1), "s.xml")
    assert "no Resource/ResourceID" in e.value.problems[0].message


def test_a_message_of_another_kind_is_refused():
    prob = load_relief(EX)
    with pytest.raises(ScenarioError) as e:
        read_deployment_status(request_resource(prob.data, sent=SENT), "x.xml")
    assert "expected an EDXL-RM ReportResourceDeploymentStatus" in e.value.problems[0].message
    with pytest.raises(ScenarioError):
        read_responses(b"<a><!DOCTYPE x [<!ENTITY e 'x'>]></a>", "x.xml")
