"""One edit of a labelled, versioned record, as every service makes it.

Requirements, pledges and relief requests and offers change the same way: fields that may not
be emptied are checked, label fields become checked stored columns, the changes are applied
with who and when, the ``UPDATE`` carries ``WHERE version = :old`` (a racing writer gets 409),
and the audit trail records the record before and after. Each service's own checks (its
references, its status rules) run before :func:`audited_update`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from forcegen.workspace.access import relabel
from forcegen.workspace.accounts import User
from forcegen.workspace.audit.service import record, snapshot
from forcegen.workspace.errors import Invalid
from forcegen.workspace.records import apply_changes

__all__ = ["audited_update", "require_values"]


def require_values(changes: dict[str, Any], keys: Iterable[str]) -> None:
    """422 naming the first of ``keys`` that ``changes`` would empty (sent as ``null``)."""
    for key in keys:
        if key in changes and changes[key] is None:
            raise Invalid(f"{key} cannot be empty", field=key)


def audited_update(
    db: Session,
    user: User,
    row: Any,
    changes: dict[str, Any],
    entity: str,
    *,
    owner: str | None = None,
) -> Any:
    """Apply ``changes`` (API form, labels included) to ``row`` and record it; ``row`` back.

    ``owner`` is the nation that owns the record (pledges, offers), which its label keeps.
    """
    relabel(user, row, changes, owner=owner)
    before = snapshot(row)
    apply_changes(row, changes, user.username)
    db.flush()  # the UPDATE carries "WHERE version = :old": a racing writer gets 409
    record(db, user.username, "update", entity, row.id, before, snapshot(row))
    return row
