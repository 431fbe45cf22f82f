"""A version (optimistic lock) on user accounts.

``users.version`` makes an admin's change of an account (role, nation, clearance, password,
enabled) check the version it was based on, like nations, requirements and pledges: a change
decided on an older view of the account is refused with 409 instead of silently undoing
another admin's. Existing accounts start at version 1.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("version")
