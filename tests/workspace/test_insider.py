"""Issue 8 (Medium): insiders cannot loosen another nation's labels, nor probe hidden items.

Relabelling: only the owning nation (or an admin, audited) lowers a pledge's classification or
widens its releasability; a requirement (owned by the coalition) only an admin.
Existence oracles: for each probe, the answer about a hidden item equals the answer about a
visible or missing one, so the caller cannot tell them apart.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from .conftest import Workspace
from .conftest import set_label as _label

API = "/api/v1"


def _user(ws: Workspace, name: str, clearance: int, nation: str | None = None) -> None:
    with ws.engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET clearance = :c, nation = :n WHERE username = :u"),
            {"c": clearance, "n": nation, "u": name},
        )


def _stored(ws: Workspace, table: str, item: str) -> tuple[Any, ...]:
    with ws.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(f"SELECT classification, releasable_to, version FROM {table} WHERE id = :i"),
                {"i": item},
            ).one()
        )


def _patch(ws: Workspace, who: str, path: str, **changes: Any) -> Any:
    v = ws.client(who).get(f"{API}/{path}").json()["version"]
    return ws.client(who).patch(f"{API}/{path}", json={"version": v, **changes})


# ------------------------------------------------------------------------------ relabelling
def test_lead_planner_cannot_loosen_another_nations_pledge(ws: Workspace) -> None:
    _user(ws, "lead", 3, "POL")  # a POL lead planner cleared SECRET
    _user(ws, "liaison_fra", 3, "FRA")
    _user(ws, "admin", 4, "POL")
    _label(ws, "pledges", "P-FRA-1", 3, ",FRA,POL,")  # SECRET REL FRA, POL
    before = _stored(ws, "pledges", "P-FRA-1")
    for change in (
        {"classification": "UNCLASSIFIED", "releasable_to": None},  # the reported attack
        {"classification": "CONFIDENTIAL"},
        {"releasable_to": None},
        {"releasable_to": ["FRA", "POL", "DEU"]},
    ):
        r = _patch(ws, "lead", "pledges/P-FRA-1", **change)
        assert r.status_code == 403, (change, r.text)
        assert "FRA" in r.json()["error"]["message"]
        assert _stored(ws, "pledges", "P-FRA-1") == before
    # Tightening stays open to the planner (raising the level, same releasability).
    assert _patch(ws, "lead", "pledges/P-FRA-1", classification="SECRET").status_code == 200
    # The owning nation may loosen its own pledge ...
    r = _patch(ws, "liaison_fra", "pledges/P-FRA-1", releasable_to=["FRA", "POL", "DEU"])
    assert r.status_code == 200, r.text
    # ... and so may an admin, in the audit trail.
    r = _patch(ws, "admin", "pledges/P-FRA-1", classification="UNCLASSIFIED", releasable_to=None)
    assert r.status_code == 200, r.text
    entry = ws.client("admin").get(
        f"{API}/audit", params={"entity": "pledge", "entity_id": "P-FRA-1"}
    ).json()["items"][0]
    assert entry["actor"] == "admin" and entry["after"]["classification"] == 0


def test_only_an_admin_loosens_a_requirement(ws: Workspace) -> None:
    _user(ws, "lead", 3, "POL")
    _user(ws, "admin", 4, "POL")
    _label(ws, "requirements", "R-001", 3, ",FRA,POL,")
    before = _stored(ws, "requirements", "R-001")
    for change in (
        {"classification": "UNCLASSIFIED", "releasable_to": None},
        {"releasable_to": ["FRA", "POL", "NLD"]},
    ):
        r = _patch(ws, "lead", "requirements/R-001", **change)
        assert r.status_code == 403, (change, r.text)
        assert _stored(ws, "requirements", "R-001") == before
    assert _patch(ws, "lead", "requirements/R-001", releasable_to=["POL"]).status_code == 200
    r = _patch(ws, "admin", "requirements/R-001", classification="UNCLASSIFIED",
               releasable_to=None)
    assert r.status_code == 200, r.text


def test_import_is_not_a_way_round_the_relabel_rule(ws: Workspace) -> None:
    _user(ws, "lead", 3, "POL")
    _label(ws, "pledges", "P-FRA-1", 3, ",FRA,POL,")
    doc = yaml.safe_load(
        ws.client("lead").get(f"{API}/scenario/export", params={"format": "yaml"}).content
    )
    fra1 = next(p for p in doc["pledges"] if p["id"] == "P-FRA-1")
    assert fra1["x-classification"] == "SECRET"
    del fra1["x-classification"], fra1["x-releasable-to"]
    before = _stored(ws, "pledges", "P-FRA-1")
    r = ws.client("lead").post(
        f"{API}/scenario/import", files={"file": ("s.yaml", yaml.safe_dump(doc).encode())}
    )
    assert r.status_code == 403 and "P-FRA-1" in r.json()["error"]["message"], r.text
    assert _stored(ws, "pledges", "P-FRA-1") == before


# ------------------------------------------------------------------------------ oracles
def _same(a: Any, b: Any, a_id: str, b_id: str) -> None:
    """Two answers equal once the probed ids are swapped: nothing tells them apart."""
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.text.replace(a_id, "<ID>") == b.text.replace(b_id, "<ID>"), (a.text, b.text)


def _pledge(ident: str, nation: str) -> dict[str, Any]:
    return {"id": ident, "nation": nation, "capability": "X-ROLE2", "quantity": 1,
            "personnel": 10, "notice_days": 5}


def test_create_with_another_nations_id_answers_as_for_a_missing_one(ws: Workspace) -> None:
    """Pledge ids are scoped by nation: a liaison's probe of another nation's id (existing or
    not) gets the same 422 before anything is looked up; the old answer was 409 vs 201."""
    fra = ws.client("liaison_fra")
    assert fra.get(f"{API}/pledges/P-DEU-1").status_code == 404  # exists, hidden by role
    assert fra.get(f"{API}/pledges/P-DEU-7").status_code == 404  # missing
    for nation in ("FRA", "DEU"):
        hidden = fra.post(f"{API}/pledges", json=_pledge("P-DEU-1", nation))
        missing = fra.post(f"{API}/pledges", json=_pledge("P-DEU-7", nation))
        assert hidden.status_code in (403, 422), hidden.text
        _same(hidden, missing, "P-DEU-1", "P-DEU-7")
    assert fra.post(f"{API}/pledges", json=_pledge("P-FRA-7", "FRA")).status_code == 201
    assert fra.post(f"{API}/pledges", json=_pledge("FRA-8", "FRA")).status_code == 201


#: Headers a client could tell two answers apart by (everything but the date).
def _answer(r: Any, ident: str) -> tuple[int, str, dict[str, str]]:
    headers = {k.lower(): v for k, v in r.headers.items() if k.lower() != "date"}
    return r.status_code, r.text.replace(ident, "<ID>"), headers


def _probe_creates(client: Any, path: str, body: dict[str, Any],
                   ids: dict[str, str]) -> dict[str, Any]:
    return {kind: client.post(f"{API}/{path}", json={**body, "id": ident})
            for kind, ident in ids.items()}


def test_create_with_a_label_hidden_id_answers_as_for_a_free_one(ws: Workspace) -> None:
    """The old answer for an id held by a pledge above the caller's clearance was 409 "in
    use" where a free id got 201: a low-cleared liaison could count their nation's SECRET
    pledges by trying FRA-001, FRA-002, ... Now, while anything is hidden from the caller, a
    chosen id gets one answer, byte for byte, whether it is free, visible or hidden; the
    caller leaves the id out and the workspace picks one."""
    _user(ws, "liaison_fra", 1, "FRA")
    _label(ws, "pledges", "P-FRA-2", 3, None)  # FRA's own pledge, above the liaison's clearance
    fra = ws.client("liaison_fra")
    assert fra.get(f"{API}/pledges/P-FRA-2").status_code == 404
    assert fra.get(f"{API}/pledges/P-FRA-77").status_code == 404
    ids = {"hidden": "P-FRA-2", "free": "P-FRA-77", "visible": "P-FRA-1"}
    got = _probe_creates(fra, "pledges", _pledge("", "FRA"), ids)
    assert got["hidden"].status_code == 409, got["hidden"].text
    assert "leave id out" in got["hidden"].json()["error"]["message"]
    for kind in ("free", "visible"):
        assert _answer(got[kind], ids[kind]) == _answer(got["hidden"], ids["hidden"]), kind
    assert fra.get(f"{API}/pledges/P-FRA-77").status_code == 404  # nothing stored
    # Without an id the create goes through, in the nation's namespace, unpredictably.
    made = [fra.post(f"{API}/pledges", json={k: v for k, v in _pledge("", "FRA").items()
                                             if k != "id"}) for _ in range(2)]
    assert [r.status_code for r in made] == [201, 201], made[0].text
    new = [r.json()["id"] for r in made]
    assert all(re.fullmatch(r"FRA-[0-9A-HJKMNP-TV-Z]{10}", i) for i in new) and new[0] != new[1]
    assert fra.get(f"{API}/pledges/{new[0]}").json()["created_by"] == "liaison_fra"


def test_an_assigned_id_that_hits_a_hidden_pledge_is_drawn_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draw is checked against every pledge, hidden or not, and the caller sees only the
    second draw: the same 201 as if the first had been free."""
    from forcegen.workspace.access import ids

    assert ws.client("admin").post(
        f"{API}/pledges", json=_pledge("FRA-0000000000", "FRA")).status_code == 201
    _label(ws, "pledges", "FRA-0000000000", 3, None)
    _user(ws, "liaison_fra", 1, "FRA")
    draws = iter("0" * 10 + "1" * 10)
    monkeypatch.setattr(ids.secrets, "choice", lambda _alphabet: next(draws))
    body = {k: v for k, v in _pledge("", "FRA").items() if k != "id"}
    r = ws.client("liaison_fra").post(f"{API}/pledges", json=body)
    assert r.status_code == 201 and r.json()["id"] == "FRA-1111111111", r.text


