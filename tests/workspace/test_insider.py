"""Issue 8 (Medium): insiders cannot loosen another nation's labels, nor probe hidden items.

Relabelling: only the owning nation (or an admin, audited) lowers a pledge's classification or
widens its releasability; a requirement (owned by the coalition) only an admin.
Existence oracles: for each probe, the answer about a hidden item equals the answer about a
visible or missing one, so the caller cannot tell them apart.
"""

from __future__ import annotations

from typing import Any

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


def test_create_with_a_label_hidden_id_answers_as_for_a_visible_one(ws: Workspace) -> None:
    """Within what a caller may create, an id taken by an item their label hides gets exactly
    the answer of an id taken by one they see (no copy of the record, same words)."""
    _user(ws, "liaison_fra", 1, "FRA")
    _user(ws, "lead", 1, "POL")
    _label(ws, "pledges", "P-FRA-2", 3, None)  # FRA's own pledge, above the liaison's clearance
    _label(ws, "requirements", "R-003", 3, None)
    fra = ws.client("liaison_fra")
    assert fra.get(f"{API}/pledges/P-FRA-2").status_code == 404
    visible = fra.post(f"{API}/pledges", json=_pledge("P-FRA-1", "FRA"))
    assert visible.status_code == 409 and "current" not in visible.json()["error"]
    _same(fra.post(f"{API}/pledges", json=_pledge("P-FRA-2", "FRA")), visible,
          "P-FRA-2", "P-FRA-1")
    lead = ws.client("lead")
    body = {"capability": "X-ROLE2", "quantity": 1, "sector": "north", "notice_days": 5}
    visible = lead.post(f"{API}/requirements", json={"id": "R-001", **body})
    hidden = lead.post(f"{API}/requirements", json={"id": "R-003", **body})
    assert visible.status_code == 409 and lead.get(f"{API}/requirements/R-003").status_code == 404
    _same(hidden, visible, "R-003", "R-001")


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
