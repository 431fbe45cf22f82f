"""Deployment runs: the force's movement planned over the workspace's data (issue 12).

``deployment_runs`` mirrors ``sourcing_runs`` (state, progress, who started it, the result as
JSON, the label columns of migration 0007) with ``options`` for its what-ifs. A new table
only: nothing existing changes (the deployment sections of an imported scenario are kept as
``workspace_meta`` rows, which need no migration).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("classification", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("releasable_to", sa.String(length=1500), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("label_policy", sa.String(length=32), nullable=True),
        sa.Column("label_rank", sa.Integer(), nullable=True),
        sa.Column("label_restrictive", sa.Text(), nullable=True),
        sa.Column("label_permissive", sa.Text(), nullable=True),
        sa.Column("label_open", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_runs")),
    )
    with op.batch_alter_table("deployment_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deployment_runs_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deployment_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployment_runs_state"))
    op.drop_table("deployment_runs")