def test_a_lead_planner_probing_hidden_ids_learns_nothing_per_id(ws: Workspace) -> None:
    """The same for a lead planner: another nation's pledge not releasable to them, and a
    requirement above their clearance."""
    _user(ws, "lead", 2, "POL")
    _label(ws, "pledges", "P-DEU-1", 0, ",DEU,")  # DEU eyes only
    _label(ws, "requirements", "R-003", 3, None)
    lead = ws.client("lead")
    got = _probe_creates(lead, "pledges", _pledge("", "DEU"),
                         {"hidden": "P-DEU-1", "free": "P-DEU-9", "visible": "P-DEU-2"})
    assert got["hidden"].status_code == 409
    assert _answer(got["free"], "P-DEU-9") == _answer(got["hidden"], "P-DEU-1")
    assert _answer(got["visible"], "P-DEU-2") == _answer(got["hidden"], "P-DEU-1")
    body = {"capability": "X-ROLE2", "quantity": 1, "sector": "north", "notice_days": 5}
    got = _probe_creates(lead, "requirements", body,
                         {"hidden": "R-003", "free": "R-777", "visible": "R-001"})
    assert got["hidden"].status_code == 409
    assert _answer(got["free"], "R-777") == _answer(got["hidden"], "R-003")
    assert _answer(got["visible"], "R-001") == _answer(got["hidden"], "R-003")
    assert lead.get(f"{API}/requirements/R-777").status_code == 404
    r = lead.post(f"{API}/requirements", json=body)
    assert r.status_code == 201 and re.fullmatch(r"R-[0-9A-Z]{10}", r.json()["id"]), r.text


