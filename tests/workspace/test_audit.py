"""The audit trail records who, when, what, before and after, and detects tampering."""

from __future__ import annotations

from sqlalchemy import text

from .conftest import Workspace

API = "/api/v1"


def _make_changes(ws: Workspace) -> None:
    c = ws.client("liaison_fra")
    assert c.patch(f"{API}/pledges/P-FRA-1", json={"version": 1, "quantity": 3}).status_code == 200
    r = c.post(f"{API}/pledges/P-FRA-1/status", json={"version": 2, "status": "withdrawn"})
    assert r.status_code == 200


def test_changes_are_recorded_with_before_and_after(ws: Workspace) -> None:
    _make_changes(ws)
    items = ws.client("lead").get(f"{API}/audit", params={"entity_id": "P-FRA-1"}).json()["items"]
    update, status = sorted(items, key=lambda e: e["seq"])
    assert update["actor"] == "liaison_fra" and update["action"] == "update"
    assert update["before"]["quantity"] == 2 and update["after"]["quantity"] == 3
    assert status["action"] == "status:withdrawn"
    assert status["before"]["status"] == "approved" and status["after"]["status"] == "withdrawn"
    assert update["at"] <= status["at"]
    assert status["prev_hash"] == update["hash"]
    # account changes never carry password hashes
    users = ws.client("lead").get(f"{API}/audit", params={"entity": "user"}).json()["items"]
    assert all("password_hash" not in (e["after"] or {}) for e in users)


def _verify(ws: Workspace) -> dict:
    return ws.client("admin").get(f"{API}/audit/verify").json()


def test_chain_verifies(ws: Workspace) -> None:
    _make_changes(ws)
    v = _verify(ws)
    assert v["ok"] and v["checked"] >= 3


def test_edited_entry_is_detected(ws: Workspace) -> None:
    _make_changes(ws)
    with ws.engine.begin() as conn:
        seq = conn.execute(text("SELECT max(seq) FROM audit_log WHERE action = 'update'")).scalar()
        conn.execute(text("UPDATE audit_log SET actor = 'someone_else' WHERE seq = :s"), {"s": seq})
    v = _verify(ws)
    assert not v["ok"] and v["first_bad_seq"] == seq and "changed" in v["reason"]


def test_edited_entry_with_recomputed_hash_breaks_the_link(ws: Workspace) -> None:
    from forcegen.labels.auditlog import canonical_entry
    from forcegen.labels.merkle import leaf_hash
    from forcegen.workspace.audit.service import entry_hash

    _make_changes(ws)
    with ws.engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT seq, at, actor, action, entity, entity_id, prev_hash "
                "FROM audit_log WHERE seq = 2"
            )
        ).one()
        fields = {
            "seq": 2,
            "at": row.at,
            "actor": "forger",
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "before": None,
            "after": None,
        }
        conn.execute(
            text(
                "UPDATE audit_log SET actor='forger', before=NULL, after=NULL, "
                "hash=:h, leaf_hash=:leaf WHERE seq = 2"
            ),
            # The forger fixes the Merkle leaf too: the broken link still shows.
            {"h": entry_hash(row.prev_hash, fields),
             "leaf": leaf_hash(canonical_entry(fields)).hex()},
        )
    v = _verify(ws)
    assert not v["ok"] and v["first_bad_seq"] == 3


def test_deleted_entries_are_detected(ws: Workspace) -> None:
    _make_changes(ws)
    with ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    v = _verify(ws)
    assert not v["ok"] and v["first_bad_seq"] == 3


def test_removed_tail_is_detected(ws: Workspace) -> None:
    _make_changes(ws)
    with ws.engine.begin() as conn:
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar()
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    v = _verify(ws)
    assert not v["ok"] and "end" in v["reason"]
