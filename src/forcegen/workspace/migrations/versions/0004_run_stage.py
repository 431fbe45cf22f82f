"""The stage a sourcing run is at (``forcegen.sourcing.progress.Stage`` name).

Progress was a fraction guessed from the solver's messages; the solver now reports structured
stage events, and the run keeps the stage's name beside its fraction. Existing runs get NULL
(shown as their message, as before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sourcing_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sourcing_runs", schema=None) as batch_op:
        batch_op.drop_column("stage")
