"""Partial commitments, and the EDXL-RM answers and status reports imported into the workspace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forcegen.relief.edxl_status import deployment_status, response_to_request
from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User
from forcegen.workspace.relief.matching import relief_data

from .conftest import Workspace
from .relief_sample import API, new_event, new_offer, new_request, version

SENT = dt.datetime(2027, 2, 10, 6, tzinfo=dt.UTC)


def _status(ws: Workspace, who: str, offer: str, status: str, **kw: Any) -> Any:
    v = version(ws, f"/relief/offers/{offer}")
    return ws.client(who).post(f"{API}/relief/offers/{offer}/status",
                               json={"version": v, "status": status, **kw})


def _offers(ws: Workspace, ev: str) -> list[dict[str, Any]]:
    r = ws.client("lead").get(f"{API}/relief/offers", params={"event": ev, "limit": 100})
    return sorted(r.json()["items"], key=lambda o: o["status"])


def _import(ws: Workspace, name: str, body: bytes) -> Any:
    return ws.client("admin").post(f"{API}/relief/import",
                                   files={"file": (name, body, "application/xml")})


def test_a_nation_commits_two_of_three_and_the_rest_stays_on_offer(ws: Workspace) -> None:
    ev = new_event(ws)
    rq = new_request(ws, ev, quantity=3)
    of = new_offer(ws, ev, quantity=3, name="three units")
    r = _status(ws, "liaison_fra", of, "committed", request=rq, quantity=4)
    assert r.status_code == 422 and r.json()["error"]["field"] == "quantity"
    r = _status(ws, "liaison_fra", of, "in-transit", quantity=1)
    assert r.status_code in (409, 422)
    assert [o["status"] for o in _offers(ws, ev)] == ["offered"]  # nothing changed
    r = _status(ws, "liaison_fra", of, "committed", request=rq, quantity=2)
    assert r.status_code == 200, r.text
    assert (r.json()["quantity"], r.json()["status"], r.json()["request"]) == (2, "committed", rq)
    committed, rest = _offers(ws, ev)
    assert committed["id"] == of and rest["id"] != of
    assert (rest["quantity"], rest["status"], rest["request"], rest["nation"], rest["name"],
            rest["home"]) == (1, "offered", None, "FRA", "three units", committed["home"])
    steps = ws.client("lead").get(f"{API}/relief/offers/{rest['id']}/history").json()
    assert steps[0]["note"] == f"the rest of {of} when 2 were committed"
    board = ws.client("lead").get(f"{API}/relief/events/{ev}/board").json()
    (state,) = board["requests"]
    assert (state["asked"], state["committed"], state["open"], state["state"]) == (
        3, 2, 1, "partly committed")
    # The rest may go to the same request: then it is full.
    assert _status(ws, "liaison_fra", rest["id"], "committed", request=rq).status_code == 200
    board = ws.client("lead").get(f"{API}/relief/events/{ev}/board").json()
    assert board["requests"][0]["state"] == "committed"


def test_answers_commit_in_part_and_status_reports_move_offers(ws: Workspace) -> None:
    ev = new_event(ws)
    rq = new_request(ws, ev, quantity=3)
    of = new_offer(ws, ev, quantity=2)
    with session_scope(ws.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        rd, _ = relief_data(db, admin, ev)
    plan = {"status": "optimal",
            "deliveries": [{"offer": of, "request": rq, "quantity": 1, "hours": 20.0,
                            "nation": "FRA"}],
            "requests": [{"request": rq, "short": 2,
                          "reasons": [{"code": "no-offer", "message": "nothing else"}]}]}
    answer = response_to_request(rd, plan, sent=SENT)
    r = _import(ws, "answer.xml", answer)
    assert r.status_code == 200, r.text
    assert r.json() == {"format": "EDXL-RM ResponseToRequestResource", "committed": [of],
                        "dry_run": False}
    committed, rest = _offers(ws, ev)
    assert (committed["id"], committed["quantity"], committed["request"]) == (of, 1, rq)
    assert (rest["quantity"], rest["status"]) == (1, "offered")
    # The status report: the committed offer is now in transit.
    moved = rd.model_copy(deep=True)
    o = next(x for x in moved.offers if x.id == of)
    o.status, o.request, o.quantity = "in-transit", rq, 1
    report = deployment_status(moved, sent=SENT)
    bad = report.replace(b">in-transit<", b">lost<")
    r = _import(ws, "status.xml", bad)
    assert r.status_code == 422
    assert "DeploymentStatus/Value 'lost': expected one of" in r.json()["error"]["problems"][0][
        "message"]
    r = _import(ws, "status.xml", report)
    assert r.status_code == 200, r.text
    assert r.json()["moved"] == [of]
    got = ws.client("lead").get(f"{API}/relief/offers/{of}").json()
    assert (got["status"], got["request"]) == ("in-transit", rq)
    # Delivered before... a report that skips a step is refused, naming the offer; nothing moves.
    o.status = "released"
    r = _import(ws, "status.xml", deployment_status(moved, sent=SENT))
    assert r.status_code == 422
    assert f"offer {of!r}: cannot go from in-transit to released" in r.json()["error"][
        "problems"][0]["message"]
    assert ws.client("lead").get(f"{API}/relief/offers/{of}").json()["status"] == "in-transit"


def test_a_scenario_import_keeps_the_nations_relief_offers_name(ws: Workspace) -> None:
    import yaml

    from .sample import sample_scenario

    ev = new_event(ws)
    of = new_offer(ws, ev, "NLD")  # no user belongs to NLD
    scenario = sample_scenario()
    scenario["nations"] = [n for n in scenario["nations"] if n["code"] != "NLD"]
    scenario["pledges"] = [p for p in scenario["pledges"] if p["nation"] != "NLD"]
    body = yaml.safe_dump(scenario, sort_keys=False).encode()
    r = ws.client("admin").post(f"{API}/scenario/import",
                                files={"file": ("s.yaml", body, "application/yaml")})
    assert r.status_code == 200, r.text
    nations = [n["code"] for n in ws.client("admin").get(f"{API}/nations").json()]
    assert "NLD" in nations and "POL" in nations
    assert ws.client("admin").get(f"{API}/relief/offers/{of}").json()["nation"] == "NLD"
