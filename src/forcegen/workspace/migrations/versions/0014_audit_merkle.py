"""The audit trail becomes an RFC 6962 Merkle log (issue 14).

``audit_log.leaf_hash`` (the leaf hash of each entry's canonical JSON, entry ``seq`` being leaf
``seq - 1``), ``audit_node`` (every complete subtree above the leaves, so appends and proofs
never pass over the log) and ``audit_tree_head`` (the signed tree heads handed out). Existing
entries are kept as they are and their leaves and nodes backfilled from their stored content,
so a chain tampered with before the upgrade still fails ``forcegen audit verify`` after it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 09:40:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_node")),
    )
    op.create_table(
        "audit_tree_head",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_tree_head")),
    )
    op.create_index(op.f("ix_audit_tree_head_tree_size"), "audit_tree_head", ["tree_size"])
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Leaf hashes and nodes of the entries already written, from their stored content."""
    # The compute core's functions, not the workspace's models: they hash exactly as the
    # running code does, and this migration must not change when the models do.
    from forcegen.labels.auditlog import canonical_entry
    from forcegen.labels.merkle import MerkleTree, leaf_hash

    tree = MerkleTree()
    last = 0
    while True:
        rows = conn.execute(sa.text(
            'SELECT seq, at, actor, action, entity, entity_id, CAST("before" AS TEXT) AS b, '
            'CAST("after" AS TEXT) AS a FROM audit_log WHERE seq > :last ORDER BY seq '
            "LIMIT :n"), {"last": last, "n": _BATCH}).all()
        if not rows:
            break
        updates = []
        for r in rows:
            entry = {"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action,
                     "entity": r.entity, "entity_id": r.entity_id,
                     "before": _parsed(r.b), "after": _parsed(r.a)}
            leaf = leaf_hash(canonical_entry(entry))
            # Leaf i is entry i + 1; a gap (a tampered trail) is left for verify to report.
            if r.seq == len(tree) + 1:
                tree.append_hash(leaf)
            updates.append({"s": r.seq, "h": leaf.hex()})
            last = r.seq
        conn.execute(sa.text("UPDATE audit_log SET leaf_hash = :h WHERE seq = :s"), updates)
    node = sa.table("audit_node", sa.column("level"), sa.column("idx"), sa.column("hash"))
    for level in range(1, tree.levels()):
        hashes = tree.nodes_at(level)
        for i in range(0, len(hashes), _BATCH):
            conn.execute(node.insert(), [{"level": level, "idx": i + j, "hash": h.hex()}
                                         for j, h in enumerate(hashes[i : i + _BATCH])])


def _parsed(text: str | None) -> object:
    """A stored snapshot as JSON; a snapshot that is not (tampering) hashes as its text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_tree_head_tree_size"), table_name="audit_tree_head")
    op.drop_table("audit_tree_head")
    op.drop_table("audit_node")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("leaf_hash")
