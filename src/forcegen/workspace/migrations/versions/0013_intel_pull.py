"""Intel federation by pull: the ``added_after`` bookmark per peer and collection.

``forcegen intel sync`` also fetches a peer's collection (the peers file's ``pull``
mapping); ``intel_pull`` remembers where the last complete pull got to. A new table only:
nothing existing changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_pull",
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("remote_collection", sa.String(length=36), nullable=False),
        sa.Column("added_after", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["intel_collections.id"],
                                name=op.f("fk_intel_pull_collection_id_intel_collections"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("peer", "collection_id", "remote_collection",
                                name=op.f("pk_intel_pull")),
    )


def downgrade() -> None:
    op.drop_table("intel_pull")
