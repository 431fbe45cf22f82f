"""Requirement certifications; a version (optimistic lock) on nations.

``requirements.certified`` keeps the certifications a line asks for (the core's
``Requirement.certified``, issue 16): imports used to drop them, so exports and runs lost them
(issue 10). Existing lines get NULL, which is what they held in effect.

``nations.version`` makes a nation's change (name, groups, personnel ceiling) check the version
it was based on, like requirements and pledges. Existing nations start at version 1.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certified", sa.JSON(), nullable=True))
    with op.batch_alter_table("nations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("nations", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.drop_column("certified")
