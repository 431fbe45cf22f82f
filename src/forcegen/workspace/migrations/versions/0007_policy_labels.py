"""Labels under security policies (``forcegen.labels``); clearances and memberships of users.

Requirements, pledges and sourcing runs get the stored form of a STANAG 4774 label
(``forcegen.workspace.label_store``): ``label`` (its JSON, the authority), ``label_policy``,
``label_rank``, ``label_restrictive``, ``label_permissive`` (tokens for SQL) and
``label_open``. Every existing row is converted in place: its five-level label becomes the
NATO-policy label ``forcegen.labels.legacy.legacy_to_label`` gives (the same decision for
every reader, tested), and ``classification`` / ``releasable_to`` stay as they were (the
default policy's view). Users get ``clearances`` (under other policies) and ``memberships``
(category values), NULL: their access is unchanged.

Downgrade writes each label back as five levels: the NATO view's rank and its releasability,
groups (FVEY, NATO, EU) expanded to their member nations. A label the five levels cannot
express (a caveat, a community, another permissive category, an unreadable label) becomes
TOP SECRET releasable to no nation (its owner only): narrower, never wider, than it was.

Revision ID: 0007
Revises: 0006_whatif
Create Date: 2026-12-01 03:40:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from forcegen.labels.label import Label, label_from_json, label_to_json, translate
from forcegen.labels.legacy import NATO_LEVELS, legacy_to_label
from forcegen.labels.registry import default_policies

revision = "0007"
down_revision = "0006_whatif"
branch_labels = None
depends_on = None

#: Table -> the column naming the owning nation (pledges), if any.
_LABELLED: dict[str, str | None] = {"requirements": None, "pledges": "nation",
                                    "sourcing_runs": None}
_REL = "Releasable To"
_BATCH = 500


def _tokens(label: Label, kind: str) -> str | None:
    toks = sorted(f"{c.tag}={v}" for c in label.categories if c.type == kind for v in c.values)
    return "," + ",".join(toks) + "," if toks else None


def _stored(label: Label) -> dict[str, Any]:
    # The stored form as label_store.label_columns writes it in revision 0007 (restated here
    # so that this migration keeps meaning what it meant when it was written).
    restrictive, permissive = _tokens(label, "restrictive"), _tokens(label, "permissive")
    return {
        "label": json.dumps(label_to_json(label), sort_keys=True, separators=(",", ":"),
                            ensure_ascii=False),
        "label_policy": label.policy,
        "label_rank": NATO_LEVELS.index(label.classification),
        "label_restrictive": restrictive,
        "label_permissive": permissive,
        "label_open": int(restrictive is None and permissive is None),
    }


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("label_policy", sa.String(length=32), nullable=True),
        sa.Column("label_rank", sa.Integer(), nullable=True),
        sa.Column("label_restrictive", sa.Text(), nullable=True),
        sa.Column("label_permissive", sa.Text(), nullable=True),
        sa.Column("label_open", sa.Integer(), nullable=True),
    ]


def _rows(conn: sa.Connection, table: str, owner: str | None, cols: str) -> list[Any]:
    return list(conn.execute(sa.text(f"SELECT id, {cols}{', ' + owner if owner else ''} "
                                     f"FROM {table}")))


def _update(conn: sa.Connection, table: str, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    names = [k for k in values[0] if k != "row_id"]
    stmt = sa.text(f"UPDATE {table} SET {', '.join(f'{k} = :{k}' for k in names)} "
                   "WHERE id = :row_id")
    for start in range(0, len(values), _BATCH):
        conn.execute(stmt, values[start:start + _BATCH])


def upgrade() -> None:
    for table in _LABELLED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns():
                batch_op.add_column(column)
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index("ix_pledges_label_open", ["label_open"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearances", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("memberships", sa.JSON(), nullable=True))
    conn = op.get_bind()
    ps = default_policies()
    for table, owner in _LABELLED.items():
        values = []
        for row in _rows(conn, table, owner, "classification, releasable_to"):
            rank = min(max(int(row[1] or 0), 0), len(NATO_LEVELS) - 1)
            label = legacy_to_label(rank, row[2], row[3] if owner else None, ps)
            values.append({"row_id": row[0], **_stored(label)})
        _update(conn, table, values)


def _legacy(text: str | None) -> tuple[int, str | None]:
    """The five-level form of a stored label (narrower when it cannot say the same)."""
    ps = default_policies()
    narrow = (len(NATO_LEVELS) - 1, ",")
    try:
        label = label_from_json(json.loads(text or ""), ps)
        nato = label if label.policy == "NATO" else translate(label, "NATO", ps)
    except Exception:
        return narrow
    if any(c.type == "restrictive" or (c.type == "permissive" and c.tag != _REL)
           for c in nato.categories):
        return narrow
    rank = NATO_LEVELS.index(nato.classification)
    rel = nato.category(_REL)
    if rel is None:
        return rank, None
    groups = ps.get("NATO").categories[_REL].groups
    nations = {n for v in rel.values for n in (groups.get(v) or {v})
               if len(n) == 3 and n.isalpha() and n.isupper() and n != "EU"}
    return rank, ("," + ",".join(sorted(nations)) + ",") if nations else ","


def downgrade() -> None:
    conn = op.get_bind()
    for table in _LABELLED:
        values = []
        for row in _rows(conn, table, None, "label"):
            if row[1] is None:
                continue
            rank, rel = _legacy(row[1])
            values.append({"row_id": row[0], "classification": rank, "releasable_to": rel})
        _update(conn, table, values)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("memberships")
        batch_op.drop_column("clearances")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_label_open")
    for table in reversed(_LABELLED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(_columns()):
                batch_op.drop_column(column.name)
