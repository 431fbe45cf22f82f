"""Text search on the lists (``?q=``): case-insensitive, literal (no wildcards), inside the
reader's scope, combined with the other filters and counted before paging."""

from __future__ import annotations

from typing import Any

from .conftest import Workspace, set_label

API = "/api/v1"


def _ids(ws: Workspace, who: str, path: str, **params: Any) -> tuple[list[str], int]:
    r = ws.client(who).get(f"{API}{path}", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    key = "username" if path == "/users" else "id"
    return [str(i[key]) for i in body["items"]], body["total"]


def test_pledge_search_matches_ids_names_and_capability_names(ws: Workspace) -> None:
    # Brute-force oracle: every pledge whose id, nation or capability name holds the text.
    assert _ids(ws, "lead", "/pledges", q="p-deu")[0] == ["P-DEU-1", "P-DEU-2"]
    every = _ids(ws, "lead", "/pledges", q="ROLE 2 MED")  # the capability's name
    assert every == (["P-DEU-1", "P-DEU-2", "P-FRA-1", "P-FRA-2", "P-POL-1"], 5)
    assert _ids(ws, "lead", "/pledges", q="  fra ", status="approved")[0] == ["P-FRA-1"]
    # Wildcards are text, not patterns.
    assert _ids(ws, "lead", "/pledges", q="%") == ([], 0)
    assert _ids(ws, "lead", "/pledges", q="P_FRA") == ([], 0)
    # Paging counts every match, not only the page.
    assert _ids(ws, "lead", "/pledges", q="P-", limit=2) == (["P-DEU-1", "P-DEU-2"], 5)


def test_search_stays_inside_the_readers_scope(ws: Workspace) -> None:
    assert _ids(ws, "liaison_fra", "/pledges", q="DEU") == ([], 0)
    assert _ids(ws, "liaison_fra", "/pledges", q="p-")[0] == ["P-FRA-1", "P-FRA-2"]
    set_label(ws, "pledges", "P-FRA-2", 3, None)  # SECRET: above an uncleared liaison
    assert _ids(ws, "liaison_fra", "/pledges", q="P-FRA") == (["P-FRA-1"], 1)
    set_label(ws, "requirements", "R-003", 3, None)
    assert _ids(ws, "observer_deu", "/requirements", q="R-00")[1] == 3
    assert "R-003" not in _ids(ws, "observer_deu", "/requirements", q="south")[0]


def test_requirement_search_finds_sector_names(ws: Workspace) -> None:
    assert _ids(ws, "lead", "/requirements", q="sector south", sort="id")[0] == ["R-002", "R-003"]
    assert _ids(ws, "lead", "/requirements", q="r-004") == (["R-004"], 1)
    # Built-in capability types are found by name too (the sample only uses its own type).
    assert _ids(ws, "lead", "/requirements", q="mechanised infantry") == ([], 0)
    r = ws.client("lead").get(f"{API}/requirements", params={"q": "x" * 101})
    assert r.status_code == 422


def test_user_and_run_search(ws: Workspace) -> None:
    assert _ids(ws, "admin", "/users", q="LIAISON")[0] == ["liaison_deu", "liaison_fra"]
    assert _ids(ws, "admin", "/users", q="liaison", active=False) == ([], 0)
    assert _ids(ws, "lead", "/runs", q="nobody") == ([], 0)
