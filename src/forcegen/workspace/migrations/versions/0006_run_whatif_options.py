"""The what-if options a sourcing run was started with.

``sourcing_runs.whatif`` keeps the nations withdrawn, the nations whose caveats were lifted and
the personnel ceilings set for the run (``forcegen.sourcing.SourcingOptions``), so the run's page
can say what question it answered. Existing runs get NULL: they had no what-ifs.

Revision ID: 0006_whatif
Revises: 0005
Create Date: 2026-12-01 03:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_whatif"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sourcing_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whatif", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sourcing_runs", schema=None) as batch_op:
        batch_op.drop_column("whatif")
