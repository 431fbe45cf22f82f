"""Editing a relief event through ``PATCH /api/v1/relief/events/{id}``: planners only, the
version checked, items still named by a request or offer kept, hidden is missing, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from .conftest import Workspace
from .relief_sample import API, new_event, new_offer, new_request, version


def _patch(ws: Workspace, who: str, event: str, **body: Any) -> Any:
    return ws.client(who).patch(f"{API}/relief/events/{event}", json=body)


def test_a_planner_edits_an_event_and_the_rest_is_kept(ws: Workspace) -> None:
    ev = new_event(ws)
    r = _patch(ws, "lead", ev, version=1, name="Cyclone Gita", started="2027-02-11T06:00:00Z",
               items=[{"id": "WATER-PURIF", "name": "Water purification unit"},
                      {"id": "SHELTER-KIT", "name": "Shelter kit", "unit": "kit"}])
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["version"] == 2 and got["updated_by"] == "lead"
    assert got["name"] == "Cyclone Gita" and got["started"].startswith("2027-02-11T06:00")
    assert [i["id"] for i in got["items"]] == ["WATER-PURIF", "SHELTER-KIT"]
    # What the body does not name stays: the position, airfields, ports, settings.
    assert got["at"] == [-175.2, -21.1] and got["settings"]["reach_km"] == 60
    assert [a["id"] for a in got["airfields"]] == ["NFTF", "NWWW"]
    # A request may now name the new item; the audit trail has the edit.
    req = ws.client("admin").post(f"{API}/relief/requests", json={
        "event": ev, "capability": "SHELTER-KIT", "quantity": 5, "at": [-175.2, -21.1],
        "by_hours": 48})
    assert req.status_code == 201, req.text
    trail = ws.client("admin").get(f"{API}/audit", params={"entity": "relief_event"}).json()
    edits = [e for e in trail["items"] if e["entity_id"] == ev and e["action"] == "update"]
    assert len(edits) == 1 and edits[0]["after"]["name"] == "Cyclone Gita"


def test_stale_versions_named_items_and_duplicates_are_refused(ws: Workspace) -> None:
    ev = new_event(ws)
    new_request(ws, ev)  # names WATER-PURIF
    r = _patch(ws, "lead", ev, version=1, items=[{"id": "SHELTER-KIT"}])
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "items"
    assert "'WATER-PURIF' is named by requests or offers" in r.json()["error"]["message"]
    r = _patch(ws, "lead", ev, version=1, items=[{"id": "WATER-PURIF"}, {"id": "WATER-PURIF"}])
    assert r.status_code == 422 and r.json()["error"]["field"] == "items.1.id"
    assert version(ws, f"/relief/events/{ev}") == 1  # nothing stored
    assert _patch(ws, "lead", ev, version=1, name="x").status_code == 200
    r = _patch(ws, "admin", ev, version=1, name="y")
    assert r.status_code == 409 and r.json()["error"]["field"] == "version"
    assert r.json()["error"]["current"]["name"] == "x"
    # An offer naming an item keeps it too; an item nobody names may go.
    ev2 = new_event(ws, items=[{"id": "WATER-PURIF"}, {"id": "TARP"}])
    new_offer(ws, ev2)
    r = _patch(ws, "lead", ev2, version=1, items=[{"id": "TARP"}])
    assert r.status_code == 409 and "WATER-PURIF" in r.json()["error"]["message"]
    r = _patch(ws, "lead", ev2, version=1, items=[{"id": "WATER-PURIF"}])
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == ["WATER-PURIF"]


def test_only_planners_edit_and_a_hidden_event_is_missing(ws: Workspace) -> None:
    ev = new_event(ws)
    for who in ("liaison_fra", "observer_fra"):
        assert _patch(ws, who, ev, version=1, name="x").status_code == 403
    # A label above the planner's clearance hides the event exactly as a missing one.
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = 1 WHERE username = 'lead'"))
        conn.execute(text("UPDATE users SET clearance = 4 WHERE username = 'admin'"))
    secret = new_event(ws, classification="SECRET")
    hidden = _patch(ws, "lead", secret, version=1, name="x")
    missing = _patch(ws, "lead", "EV-NONE", version=1, name="x")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert version(ws, f"/relief/events/{ev}") == 1
    assert version(ws, f"/relief/events/{secret}") == 1
