"""Merge an uploaded pledge table into the workspace by pledge id: preview, then apply.

:func:`preview_merge` reads the table (``pledge_table``), checks every row as a pledge edit
would be checked, and says what would change: pledges added, pledges changed (field by field,
old -> new) and, only when the caller asks to replace one nation's pledges, that nation's
visible pledges missing from the table (removed). Nothing is saved.

:func:`apply_merge` recomputes the preview and applies it in the caller's transaction only if
it is the one the user saw: the preview carries a ``binding``, a SHA-256 over the upload, the
replace choice, the user, and the id and version of every pledge it touches. Any change in
between (someone edited, added or removed one of those pledges; another file) gives another
binding and the merge is refused with 409. The ORM's version check guards the remaining race.

Access is that of pledge edits: planners merge any nation's pledges; a liaison only their own
nation's (a row for another nation is a problem on that row); observers may not. A row whose id
belongs to a pledge the user may not see gets exactly the answer any taken id gets
(``access.id_taken``), after the same id-namespace check a new pledge gets.

The checks of each row and the preview's parts are in ``merge_plan``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from forcegen.exceptions import ScenarioError
from forcegen.workspace.access import can_see_nation, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.service import EDITORS
from forcegen.workspace.scenarios.merge_plan import (
    FieldChange,
    MergePlan,
    MergePreview,
    PledgeChange,
    plan_merge,
)
from forcegen.workspace.scenarios.pledge_table import capped, read_pledge_table

__all__ = ["FieldChange", "MergePreview", "PledgeChange", "apply_merge", "preview_merge"]


def _binding(sha: str, user: User, replace: str | None, plan: MergePlan) -> str:
    touched = sorted(
        [(r.pledge.id, plan.stored[r.pledge.id].version if r.pledge.id in plan.stored else 0)
         for r in plan.rows] + [(c.id, c.version or 0) for c in plan.removed]
    )
    doc = {"file": sha, "user": user.id, "replace": replace, "pledges": touched}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _prepare(db: Session, user: User, filename: str, content: bytes,
             replace: str | None) -> tuple[MergePreview, MergePlan]:
    require_role(user, *EDITORS)
    if replace is not None:
        replace = replace.strip().upper()
        if not can_see_nation(user, replace):
            raise Forbidden("you may only replace your own nation's pledges")
    where, rows = read_pledge_table(filename, content)
    plan = plan_merge(db, user, rows, where, replace)
    if plan.problems:
        raise ScenarioError(capped(plan.problems, where))
    sha = hashlib.sha256(content).hexdigest()
    preview = MergePreview(
        where.split("[")[0], sha, replace, plan.added, plan.changed, plan.removed,
        plan.unchanged, _binding(sha, user, replace, plan),
    )
    return preview, plan


def preview_merge(db: Session, user: User, filename: str, content: bytes,
                  replace: str | None = None) -> MergePreview:
    """What merging the uploaded pledge table would change; saves nothing.

    Parameters
    ----------
    db, user
        The session and the user merging (planners, or a liaison for their own nation).
    filename, content
        The upload: ``pledges.csv`` or a workbook with a ``pledges`` sheet.
    replace
        A nation code: also remove that nation's pledges (those the user may see) that the
        table does not list; every row must then be that nation's. ``None``: add and change
        only.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        Every problem of the table, by line and field (422).
    forcegen.workspace.errors.Forbidden
        For an observer, or a liaison replacing another nation's pledges (403).
    """
    return _prepare(db, user, filename, content, replace)[0]


def apply_merge(db: Session, user: User, filename: str, content: bytes,
                replace: str | None, preview: str) -> MergePreview:
    """Apply the merge previewed as ``preview`` (its binding), in the caller's transaction.

    Raises
    ------
    forcegen.workspace.errors.Conflict
        If the preview is stale: what it would do now differs from what was previewed (409).
    """
    result, plan = _prepare(db, user, filename, content, replace)
    if result.binding != preview:
        raise Conflict("the pledges or the file changed since the preview; preview the "
                       "merge again", field="preview")
    now = utcnow()
    for change in result.added:
        new, label = plan.wanted[change.id], plan.labels[change.id]
        row = Pledge(id=change.id, nation=change.nation, **_columns(new), **label,
                     created_by=user.username, updated_by=user.username)
        db.add(row)
        db.flush()
        audit.record(db, user.username, "create", "pledge", row.id, None, audit.snapshot(row))
    for change in result.changed:
        held = plan.stored[change.id]
        before = audit.snapshot(held)
        values = _columns(plan.wanted[change.id])
        if values["status"] != held.status:
            held.status_changed_at, held.status_changed_by = now, user.username
        for key, value in values.items():
            setattr(held, key, value)
        for key, value in plan.labels[change.id].items():
            setattr(held, key, value)
        held.updated_at, held.updated_by = now, user.username
        db.flush()  # "WHERE version = :old": a racing writer makes this fail (409)
        audit.record(db, user.username, "update", "pledge", held.id, before,
                     audit.snapshot(held))
    for change in result.removed:
        gone = db.get(Pledge, change.id)
        if gone is None or gone.version != change.version:
            raise Conflict("the pledges changed since the preview; preview the merge again",
                           field="preview")
        before = audit.snapshot(gone)
        db.delete(gone)
        db.flush()
        audit.record(db, user.username, "delete", "pledge", change.id, before, None)
    return MergePreview(result.filename, result.sha256, result.replace, result.added,
                        result.changed, result.removed, result.unchanged, result.binding, True)


def _columns(new: dict[str, Any]) -> dict[str, Any]:
    """The stored columns of a pledge from its wanted values (labels are set separately)."""
    return {
        "capability": new["capability"], "quantity": new["quantity"],
        "personnel": new["personnel"], "notice_days": new["notice_days"],
        "status": new["status"], "cost": new["cost"], "home": new["home"],
        "caveats": new["caveats"], "name": new["name"],
        "extra": {k: v for k, v in new.items() if k.startswith("x-")},
    }
