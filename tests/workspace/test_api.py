"""The API through the real app: CRUD, paging, filters, sorting, workflow, error shape."""

from __future__ import annotations

import pytest

from .conftest import Workspace

API = "/api/v1"

NEW_PLEDGE = {
    "id": "P-FRA-9",
    "nation": "FRA",
    "capability": "X-ROLE2",
    "quantity": 1,
    "personnel": 50,
    "notice_days": 7,
}


def assert_error(body: dict, code: str | None = None, field: str | None = None) -> None:
    assert set(body) == {"error"}
    assert {"code", "message", "field"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    if field:
        assert body["error"]["field"] == field


def test_list_pledges_paging_total_and_stable_order(ws: Workspace) -> None:
    c = ws.client("lead")
    first = c.get(f"{API}/pledges", params={"limit": 2, "offset": 0}).json()
    second = c.get(f"{API}/pledges", params={"limit": 2, "offset": 2}).json()
    third = c.get(f"{API}/pledges", params={"limit": 2, "offset": 4}).json()
    assert first["total"] == second["total"] == 5
    ids = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_list_pledges_filters_and_sort(ws: Workspace) -> None:
    c = ws.client("admin")
    r = c.get(f"{API}/pledges", params={"nation": "FRA"}).json()
    assert {p["nation"] for p in r["items"]} == {"FRA"} and r["total"] == 2
    r = c.get(f"{API}/pledges", params={"status": "approved", "sort": "-personnel"}).json()
    assert [p["personnel"] for p in r["items"]] == [120, 100, 90]
    assert all(p["status"] == "approved" for p in r["items"])
    r = c.get(f"{API}/requirements", params={"sector": "south", "sort": "-quantity"}).json()
    assert [x["id"] for x in r["items"]] == ["R-003", "R-002"]
    r = c.get(f"{API}/requirements", params={"priority": 2, "sort": "id"}).json()
    assert [x["id"] for x in r["items"]] == ["R-002", "R-004"]


def test_unknown_sort_field_is_422_naming_it(ws: Workspace) -> None:
    r = ws.client("lead").get(f"{API}/pledges", params={"sort": "-nope"})
    assert r.status_code == 422
    assert_error(r.json(), "invalid", "sort")
    assert "'nope'" in r.json()["error"]["message"]


def test_validation_error_names_the_field(ws: Workspace) -> None:
    r = ws.client("lead").post(f"{API}/pledges", json={**NEW_PLEDGE, "quantity": "many"})
    assert r.status_code == 422
    assert_error(r.json(), "validation_error", "quantity")
    r = ws.client("lead").post(
        f"{API}/pledges", json={k: v for k, v in NEW_PLEDGE.items() if k != "personnel"}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "personnel"
    r = ws.client("lead").post(f"{API}/pledges", json={**NEW_PLEDGE, "colour": "red"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "colour"


def test_unknown_references_are_422_and_duplicates_409(ws: Workspace) -> None:
    c = ws.client("lead")
    r = c.post(f"{API}/pledges", json={**NEW_PLEDGE, "capability": "NO-SUCH"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "capability"
    r = c.post(f"{API}/pledges", json={**NEW_PLEDGE, "nation": "ESP"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "nation"
    r = c.post(
        f"{API}/requirements",
        json={
            "id": "R-9",
            "capability": "X-ROLE2",
            "quantity": 1,
            "sector": "east",
            "notice_days": 5,
        },
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "sector"
    r = c.post(f"{API}/pledges", json={**NEW_PLEDGE, "id": "P-FRA-1"})
    assert r.status_code == 409
    assert_error(r.json(), "conflict", "id")
    # nothing half-saved
    assert c.get(f"{API}/pledges").json()["total"] == 5


def test_oversized_body_is_413(ws: Workspace) -> None:
    small = ws.app.state.settings.model_copy(update={"max_body_bytes": 1000})
    from .conftest import make_workspace

    w2 = make_workspace(ws.engine, max_body_bytes=small.max_body_bytes)
    r = w2.client("lead").post(f"{API}/pledges", json={**NEW_PLEDGE, "name": "x" * 5000})
    assert r.status_code == 413
    assert_error(r.json(), "payload_too_large")
    r = w2.client("lead").post(f"{API}/scenario/import", files={"file": ("s.yaml", b"x" * 5000)})
    assert r.status_code == 413
    assert w2.client("lead").get(f"{API}/pledges").json()["total"] == 5


def test_pledge_crud_and_workflow_records_who_and_when(ws: Workspace) -> None:
    c = ws.client("liaison_fra")
    r = c.post(f"{API}/pledges", json=NEW_PLEDGE)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "offered" and p["version"] == 1 and p["created_by"] == "liaison_fra"
    r = c.patch(f"{API}/pledges/P-FRA-9", json={"version": 1, "quantity": 3})
    assert r.status_code == 200 and r.json()["quantity"] == 3 and r.json()["version"] == 2
    for i, target in enumerate(["provisional", "approved"]):
        r = c.post(f"{API}/pledges/P-FRA-9/status", json={"status": target, "version": 2 + i})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == target
        assert body["status_changed_by"] == "liaison_fra" and body["status_changed_at"]
    # approved -> provisional is not a workflow step
    r = c.post(f"{API}/pledges/P-FRA-9/status", json={"status": "offered", "version": 4})
    assert r.status_code == 422 and r.json()["error"]["field"] == "status"
    r = c.post(f"{API}/pledges/P-FRA-9/status", json={"status": "withdrawn", "version": 4})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = c.delete(f"{API}/pledges/P-FRA-9", params={"version": 5})
    assert r.status_code == 204
    assert c.get(f"{API}/pledges/P-FRA-9").status_code == 404


def test_requirement_crud(ws: Workspace) -> None:
    c = ws.client("lead")
    body = {
        "id": "R-010",
        "capability": "X-ROLE2",
        "quantity": 2,
        "sector": "north",
        "priority": 1,
        "notice_days": 15,
        "start": "2026-05-01",
        "months": 3,
    }
    r = c.post(f"{API}/requirements", json=body)
    assert r.status_code == 201 and r.json()["start"] == "2026-05-01"
    r = c.patch(f"{API}/requirements/R-010", json={"version": 1, "sector": "south"})
    assert r.status_code == 200 and r.json()["sector"] == "south"
    assert c.delete(f"{API}/requirements/R-010", params={"version": 1}).status_code == 409
    assert c.delete(f"{API}/requirements/R-010", params={"version": 2}).status_code == 204
    assert c.get(f"{API}/requirements/R-010").status_code == 404


def test_liaison_sees_own_pledges_and_others_only_as_totals(ws: Workspace) -> None:
    c = ws.client("liaison_deu")
    r = c.get(f"{API}/pledges").json()
    assert {p["nation"] for p in r["items"]} == {"DEU"} and r["total"] == 2
    # asking for another nation's pledges by filter yields nothing, not an error
    assert c.get(f"{API}/pledges", params={"nation": "FRA"}).json()["total"] == 0
    assert c.get(f"{API}/pledges/P-FRA-1").status_code == 404
    totals = {
        t["nation"]: t for t in c.get(f"{API}/pledges/totals", params={"group_by": "nation"}).json()
    }
    # Its own nation in full; others only merged, in groups of 3+ (test_totals_disclosure.py).
    own = c.get(f"{API}/pledges").json()["items"]
    assert totals["DEU"]["units"] == sum(p["quantity"] for p in own)
    assert set(totals) <= {"DEU", "other nations"}
    assert set(totals["DEU"]) == {"nation", "capability", "status", "pledges", "units", "personnel"}
    r = c.get(f"{API}/pledges/totals", params={"group_by": "colour"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "group_by"


def test_nation_ceiling_hidden_from_other_nations(ws: Workspace) -> None:
    fra = {n["code"]: n for n in ws.client("liaison_deu").get(f"{API}/nations").json()}["FRA"]
    assert fra["ceiling_personnel"] is None
    fra = {n["code"]: n for n in ws.client("liaison_fra").get(f"{API}/nations").json()}["FRA"]
    assert fra["ceiling_personnel"] == 5000


@pytest.mark.parametrize(
    "path", ["/pledges/%00", "/pledges/" + "x" * 300, "/runs/0", "/nations/fr", "/users/abc"]
)
def test_bad_path_parameters_are_4xx_json(ws: Workspace, path: str) -> None:
    r = ws.client("admin").get(API + path)
    assert 400 <= r.status_code < 500
    assert_error(r.json())
