"""Intel federation: what crossed to or from each peer (``intel_sync``).

One row per version of an object sent to (``out``) or received from (``in``) a federated
peer, so that nothing is sent twice and nothing goes back where it came from. A new table
only: nothing existing changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_sync",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["intel_collections.id"],
                                name=op.f("fk_intel_sync_collection_id_intel_collections"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_sync")),
        sa.UniqueConstraint("peer", "direction", "collection_id", "object_id", "version",
                            name=op.f("uq_intel_sync_peer")),
    )


def downgrade() -> None:
    op.drop_table("intel_sync")
