"""Relief matching runs kept in the workspace: who, when, input hash, result; labels hide them."""

from __future__ import annotations

from sqlalchemy import text

from .conftest import Workspace
from .relief_sample import API, new_event, new_offer, new_request


def test_runs_are_kept_with_who_when_hash_and_result(ws: Workspace) -> None:
    ev = new_event(ws)
    new_request(ws, ev, quantity=3, by_hours=30)
    new_offer(ws, ev, "DEU", quantity=2, notice_hours=2)
    lead = ws.client("lead")
    first = lead.post(f"{API}/relief/events/{ev}/match", json={}).json()
    again = lead.post(f"{API}/relief/events/{ev}/match", json={}).json()
    closed = lead.post(f"{API}/relief/events/{ev}/match", json={"close": ["NFTF"]}).json()
    assert first["input_hash"] == again["input_hash"] != closed["input_hash"]
    runs = lead.get(f"{API}/relief/events/{ev}/runs").json()
    assert [r["id"] for r in runs] == [closed["run"], again["run"], first["run"]]
    assert all(r["started_by"] == "lead" and r["status"] == "optimal" for r in runs)
    assert runs[0]["options"]["close"] == ["NFTF"] and runs[2]["options"]["close"] == []
    assert (runs[2]["in_time"], runs[0]["in_time"]) == (first["in_time"], 0)
    assert runs[2]["created_at"] <= runs[2]["finished_at"]
    got = lead.get(f"{API}/relief/runs/{first['run']}").json()
    assert got["result"]["deliveries"] == first["deliveries"]
    # A new offer changes the input: a new hash.
    new_offer(ws, ev, "FRA", quantity=1)
    later = lead.post(f"{API}/relief/events/{ev}/match", json={}).json()
    assert later["input_hash"] != first["input_hash"]


def test_a_run_over_secret_data_is_hidden_like_a_missing_one(ws: Workspace) -> None:
    ev = new_event(ws)
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = 1 WHERE username = 'lead'"))
        conn.execute(text("UPDATE users SET clearance = 4 WHERE username = 'admin'"))
    r = ws.client("admin").post(f"{API}/relief/requests", json={
        "event": ev, "capability": "WATER-PURIF", "quantity": 1, "at": [-175.2, -21.1],
        "by_hours": 24, "classification": "SECRET"})
    assert r.status_code == 201, r.text
    run = ws.client("admin").post(f"{API}/relief/events/{ev}/match", json={}).json()
    assert run["label"]["classification"] == "SECRET"
    open_run = ws.client("lead").post(f"{API}/relief/events/{ev}/match", json={}).json()
    assert ws.client("lead").get(f"{API}/relief/events/{ev}/runs").json()[0]["id"] == \
        open_run["run"]
    assert [x["id"] for x in ws.client("lead").get(f"{API}/relief/events/{ev}/runs").json()] \
        == [open_run["run"]]
    hidden = ws.client("lead").get(f"{API}/relief/runs/{run['run']}")
    missing = ws.client("lead").get(f"{API}/relief/runs/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert ws.client("admin").get(f"{API}/relief/runs/{run['run']}").status_code == 200
