"""Merging a pledge table by id: preview (added, changed field by field, removed on request),
then apply bound to the preview; access rules; hidden ids answered as any taken id."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import text

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import Pledge

from .conftest import Workspace, set_label

URL = "/api/v1/pledges/import"
HEADER = ["id", "nation", "capability", "quantity", "personnel", "notice_days", "status", "cost",
          "home", "caveats.sectors", "name"]


def table(*rows: dict[str, Any]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, HEADER, extrasaction="raise")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode()


def fra1(**changes: Any) -> dict[str, Any]:
    row = {"id": "P-FRA-1", "nation": "FRA", "capability": "X-ROLE2", "quantity": 2,
           "personnel": 120, "notice_days": 10, "status": "approved", "cost": 1000000,
           "home": "2.35;48.85"}
    row.update(changes)
    return row


def fra2(**changes: Any) -> dict[str, Any]:
    row = {"id": "P-FRA-2", "nation": "FRA", "capability": "X-ROLE2", "quantity": 1,
           "personnel": 120, "notice_days": 20, "status": "offered", "caveats.sectors": "south"}
    row.update(changes)
    return row


def post(ws: Workspace, who: str, content: bytes, **params: Any) -> Any:
    return ws.client(who).post(URL, params=params,
                               files={"file": ("pledges.csv", content, "text/csv")})


def stored(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    with session_scope(ws.factory) as db:
        return {p.id: (p.quantity, p.personnel, p.status, p.name, p.version)
                for p in db.query(Pledge)}


def audit_count(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one())


def test_preview_lists_added_and_changed_field_by_field_and_saves_nothing(ws: Workspace) -> None:
    before, audits = stored(ws), audit_count(ws)
    content = table(fra1(quantity=3, name="Role 2 Basic"), fra2(),
                    fra1(id="P-FRA-9", personnel=80))
    r = post(ws, "lead", content, dry_run="true")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [c["id"] for c in doc["added"]] == ["P-FRA-9"]
    assert doc["added"][0]["line"] == 4
    [changed] = doc["changed"]
    assert changed["id"] == "P-FRA-1" and changed["version"] == 1
    assert {(c["field"], c["old"], c["new"]) for c in changed["changes"]} == {
        ("quantity", 2, 3), ("name", None, "Role 2 Basic")}
    assert doc["removed"] == [] and doc["unchanged"] == 1
    assert len(doc["preview"]) == 64 and not doc["applied"]
    assert stored(ws) == before and audit_count(ws) == audits


def test_apply_bound_to_the_preview_writes_everything_with_audit(ws: Workspace) -> None:
    content = table(fra1(quantity=3), fra1(id="P-FRA-9", personnel=80, status="offered"))
    binding = post(ws, "lead", content, dry_run="true").json()["preview"]
    audits = audit_count(ws)
    r = post(ws, "lead", content, preview=binding)
    assert r.status_code == 200, r.text
    assert r.json()["applied"]
    now = stored(ws)
    assert now["P-FRA-1"][0] == 3 and now["P-FRA-1"][4] == 2
    assert now["P-FRA-9"][:3] == (2, 80, "offered")
    assert audit_count(ws) == audits + 2
    # The same preview again is stale: what it touched has changed.
    r = post(ws, "lead", content, preview=binding)
    assert r.status_code == 409 and r.json()["error"]["field"] == "preview"


def test_a_change_after_the_preview_makes_it_stale_and_nothing_is_applied(ws: Workspace) -> None:
    content = table(fra1(quantity=3), fra1(id="P-FRA-9"))
    binding = post(ws, "lead", content, dry_run="true").json()["preview"]
    r = ws.client("admin").patch("/api/v1/pledges/P-FRA-1", json={"version": 1, "personnel": 99})
    assert r.status_code == 200
    before = stored(ws)
    r = post(ws, "lead", content, preview=binding)
    assert r.status_code == 409
    assert stored(ws) == before and "P-FRA-9" not in before
    # Another file under an old binding is refused too.
    binding = post(ws, "lead", content, dry_run="true").json()["preview"]
    r = post(ws, "lead", table(fra1(quantity=4)), preview=binding)
    assert r.status_code == 409
    # Applying needs a preview.
    r = post(ws, "lead", content)
    assert r.status_code == 422 and r.json()["error"]["field"] == "preview"


def test_replace_removes_only_that_nations_unlisted_pledges(ws: Workspace) -> None:
    r = post(ws, "lead", table(fra1()), dry_run="true", replace="FRA")
    doc = r.json()
    assert [c["id"] for c in doc["removed"]] == ["P-FRA-2"] and doc["unchanged"] == 1
    without = post(ws, "lead", table(fra1()), dry_run="true").json()
    assert without["removed"] == []
    r = post(ws, "lead", table(fra1()), replace="FRA", preview=doc["preview"])
    assert r.status_code == 200, r.text
    now = stored(ws)
    assert "P-FRA-2" not in now and "P-DEU-1" in now and "P-FRA-1" in now
    # Rows of another nation cannot be part of a replacement of FRA's.
    deu = fra1(id="P-DEU-1", nation="DEU", personnel=100, notice_days=5, cost=900000, home="")
    r = post(ws, "lead", table(fra1(), deu), dry_run="true", replace="FRA")
    assert r.status_code == 422
    [p] = r.json()["error"]["problems"]
    assert (p["line"], p["field"]) == (3, "nation")


def test_invalid_rows_are_named_by_line_and_field_and_nothing_is_applied(ws: Workspace) -> None:
    before = stored(ws)
    content = table(fra1(quantity=0), fra2(capability="NO-SUCH"), fra1(id="P-FRA-1"),
                    fra1(id="P-FRA-8", **{"caveats.sectors": "atlantis"}))
    r = post(ws, "lead", content, dry_run="true")
    assert r.status_code == 422
    problems = {(p["line"], p["field"]) for p in r.json()["error"]["problems"]}
    assert (2, "quantity") in problems and (4, "id") in problems
    r = post(ws, "lead", table(fra2(capability="NO-SUCH"),
                               fra1(id="P-FRA-8", **{"caveats.sectors": "atlantis"})),
             dry_run="true")
    problems = {(p["line"], p["field"]) for p in r.json()["error"]["problems"]}
    assert problems == {(2, "capability"), (3, "caveats.sectors")}
    assert stored(ws) == before


def test_liaison_merges_only_their_own_nation(ws: Workspace) -> None:
    r = post(ws, "liaison_fra", table(fra1(quantity=3)), dry_run="true")
    assert r.status_code == 200 and len(r.json()["changed"]) == 1
    deu = fra1(id="P-DEU-7", nation="DEU", status="offered")
    r = post(ws, "liaison_fra", table(fra1(), deu), dry_run="true")
    assert r.status_code == 422
    [p] = r.json()["error"]["problems"]
    assert (p["line"], p["field"]) == (3, "nation")
    assert post(ws, "liaison_fra", table(fra1()), dry_run="true",
                replace="DEU").status_code == 403
    # A liaison's new pledge starts offered; a status change follows the workflow.
    r = post(ws, "liaison_fra", table(fra1(id="P-FRA-7", status="approved")), dry_run="true")
    assert r.status_code == 422
    r = post(ws, "liaison_fra", table(fra2(status="approved")), dry_run="true")
    assert r.status_code == 422 and "can move to" in r.json()["error"]["problems"][0]["message"]
    assert post(ws, "observer_fra", table(fra1()), dry_run="true").status_code == 403


def test_a_hidden_id_is_answered_as_any_taken_id(ws: Workspace) -> None:
    """A row whose id is a pledge hidden from the user gets exactly the answer a free id
    gets (the create-conflict rule of docs/security.md): never "in use"."""
    set_label(ws, "pledges", "P-FRA-2", 3, None)  # SECRET: above the lead's clearance
    r = post(ws, "lead", table(fra2(), fra1(id="P-FRA-1")), dry_run="true")
    assert r.status_code == 422
    hidden = r.json()["error"]["problems"]
    free = post(ws, "lead", table(fra2(id="P-FRA-98"), fra1(id="P-FRA-1")),
                dry_run="true").json()["error"]["problems"]
    assert hidden == free
    assert [p["field"] for p in hidden] == ["id"]
    assert "in use" not in hidden[0]["message"] and "leave id out" in hidden[0]["message"]
    # With nothing hidden, a chosen id another nation's pledge holds is "in use".
    set_label(ws, "pledges", "P-FRA-2", 0, None)
    # The legacy case: a DEU pledge whose id is in FRA's namespace, for a FRA liaison.
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE pledges SET id = 'P-FRA-55' WHERE id = 'P-DEU-2'"))
    r = post(ws, "liaison_fra", table(fra1(id="P-FRA-55", status="offered")), dry_run="true")
    assert r.json()["error"]["problems"][0]["message"] == (
        "the pledge id 'P-FRA-55' is already in use; choose another")
    # Replacing FRA never lists the hidden pledge as removed.
    set_label(ws, "pledges", "P-FRA-2", 3, None)
    doc = post(ws, "lead", table(fra1()), dry_run="true", replace="FRA").json()
    assert doc["removed"] == []


def test_workbook_pledges_sheet_is_merged(ws: Workspace) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws0 = wb.active
    assert ws0 is not None
    ws0.title = "pledges"
    ws0.append(HEADER)
    ws0.append([fra1(quantity=4)[k] if k in fra1() else None for k in HEADER])
    buf = io.BytesIO()
    wb.save(buf)
    r = ws.client("lead").post(URL, params={"dry_run": "true"},
                               files={"file": ("p.xlsx", buf.getvalue())})
    assert r.status_code == 200, r.text
    [changed] = r.json()["changed"]
    assert changed["changes"] == [{"field": "quantity", "old": 2, "new": 4}]
