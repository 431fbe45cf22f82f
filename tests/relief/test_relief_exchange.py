"""EDXL-RM-style messages and the HXL 3W table of the Pacific cyclone example."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from defusedxml.ElementTree import fromstring
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.relief import load_relief, plan_relief
from forcegen.relief.exchange import (
    HXL_COLUMNS,
    NS,
    NS_RM,
    commit_resource,
    request_resource,
    who_what_where,
)

EX = Path(__file__).resolve().parents[2] / "examples" / "pacific-cyclone"
SENT = dt.datetime(2027, 2, 10, 12, tzinfo=dt.UTC)
M, R = f"{{{NS}}}", f"{{{NS_RM}}}"


def _example():
    prob = load_relief(EX)
    return prob, plan_relief(prob).to_dict()


def test_request_resource_carries_every_request():
    prob, _ = _example()
    root = fromstring(request_resource(prob.data, sent=SENT))
    assert root.tag == M + "RequestResource"
    assert root.find(M + "MessageContentType").text == "RequestResource"
    infos = root.findall(M + "ResourceInformation")
    assert [i.find(M + "ResourceInfoElementID").text for i in infos] == [
        r.id for r in prob.data.requests]
    first = infos[0]
    amount = first.find(f"{M}AssignmentInformation/{M}Quantity/{R}MeasuredQuantity/{R}Amount")
    assert amount.text == "3"
    sched = first.find(M + "ScheduleInformation")
    assert sched.find(M + "ScheduleType").text == "RequestedArrival"
    assert sched.find(M + "DateTime").text == "2027-02-13T00:00:00Z"  # started + 72 h


def test_commit_resource_answers_requests_with_deliveries():
    prob, doc = _example()
    root = fromstring(commit_resource(prob.data, doc, sent=SENT))
    infos = root.findall(M + "ResourceInformation")
    assert len(infos) == len(doc["deliveries"])
    for info, d in zip(infos, doc["deliveries"], strict=True):
        resp = info.find(M + "ResponseInformation")
        assert resp.find(R + "PrecedingResourceInfoElementID").text == d["request"]
        assert info.find(f"{M}Resource/{M}ResourceID").text == d["offer"]
        assert info.find(f"{M}Resource/{M}OwnershipInformation/{M}Owner").text == d["nation"]


def test_message_id_depends_on_content_not_on_sending_time():
    prob, doc = _example()
    a = fromstring(commit_resource(prob.data, doc, sent=SENT))
    b = fromstring(commit_resource(prob.data, doc, sent=SENT + dt.timedelta(hours=1)))
    assert a.find(M + "MessageID").text == b.find(M + "MessageID").text
    doc2 = {**doc, "deliveries": doc["deliveries"][1:]}
    c = fromstring(commit_resource(prob.data, doc2, sent=SENT))
    assert c.find(M + "MessageID").text != a.find(M + "MessageID").text


def test_hxl_table_has_tags_and_every_unit():
    prob, doc = _example()
    rows = list(csv.reader(io.StringIO(who_what_where(prob.data, doc, prob.item_names))))
    assert rows[0] == [c for c, _ in HXL_COLUMNS]
    assert all(t.startswith("#") for t in rows[1])
    units = sum(int(r[14]) for r in rows[2:] if r[16] in ("yes", "no") and r[11])
    assert units == doc["in_time"] + doc["late"]


def test_hxl_cells_that_look_like_formulas_are_quoted():
    prob, doc = _example()
    doc = {**doc, "deliveries": [{**doc["deliveries"][0], "offer": "=HYPERLINK(1)"}]}
    text = who_what_where(prob.data, doc, prob.item_names)
    assert "'=HYPERLINK(1)" in text and ",-16.78000," in text  # numbers stay numbers


def test_cli_writes_the_exports(tmp_path):
    names = ["3w.csv", "rq.xml", "cm.xml", "rs.xml", "st.xml"]
    flags = ["--csv", "--edxl-requests", "--edxl-commits", "--edxl-responses", "--edxl-status"]
    r = CliRunner().invoke(app, ["relief", str(EX), *[x for f, n in zip(flags, names, strict=True)
                                                      for x in (f, str(tmp_path / n))]])
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    roots = [fromstring((tmp_path / n).read_bytes()).tag for n in names[1:]]
    assert roots == [M + k for k in ("RequestResource", "CommitResource",
                                     "ResponseToRequestResource",
                                     "ReportResourceDeploymentStatus")]


def test_cli_refuses_a_wrong_suffix_before_writing(tmp_path):
    r = CliRunner().invoke(app, ["relief", str(EX), "--edxl-commits", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and "expected a .xml file name" in r.stderr
    r = CliRunner().invoke(app, ["relief", str(EX), "--edxl-status", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "--edxl-status" in r.stderr
    assert list(tmp_path.iterdir()) == []
