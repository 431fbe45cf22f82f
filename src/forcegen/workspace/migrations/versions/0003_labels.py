"""Classification and releasability labels; user clearances.

``classification`` (rank 0-4, see ``forcegen.workspace.labels``) and ``releasable_to``
(``",FRA,GBR,"``, NULL = the whole coalition) on requirements, pledges and sourcing runs;
``clearance`` on users. Existing rows become UNCLASSIFIED and releasable to the coalition, and
existing users UNCLASSIFIED-cleared, so an upgraded workspace shows exactly what it showed
before until labels and clearances are set. Pledges get an index on each label column: the
pledge list probes them to skip the label filter when no row could be hidden.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LABELLED = ("requirements", "pledges", "sourcing_runs")


def upgrade() -> None:
    for table in _LABELLED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("classification", sa.Integer(), nullable=False, server_default="0")
            )
            batch_op.add_column(sa.Column("releasable_to", sa.String(length=1500), nullable=True))
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index("ix_pledges_classification", ["classification"], unique=False)
        batch_op.create_index(
            "ix_pledges_releasable_to_id", ["releasable_to", "id"], unique=False
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clearance", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("clearance")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_releasable_to_id")
        batch_op.drop_index("ix_pledges_classification")
    for table in reversed(_LABELLED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("releasable_to")
            batch_op.drop_column("classification")
