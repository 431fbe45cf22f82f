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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario.models import Pledge as PledgeModel
from forcegen.workspace.access import (
    LIAISON,
    can_see_label,
    can_see_nation,
    check_chosen_id,
    checked_columns,
    id_taken,
    is_planner,
    require_may_loosen,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, WorkspaceError
from forcegen.workspace.label_store import label_columns, row_label
from forcegen.workspace.labels import LEVELS, decode_releasable
from forcegen.workspace.pledges.checks import check_id_scope, check_place
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.schemas import TRANSITIONS
from forcegen.workspace.pledges.service import EDITORS
from forcegen.workspace.reference import Nation
from forcegen.workspace.requirements.service import check_capability
from forcegen.workspace.scenarios.pledge_table import PledgeRow, capped, read_pledge_table
from forcegen.workspace.scenarios.records import X_CLASSIFICATION, X_RELEASABLE

__all__ = ["FieldChange", "MergePreview", "PledgeChange", "apply_merge", "preview_merge"]

#: The compared fields, in the order the preview lists them.
FIELDS: tuple[str, ...] = (
    "capability", "quantity", "personnel", "notice_days", "status", "cost", "home", "caveats",
    "name", "classification", "releasable_to",
)
_LABELS = (X_CLASSIFICATION, X_RELEASABLE)


@dataclass(frozen=True)
class FieldChange:
    """One field of one pledge: its stored value and the file's."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PledgeChange:
    """A pledge the merge adds, changes or removes (``kind``)."""

    kind: str
    id: str
    nation: str
    line: int | None = None
    changes: list[FieldChange] = field(default_factory=list)
    #: The stored version the change is based on (``None`` for an added pledge).
    version: int | None = None


@dataclass(frozen=True)
class MergePreview:
    """What a merge would do (or, from :func:`apply_merge`, did)."""

    filename: str
    sha256: str
    replace: str | None
    added: list[PledgeChange]
    changed: list[PledgeChange]
    removed: list[PledgeChange]
    unchanged: int
    binding: str
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The preview as JSON (the API's answer)."""

        def item(c: PledgeChange) -> dict[str, Any]:
            return {"id": c.id, "nation": c.nation, "line": c.line, "version": c.version,
                    "changes": [{"field": f.field, "old": f.old, "new": f.new}
                                for f in c.changes]}

        return {
            "filename": self.filename, "sha256": self.sha256, "replace": self.replace,
            "added": [item(c) for c in self.added],
            "changed": [item(c) for c in self.changed],
            "removed": [item(c) for c in self.removed],
            "unchanged": self.unchanged, "preview": self.binding, "applied": self.applied,
        }


def _stored(row: Pledge) -> dict[str, Any]:
    """A stored pledge's compared fields, in the file's terms."""
    caveats = {k: v for k, v in (row.caveats or {}).items() if v is not None} or None
    return {
        "capability": row.capability, "quantity": row.quantity, "personnel": row.personnel,
        "notice_days": float(row.notice_days), "status": row.status, "cost": float(row.cost),
        "home": list(row.home) if isinstance(row.home, list | tuple) else row.home,
        "caveats": caveats, "name": row.name,
        "classification": LEVELS[row.classification],
        "releasable_to": decode_releasable(row.releasable_to),
        **{k: v for k, v in (row.extra or {}).items() if k not in _LABELS},
    }


@cache
def _label_column_names() -> tuple[str, ...]:
    """The stored label columns (``label_store.label_columns``), copied whole when kept."""
    return tuple(label_columns(row_label({})))


def _wanted(p: PledgeModel, old: dict[str, Any] | None) -> dict[str, Any]:
    """The file's values; a label left out of the file keeps the stored one."""
    d = p.model_dump(mode="json", exclude_none=True)
    extra = json.loads(json.dumps(p.__pydantic_extra__ or {}, default=str))
    caveats = {k: v for k, v in (d.get("caveats") or {}).items() if v is not None} or None
    level = extra.pop(X_CLASSIFICATION, None)
    rel = extra.pop(X_RELEASABLE, None)
    if isinstance(rel, str):
        rel = [c for c in rel.replace(";", ",").replace(" ", ",").split(",") if c]
    return {
        "capability": p.capability, "quantity": p.quantity, "personnel": p.personnel,
        "notice_days": float(p.notice_days), "status": p.status, "cost": float(p.cost),
        "home": d.get("home"), "caveats": caveats, "name": p.name,
        "classification": level if level is not None else (
            old["classification"] if old else "UNCLASSIFIED"),
        "releasable_to": rel if rel is not None else (old["releasable_to"] if old else None),
        **extra,
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    extras = sorted(k for k in {*old, *new} if k.startswith("x-"))
    return [FieldChange(k, old.get(k), new.get(k))
            for k in (*FIELDS, *extras) if old.get(k) != new.get(k)]


@dataclass
class _Plan:
    """The preview's parts and what applying it needs."""

    rows: list[PledgeRow]
    stored: dict[str, Pledge]
    added: list[PledgeChange] = field(default_factory=list)
    changed: list[PledgeChange] = field(default_factory=list)
    removed: list[PledgeChange] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    wanted: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)


def _check_row(db: Session, user: User, row: PledgeRow, held: Pledge | None,
               old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Raise ``Invalid``/``Conflict``/``Forbidden`` for what an edit of this row may not do."""
    p = row.pledge
    if not can_see_nation(user, p.nation):
        raise Invalid(f"you may only merge your own nation's pledges ({user.nation}), "
                      f"not {p.nation}'s", field="nation")
    if old is None:  # new to the user: the create rules, in create's order
        check_id_scope(p.id, p.nation)
        # A chosen id, as on create: refused alike for free, visible and hidden holders while
        # anything of the nation's is hidden from the caller (docs/security.md).
        check_chosen_id(db, user, Pledge.__table__, "pledge", owner="nation")
        if held is not None:
            raise id_taken("pledge", p.id)
        if db.get(Nation, p.nation) is None:
            raise Invalid(f"unknown nation {p.nation!r}", field="nation")
        if user.role == LIAISON and p.status != "offered":
            raise Invalid("a new pledge starts offered; move it through approval afterwards",
                          field="status")
    else:
        assert held is not None
        if held.nation != p.nation:
            raise Invalid(f"a pledge's nation cannot change (it is {held.nation}'s)",
                          field="nation")
        if (not is_planner(user) and new["status"] != old["status"]
                and new["status"] not in TRANSITIONS[old["status"]]):
            allowed = ", ".join(sorted(TRANSITIONS[old["status"]]))
            raise Invalid(f"a pledge that is {old['status']} can move to: {allowed} "
                          f"(not {new['status']})", field="status")
    check_capability(db, p.capability)
    check_place(db, new["home"], (new["caveats"] or {}).get("sectors"))
    if old is not None and held is not None and (
            (new["classification"], new["releasable_to"])
            == (old["classification"], old["releasable_to"])):
        # The label left as it is: kept whole (caveats and communities the legacy view of
        # the table cannot carry included).
        return {k: getattr(held, k) for k in _label_column_names()}
    cols = checked_columns(user, new["classification"], new["releasable_to"], p.nation)
    if held is not None:
        require_may_loosen(user, row_label(held, held.nation), row_label(cols, p.nation),
                           p.nation)
    return cols


def _plan(db: Session, user: User, rows: list[PledgeRow], where: str,
          replace: str | None) -> _Plan:
    ids = [r.pledge.id for r in rows]
    stored = {p.id: p for p in db.scalars(select(Pledge).where(Pledge.id.in_(ids)))} if ids else {}
    plan = _Plan(rows, stored)
    for row in rows:
        p = row.pledge
        held = stored.get(p.id)
        visible = held is not None and can_see_nation(user, held.nation) and can_see_label(
            user, held, held.nation)
        old = _stored(held) if visible and held is not None else None
        new = _wanted(p, old)
        try:
            if replace is not None and p.nation != replace:
                raise Invalid(f"the table replaces {replace}'s pledges; this row is "
                              f"{p.nation}'s", field="nation")
            label = plan.labels[p.id] = _check_row(db, user, row, held, old, new)
        except WorkspaceError as exc:
            plan.problems.append(Problem(where, exc.message, row.line, exc.field))
            continue
        # The label in its canonical form (level name, sorted codes), as it would be stored.
        new["classification"] = LEVELS[label["classification"]]
        new["releasable_to"] = decode_releasable(label["releasable_to"])
        plan.wanted[p.id] = new
        if old is None:
            plan.added.append(PledgeChange("added", p.id, p.nation, row.line,
                                           [FieldChange(k, None, new[k]) for k in FIELDS]))
        elif changes := _diff(old, new):
            assert held is not None
            plan.changed.append(PledgeChange("changed", p.id, p.nation, row.line, changes,
                                             held.version))
        else:
            plan.unchanged += 1
    if replace is not None:
        listed = set(ids)
        for held in db.scalars(select(Pledge).where(Pledge.nation == replace)
                               .order_by(Pledge.id)):
            if held.id not in listed and can_see_label(user, held, held.nation):
                plan.removed.append(PledgeChange("removed", held.id, held.nation, None,
                                                 [], held.version))
    return plan


def _binding(sha: str, user: User, replace: str | None, plan: _Plan) -> str:
    touched = sorted(
        [(r.pledge.id, plan.stored[r.pledge.id].version if r.pledge.id in plan.stored else 0)
         for r in plan.rows] + [(c.id, c.version or 0) for c in plan.removed]
    )
    doc = {"file": sha, "user": user.id, "replace": replace, "pledges": touched}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _prepare(db: Session, user: User, filename: str, content: bytes,
             replace: str | None) -> tuple[MergePreview, _Plan]:
    require_role(user, *EDITORS)
    if replace is not None:
        replace = replace.strip().upper()
        if not can_see_nation(user, replace):
            raise Forbidden("you may only replace your own nation's pledges")
    where, rows = read_pledge_table(filename, content)
    plan = _plan(db, user, rows, where, replace)
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
