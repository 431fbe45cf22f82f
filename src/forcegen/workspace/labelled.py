"""The labelled planning tables (requirements, pledges) taken together.

What a user cannot see among them, and the label of a product made of all of them. These need
both tables, so they live here, above ``pledges`` and ``requirements``, and not in ``access``
(the ground floor's rules, which every domain package uses).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forcegen.workspace import labels
from forcegen.workspace.access import LabelScope, hides_rows
from forcegen.workspace.accounts import User
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.requirements.models import Requirement

__all__ = ["hides_anything", "high_water"]


def hides_anything(db: Session, user: User, *, pledges_only: bool = False) -> bool:
    """Whether any pledge (or requirement, unless ``pledges_only``) is hidden from ``user``.

    Operations whose outcome would depend on hidden rows (removing a nation: pledges;
    replacing the workspace: both) are refused whenever this is true, the same way whatever
    the hidden rows are, so that their answer reveals nothing about any one item.
    """
    if not pledges_only and hides_rows(db, user, Requirement.__table__):
        return True
    return hides_rows(db, user, Pledge.__table__, "nation")


def high_water(db: Session, scope: LabelScope) -> tuple[int, str | None]:
    """The label of a product made of every requirement and pledge in scope."""
    found: list[tuple[int, str | None, str | None]] = []
    for table, owner in ((Requirement.__table__, None), (Pledge.__table__, "nation")):
        c = table.c
        where = scope.clause(table, c[owner] if owner else None)
        top = db.scalar(select(func.max(c.classification)).where(where))
        found.append((int(top or 0), None, None))
        cols = [c.releasable_to, c[owner] if owner else None]
        stmt = select(*(col for col in cols if col is not None)).where(
            where, c.releasable_to.is_not(None)
        ).distinct()
        found += [(0, row[0], row[1] if owner else None) for row in db.execute(stmt)]
    return labels.high_water(found)
