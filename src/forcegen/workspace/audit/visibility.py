"""Which audit entries a reader may see, as one SQL condition.

An entry the reader may not see is left out of the listing *and of its count*: a redacted
entry, or a total that counts it, would confirm that a hidden item (or an account) exists,
e.g. through ``GET /audit?entity_id=<guessed id>`` answering ``total=1`` (issue 8). So the
condition is applied in SQL, before paging and counting:

* entries about accounts (``user``: sign-ins, creation, changes, password changes; and
  ``api_token``) are for admins, and for the account itself;
* entries about labelled items (pledges, requirements, runs, relief records, intel, the reads
  of any of them (``audit.reads``), and scenario imports, whose counts include every item
  replaced and imported) need both snapshots, "before" and "after", to be released by the
  labels engine (``readers.Reader``): relabelling an item up or down is itself hidden from
  whoever may not see the higher label. The label is read from the snapshots' JSON (the stored
  label columns; before migration 0007 ``classification``, ``releasable_to`` and, for pledges,
  the owning ``nation``, read as their legacy label); a snapshot without a label (none, or from
  before labels existed) hides nothing.

:func:`readable_by` is the same rule for one loaded entry (the engine's decision), checked
again on every row returned; the SQL form is ``label_sql``'s compiled condition.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, true

from forcegen.workspace.access import ADMIN
from forcegen.workspace.accounts import User
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.label_sql import snapshot_exprs, visible_sql
from forcegen.workspace.readers import Reader, clearances_of

__all__ = ["ACCOUNT_ENTITIES", "LABELLED", "readable_by", "visible_to"]

#: Entities whose snapshots carry a label, and the snapshot key of the owning nation (if any).
#: A scenario import's snapshots count the data replaced and imported, and carry its label.
#: Intel entries (``intel.trail``) carry the label of the objects they list, read entries
#: (``audit.reads``) that of the records they list.
LABELLED: dict[str, str | None] = {
    "pledge": "nation", "requirement": None, "sourcing_run": None, "scenario": None,
    "intel": None, "deployment_run": None, "relief_run": None,
    "relief_event": None, "relief_request": None, "relief_offer": "nation",
}
#: Entities about accounts.
ACCOUNT_ENTITIES = ("user", "api_token")


def _snapshot_visible(user: User, column: Any, owner_key: str | None) -> ColumnElement[bool]:
    return visible_sql(clearances_of(user), snapshot_exprs(column, owner_key))


def visible_to(user: User) -> ColumnElement[bool]:
    """The entries ``user`` may see, as a condition on ``audit_log``."""
    if user.role == ADMIN:
        accounts: ColumnElement[bool] = true()
    else:
        accounts = or_(
            AuditEntry.entity.not_in(ACCOUNT_ENTITIES),
            and_(AuditEntry.entity == "user", AuditEntry.entity_id == literal(str(user.id))),
            # Token entries name the token, not the account: its owner is the one who acted.
            and_(AuditEntry.entity == "api_token", AuditEntry.actor == literal(user.username)),
        )
    labelled = [
        and_(
            AuditEntry.entity == entity,
            _snapshot_visible(user, AuditEntry.before, owner_key),
            _snapshot_visible(user, AuditEntry.after, owner_key),
        )
        for entity, owner_key in LABELLED.items()
    ]
    labels = or_(AuditEntry.entity.not_in(tuple(LABELLED)), *labelled)
    # Sequence numbers start at 1: a row below that was not written by the workspace.
    return and_(AuditEntry.seq >= 1, accounts, labels)


def readable_by(user: User, entry: AuditEntry) -> bool:
    """:func:`visible_to` for one loaded entry."""
    if entry.seq < 1:
        return False
    if entry.entity in ACCOUNT_ENTITIES and user.role != ADMIN:
        mine = (entry.entity == "user" and entry.entity_id == str(user.id)) or (
            entry.entity == "api_token" and entry.actor == user.username
        )
        if not mine:
            return False
    if entry.entity not in LABELLED:
        return True
    owner_key = LABELLED[entry.entity]
    reader = Reader(user)
    for snap in (entry.before, entry.after):
        if not isinstance(snap, dict):
            continue
        owner = snap.get(owner_key) if owner_key else None
        if not reader.sees_row(snap, owner):
            return False
    return True
