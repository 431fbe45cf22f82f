"""The labelled planning tables (requirements, pledges) taken together.

What a user cannot see among them, and the label of a product made of all of them. These need
both tables, so they live here, above ``pledges`` and ``requirements``, and not in ``access``
(the ground floor's rules, which every domain package uses).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.labels.label import Label
from forcegen.workspace.access import LabelScope, hides_rows
from forcegen.workspace.accounts import User
from forcegen.workspace.label_store import join, label_columns, label_json, row_label
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.readers import Reader
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


def high_water(db: Session, scope: LabelScope) -> dict[str, Any]:
    """The stored label columns of a product made of every requirement and pledge in scope.

    The labels engine's join (``label_store.join``) of every distinct label in scope, each
    decided again by the engine (the SQL scope is a pre-filter).
    """
    reader = Reader(scope.user)
    found: set[Label] = set()
    for table, owner in ((Requirement.__table__, None), (Pledge.__table__, "nation")):
        c = table.c
        where = scope.clause(table, c[owner] if owner else None)
        cols = [c.label, c.classification, c.releasable_to] + ([c[owner]] if owner else [])
        for row in db.execute(select(*cols).where(where).distinct()).mappings():
            own = row[owner] if owner else None
            if scope.admits(reader, row, own):
                found.add(row_label(row, own))
    return label_columns(join(sorted(found, key=label_json)))