def test_chosen_ids_work_while_nothing_is_hidden(ws: Workspace) -> None:
    """With nothing hidden from the caller, every holder of a taken id is one they see: a
    chosen id is created, a taken one is 409 (the holder is at its own address)."""
    fra, lead = ws.client("liaison_fra"), ws.client("lead")
    body = {"capability": "X-ROLE2", "quantity": 1, "sector": "north", "notice_days": 5}
    for client, path, taken, free, payload in (
        (fra, "pledges", "P-FRA-1", "P-FRA-77", _pledge("", "FRA")),
        (lead, "pledges", "P-DEU-1", "P-DEU-77", _pledge("", "DEU")),
        (lead, "requirements", "R-001", "R-777", body),
    ):
        r = client.post(f"{API}/{path}", json={**payload, "id": taken})
        assert r.status_code == 409 and "already in use" in r.text, r.text
        assert "current" not in r.json()["error"]
        assert client.get(f"{API}/{path}/{taken}").status_code == 200
        r = client.post(f"{API}/{path}", json={**payload, "id": free})
        assert r.status_code == 201 and r.json()["id"] == free, r.text
    # A liaison's bit is about their own nation only: another nation's pledges are outside
    # their namespace (and their scope) whatever their labels, so hiding one changes nothing.
    _label(ws, "pledges", "P-DEU-1", 4, ",DEU,")
    r = fra.post(f"{API}/pledges", json=_pledge("P-FRA-78", "FRA"))
    assert r.status_code == 201, r.text


