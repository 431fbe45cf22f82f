"""Optimistic locking: the second of two edits based on the same version gets 409."""

from __future__ import annotations

import threading

from .conftest import Workspace

API = "/api/v1"


def test_second_save_gets_409_with_current_record(ws: Workspace) -> None:
    a, b = ws.client("liaison_fra"), ws.client("lead")
    va = a.get(f"{API}/pledges/P-FRA-1").json()["version"]
    vb = b.get(f"{API}/pledges/P-FRA-1").json()["version"]
    assert va == vb == 1
    r1 = a.patch(f"{API}/pledges/P-FRA-1", json={"version": va, "quantity": 4})
    assert r1.status_code == 200 and r1.json()["version"] == 2
    r2 = b.patch(f"{API}/pledges/P-FRA-1", json={"version": vb, "personnel": 1})
    assert r2.status_code == 409
    err = r2.json()["error"]
    assert err["code"] == "conflict" and err["field"] == "version"
    assert err["current"]["quantity"] == 4 and err["current"]["version"] == 2
    assert err["current"]["updated_by"] == "liaison_fra"
    # nothing was overwritten
    now = a.get(f"{API}/pledges/P-FRA-1").json()
    assert now["personnel"] == 120 and now["quantity"] == 4
    # status change and delete carry the version too
    r = b.post(f"{API}/pledges/P-FRA-1/status", json={"status": "withdrawn", "version": 1})
    assert r.status_code == 409
    assert b.delete(f"{API}/pledges/P-FRA-1", params={"version": 1}).status_code == 409


def test_racing_writers_one_wins(ws: Workspace) -> None:
    """Many threads save version 1 at once: exactly one succeeds, the rest get 409."""
    clients = [ws.new_client() for _ in range(6)]
    for c in clients:
        c.headers["Authorization"] = f"Bearer {ws.tokens['lead']}"
    results: list[int] = []
    barrier = threading.Barrier(len(clients))

    def edit(i: int) -> None:
        barrier.wait()
        r = clients[i].patch(f"{API}/pledges/P-DEU-1", json={"version": 1, "quantity": 10 + i})
        results.append(r.status_code)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 1, results
    assert set(results) <= {200, 409, 503}, results
    final = ws.client("lead").get(f"{API}/pledges/P-DEU-1").json()
    assert final["version"] == 2 and final["quantity"] >= 10
    audit = ws.client("lead").get(f"{API}/audit", params={"entity_id": "P-DEU-1"}).json()
    assert [e["action"] for e in audit["items"]].count("update") == 1
    assert ws.client("lead").get(f"{API}/audit/verify").json()["ok"]
