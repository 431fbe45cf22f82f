"""Relief matching runs kept: who, when, over what data (a hash), with what result (issue 17).

A new table only, ``relief_runs``, with the label columns of migration 0007 (the high-water
label of the data a run used); nothing existing changes. A run goes with its event.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relief_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("input_hash", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("classification", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("releasable_to", sa.String(length=1500), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("label_policy", sa.String(length=32), nullable=True),
        sa.Column("label_rank", sa.Integer(), nullable=True),
        sa.Column("label_restrictive", sa.Text(), nullable=True),
        sa.Column("label_permissive", sa.Text(), nullable=True),
        sa.Column("label_open", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event"], ["relief_events.id"], name=op.f("fk_relief_runs_event_relief_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_runs")),
    )
    with op.batch_alter_table("relief_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relief_runs_event"), ["event"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relief_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relief_runs_event"))
    op.drop_table("relief_runs")