def test_nation_removal_does_not_reveal_hidden_pledges(ws: Workspace) -> None:
    _user(ws, "lead", 1, None)
    _user(ws, "admin", 4, "POL")
    assert ws.client("admin").post(f"{API}/nations", json={"code": "ESP"}).status_code == 201
    for pid in ("P-DEU-1", "P-DEU-2"):
        _label(ws, "pledges", pid, 3, None)  # every DEU pledge hidden from the lead planner
    lead = ws.client("lead")
    assert lead.get(f"{API}/pledges", params={"nation": "DEU"}).json()["total"] == 0

    def remove(code: str) -> Any:
        v = lead.get(f"{API}/nations/{code}").json()["version"]
        return lead.delete(f"{API}/nations/{code}", params={"version": v})

    # DEU: hidden pledges (and a liaison account); ESP: nothing at all.
    deu, esp = remove("DEU"), remove("ESP")
    assert deu.status_code == 403, deu.text
    _same(deu, esp, "DEU", "ESP")
    assert {n["code"] for n in lead.get(f"{API}/nations").json()} >= {"DEU", "ESP"}


def test_nation_removal_takes_the_version_like_an_edit(ws: Workspace) -> None:
    """A removal based on an older view of the nation is 409 with the nation as it is now."""
    admin = ws.client("admin")
    assert admin.post(f"{API}/nations", json={"code": "ESP"}).status_code == 201
    assert admin.delete(f"{API}/nations/ESP").status_code == 422  # version is required
    r = admin.patch(f"{API}/nations/ESP", json={"version": 1, "name": "Spain"})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    stale = admin.delete(f"{API}/nations/ESP", params={"version": 1})
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["current"]["name"] == "Spain"
    assert admin.get(f"{API}/nations/ESP").status_code == 200
    assert admin.delete(f"{API}/nations/ESP", params={"version": 2}).status_code == 204
    assert admin.get(f"{API}/nations/ESP").status_code == 404


def test_dry_run_import_does_not_count_hidden_items(ws: Workspace) -> None:
    _user(ws, "lead", 1, None)
    doc = yaml.safe_dump(
        yaml.safe_load(
            ws.client("lead").get(f"{API}/scenario/export", params={"format": "yaml"}).content
        )
    ).encode()

    def probe() -> Any:
        return ws.client("lead").post(
            f"{API}/scenario/import", params={"dry_run": "true"}, files={"file": ("s.yaml", doc)}
        )

    _label(ws, "pledges", "P-DEU-1", 3, None)
    one = probe()
    for pid in ("P-DEU-2", "P-POL-1"):
        _label(ws, "pledges", pid, 3, None)
    _label(ws, "requirements", "R-002", 3, None)
    _same(one, probe(), "", "")
    assert one.status_code == 403
