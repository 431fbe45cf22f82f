"""The plan of a pledge-table merge: what each row would add or change, checked.

Every row is checked as a pledge create or edit would be (``merge`` explains the rules); the
plan keeps what applying it needs (the stored pledges, the wanted values, the checked labels).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import Problem
from forcegen.scenario.models import Pledge as PledgeModel
from forcegen.workspace.access import (
    LIAISON,
    can_see_label,
    can_see_nation,
    check_chosen_id,
    checked_columns,
    hides_rows,
    id_taken,
    is_planner,
    require_may_loosen,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid, WorkspaceError
from forcegen.workspace.label_store import label_columns, row_label
from forcegen.workspace.labels import LEVELS, decode_releasable
from forcegen.workspace.pledges.checks import check_id_scope, check_place
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.schemas import TRANSITIONS
from forcegen.workspace.reference import Nation
from forcegen.workspace.requirements.service import check_capability
from forcegen.workspace.scenarios.pledge_table import PledgeRow
from forcegen.workspace.scenarios.records import X_CLASSIFICATION, X_RELEASABLE

__all__ = ["FIELDS", "FieldChange", "MergePlan", "MergePreview", "PledgeChange", "plan_merge"]

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
class MergePlan:
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
               old: dict[str, Any] | None, new: dict[str, Any], hidden: bool) -> dict[str, Any]:
    """Raise ``Invalid``/``Conflict``/``Forbidden`` for what an edit of this row may not do."""
    p = row.pledge
    if not can_see_nation(user, p.nation):
        raise Invalid(f"you may only merge your own nation's pledges ({user.nation}), "
                      f"not {p.nation}'s", field="nation")
    if old is None:  # new to the user: the create rules, in create's order
        check_id_scope(p.id, p.nation)
        # A chosen id, as on create: refused alike for free, visible and hidden holders while
        # anything of the nation's is hidden from the caller (docs/security.md).
        check_chosen_id(db, user, Pledge.__table__, "pledge", owner="nation", hidden=hidden)
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


def plan_merge(db: Session, user: User, rows: list[PledgeRow], where: str,
               replace: str | None) -> MergePlan:
    """Check every row of the table and sort it into added, changed or unchanged.

    Problems are collected (by line and field), not raised; with ``replace``, that nation's
    pledges the user may see and the table leaves out are listed as removed.
    """
    ids = [r.pledge.id for r in rows]
    stored = {p.id: p for p in db.scalars(select(Pledge).where(Pledge.id.in_(ids)))} if ids else {}
    plan = MergePlan(rows, stored)
    # One answer for every row with a new id (it depends on the user, not the row).
    hidden = hides_rows(db, user, Pledge.__table__, "nation")
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
            label = plan.labels[p.id] = _check_row(db, user, row, held, old, new, hidden)
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
