"""Migration 0014 turns an existing hash chain into a Merkle log without touching its rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from tests.labels.test_merkle import ref_mth

from forcegen.labels.auditlog import canonical_entry
from forcegen.labels.keys import SigningKey
from forcegen.labels.merkle import MerkleTree, leaf_hash
from forcegen.workspace.audit import tree
from forcegen.workspace.audit.chain import GENESIS, entry_hash, record, verify
from forcegen.workspace.audit.models import AuditNode
from forcegen.workspace.database import make_engine, upgrade

from .test_migrations import blank_url, downgrade

__all__ = ["blank_url"]  # the fixture, shared with test_migrations


def _write_chain(engine: sa.Engine, n: int) -> list[dict[str, Any]]:
    """``n`` entries as the 0013 code wrote them (chain hashes, no leaves); their fields."""
    log = sa.Table("audit_log", sa.MetaData(), autoload_with=engine)
    head = sa.Table("audit_head", sa.MetaData(), autoload_with=engine)
    prev, out = GENESIS, []
    with engine.begin() as conn:
        for seq in range(1, n + 1):
            fields = {"seq": seq, "at": f"2026-11-30T10:00:{seq:02d}.000000+00:00",
                      "actor": "ana", "action": "update", "entity": "nation",
                      "entity_id": "FRA", "before": {"name": f"France {seq}", "n": [seq]},
                      "after": {"name": f"Frañce {seq + 1}", "ok": seq % 2 == 0}}
            h = entry_hash(prev, fields)
            conn.execute(log.insert().values(**fields, prev_hash=prev, hash=h))
            prev = h
            out.append(fields)
        conn.execute(head.update().where(head.c.id == 1).values(seq=n, last_hash=prev))
    return out


def test_0014_backfills_leaves_and_nodes_and_new_entries_continue_the_tree(
        blank_url: str) -> None:
    upgrade(blank_url, "0013")
    engine = make_engine(blank_url)
    try:
        fields = _write_chain(engine, 13)
        upgrade(blank_url, "0014")
        data = [canonical_entry(f) for f in fields]
        leaves = [leaf_hash(d) for d in data]
        expected = MerkleTree()
        for leaf in leaves:
            expected.append_hash(leaf)
        with Session(engine) as db:
            stored = db.execute(sa.text("SELECT leaf_hash FROM audit_log ORDER BY seq")).all()
            assert [bytes.fromhex(r[0]) for r in stored] == leaves
            for level in range(1, expected.levels()):
                got = db.scalars(select(AuditNode.hash).where(AuditNode.level == level)
                                 .order_by(AuditNode.idx)).all()
                assert got == [h.hex() for h in expected.nodes_at(level)]
            assert verify(db).ok
            assert tree.root(db, 13) == ref_mth(data)
            key = SigningKey.generate("GBR")
            for _ in range(6):  # the appends after the backfill extend the same tree
                e = record(db, "bob", "create", "nation", "DEU", None, {"name": "Germany"})
                data.append(canonical_entry(tree.entry_fields(e)))
            head = tree.sign_head(db, key)
            assert (head.tree_size, head.root_hash) == (19, ref_mth(data))
            db.commit()
            assert verify(db).ok
        downgrade(blank_url, "0013")
        names = set(inspect(engine).get_table_names())
        assert "audit_node" not in names and "audit_tree_head" not in names
        assert "leaf_hash" not in {c["name"] for c in inspect(engine).get_columns("audit_log")}
        upgrade(blank_url, "0014")  # and again, from the rows as they are now
        with Session(engine) as db:
            assert verify(db).ok and tree.root(db, 19) == ref_mth(data)
    finally:
        engine.dispose()


def test_0014_keeps_tampering_done_before_it_visible(blank_url: str) -> None:
    upgrade(blank_url, "0013")
    engine = make_engine(blank_url)
    try:
        _write_chain(engine, 5)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET actor = 'eve' WHERE seq = 4"))
        upgrade(blank_url, "0014")
        with Session(engine) as db:
            r = verify(db)
            assert not r.ok and r.first_bad_seq == 4 and "changed" in (r.reason or "")
    finally:
        engine.dispose()
