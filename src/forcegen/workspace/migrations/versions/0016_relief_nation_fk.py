"""A relief offer's nation is a foreign key to ``nations`` (issue 17).

Offers were checked against the nations table when made, but nothing held them to it after.
Before the key is added, a nation an existing offer names but the table lacks is added with
its code as its name (backfill: no offer is lost or changed; an administrator can then name
it or fix the offer). A scenario import keeps the nations relief offers name, as it keeps
users' nations. Downgrade drops the key and leaves the rows.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_FK = "fk_relief_offers_nation_nations"


def upgrade() -> None:
    missing = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT DISTINCT nation FROM relief_offers "
                "WHERE nation NOT IN (SELECT code FROM nations) ORDER BY nation"
            )
        )
        .scalars()
        .all()
    )
    if missing:
        # Through a typed table: the JSON columns need their type on PostgreSQL.
        nations = sa.table(
            "nations",
            sa.column("code", sa.String()),
            sa.column("name", sa.String()),
            sa.column("groups", sa.JSON()),
            sa.column("extra", sa.JSON()),
            sa.column("version", sa.Integer()),
        )
        op.bulk_insert(
            nations,
            [{"code": c, "name": c, "groups": [], "extra": {}, "version": 1} for c in missing],
        )
    with op.batch_alter_table("relief_offers", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f(_FK), "nations", ["nation"], ["code"], ondelete="RESTRICT"
        )


def downgrade() -> None:
    with op.batch_alter_table("relief_offers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_FK), type_="foreignkey")
