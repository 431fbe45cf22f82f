"""Intelligence sharing: STIX objects per collection under labels, TAXII status resources.

``intel_collections`` (one per community or partnership, with the 4774 label deciding who sees
it), ``intel_objects`` (one row per version of a STIX object in a collection, with its label
and signature; label marking definitions are rows too), ``intel_status`` (the outcome of each
objects POST, seen by its poster) and ``intel_secrets`` (the paging cursor's HMAC key, shared
by every server process). New tables only: nothing existing changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_collections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_collections")),
    )
    op.create_table(
        "intel_objects",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("date_added", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("marking_id", sa.String(length=120), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["collection_id"], ["intel_collections.id"],
                                name=op.f("fk_intel_objects_collection_id_intel_collections"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intel_objects")),
        sa.UniqueConstraint("collection_id", "object_id", "version",
                            name=op.f("uq_intel_objects_collection_id")),
    )
    with op.batch_alter_table("intel_objects", schema=None) as batch_op:
        batch_op.create_index("ix_intel_objects_page", ["collection_id", "date_added", "seq"],
                              unique=False)
        batch_op.create_index("ix_intel_objects_object", ["collection_id", "object_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_intel_objects_sector"), ["sector"], unique=False)
    op.create_table(
        "intel_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_intel_status_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_status")),
    )
    with op.batch_alter_table("intel_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intel_status_user_id"), ["user_id"], unique=False)
    op.create_table(
        "intel_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_intel_secrets")),
    )


def downgrade() -> None:
    op.drop_table("intel_secrets")
    with op.batch_alter_table("intel_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intel_status_user_id"))
    op.drop_table("intel_status")
    with op.batch_alter_table("intel_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intel_objects_sector"))
        batch_op.drop_index("ix_intel_objects_object")
        batch_op.drop_index("ix_intel_objects_page")
    op.drop_table("intel_objects")
    op.drop_table("intel_collections")
