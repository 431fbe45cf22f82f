"""Pledge list indexes: each filter column paired with the default sort key.

The pledge list always orders by ``id`` last (by ``id`` only unless asked otherwise) and filters
by nation (every liaison's and observer's list is scoped to their nation), status or
capability. An index on ``(column, id)`` lets the database walk one filter's matches already in
page order and stop after ``offset + limit`` rows instead of sorting every match; it also
serves every lookup the single-column index it replaces did.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (replaced single-column index, its column, new composite index)
_PAIRS = (
    ("ix_pledges_nation", "nation", "ix_pledges_nation_id"),
    ("ix_pledges_status", "status", "ix_pledges_status_id"),
    ("ix_pledges_capability", "capability", "ix_pledges_capability_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        for old, column, new in _PAIRS:
            batch_op.create_index(new, [column, "id"], unique=False)
            batch_op.drop_index(old)


def downgrade() -> None:
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        for old, column, new in _PAIRS:
            batch_op.create_index(old, [column], unique=False)
            batch_op.drop_index(new)
