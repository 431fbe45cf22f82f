"""The labels of a scenario import: read from the file, checked, and put in the audit trail.

An import is no way round the label rules of an edit: nobody imports an item labelled above
their clearance or caveats, nor loosens the label of an item already held unless an edit by
them could (``access.require_may_loosen``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.access import (
    ADMIN,
    LabelScope,
    checked_columns,
    clearance_of,
    require_may_loosen,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Forbidden, Invalid
from forcegen.workspace.label_store import join, label_columns, label_json, row_label
from forcegen.workspace.labelled import high_water
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation
from forcegen.workspace.requirements.requirement import Requirement
from forcegen.workspace.scenarios.records import X_CLASSIFICATION, X_LABEL, X_RELEASABLE

__all__ = ["Where", "audit_labels", "check_loosening", "file_labels"]

#: ``Scenario.where``: where a record's field was read (file and row or line).
Where = Callable[[str, str, str], str]


def _named(section: str, ident: str, where: Where | None) -> Callable[[str], str]:
    """How a problem with one field of a record is introduced: file, row, record, field."""
    def name(key: str) -> str:
        place = f"{where(section, ident, key)} " if where is not None else ""
        return f"{place}{section}[{ident}], field {key}"
    return name


def file_labels(
    user: User, section: str, items: list[Any], owner_key: str | None,
    where: Where | None = None,
) -> list[dict[str, Any]]:
    """Each item's stored label columns from its extension keys, checked for ``user``.

    ``x-label`` (the full label's JSON form, a YAML mapping or JSON text in a CSV column or a
    workbook cell; the two legacy keys beside it are its view and not read) or
    ``x-classification`` and ``x-releasable-to``, as ``user`` may set them. ``where``
    (``Scenario.where``) names the file and row of a refused one.
    """
    out = []
    for item in items:
        extra = item.__pydantic_extra__ or {}
        owner = getattr(item, owner_key) if owner_key else None
        named = _named(section, item.id, where)
        if extra.get(X_LABEL) is not None:
            try:
                out.append(checked_columns(user, None, None, owner, extra[X_LABEL]))
            except Invalid as exc:
                raise Invalid(f"{named(X_LABEL)}: {exc.message}",
                              field=f"{section}[{item.id}].{X_LABEL}") from None
            continue
        level = extra.get(X_CLASSIFICATION, "UNCLASSIFIED")
        rel = extra.get(X_RELEASABLE)
        if isinstance(rel, str):
            rel = [c for c in rel.replace(";", ",").replace(" ", ",").split(",") if c]
        where_ = f"{section}[{item.id}]"
        if rel is not None and not (
            isinstance(rel, list) and all(isinstance(c, str) and len(c) == 3 for c in rel)
        ):
            raise Invalid(
                f"{named(X_RELEASABLE)}: must list nation codes (ISO 3166 alpha-3)",
                field=f"{where_}.{X_RELEASABLE}",
            )
        if not isinstance(level, str | int):
            level = str(level)
        try:
            out.append(checked_columns(user, level, rel, owner))
        except Invalid as exc:
            key = {"classification": X_CLASSIFICATION, "releasable_to": X_RELEASABLE}.get(
                exc.field or "", X_CLASSIFICATION)
            raise Invalid(f"{named(key)}: {exc.message}", field=f"{where_}.{exc.field}") from None
    return out


def check_loosening(
    db: Session,
    user: User,
    reqs: list[Any],
    req_labels: list[dict[str, Any]],
    pledges: list[Any],
    pledge_labels: list[dict[str, Any]],
) -> None:
    """403 if the file loosens the label of an existing item the user may not loosen.

    The same rule as an edit (``access.require_may_loosen``): an import is not a way round it.
    """
    if user.role == ADMIN:
        return
    r_cols = (Requirement.id, Requirement.label, Requirement.classification,
              Requirement.releasable_to)
    old_r = {r.id: row_label(r) for r in db.execute(select(*r_cols))}
    for item, label in zip(reqs, req_labels, strict=True):
        if item.id in old_r:
            try:
                require_may_loosen(user, old_r[item.id], row_label(label), None)
            except Forbidden as exc:
                raise Forbidden(f"requirements[{item.id}]: {exc.message}") from None
    p_cols = (Pledge.id, Pledge.label, Pledge.classification, Pledge.releasable_to,
              Pledge.nation)
    old_p = {p.id: (row_label(p, p.nation), p.nation) for p in db.execute(select(*p_cols))}
    for item, label in zip(pledges, pledge_labels, strict=True):
        if item.id in old_p:
            old, owner = old_p[item.id]
            try:
                require_may_loosen(user, old, row_label(label, owner), owner)
            except Forbidden as exc:
                raise Forbidden(f"pledges[{item.id}]: {exc.message}") from None


def audit_labels(db: Session, user: User, pledges: list[Any], req_labels: list[dict[str, Any]],
                 pledge_labels: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The import's audit snapshots' labels.

    The counts before, under the label of all the import replaces, and the label of all it
    imports (``label_store.join``).
    """
    before = {
        "requirements": db.query(Requirement).count(),
        "pledges": db.query(Pledge).count(),
        "nations": db.query(Nation).count(),
        **high_water(db, LabelScope(user, clearance_of(user))),
    }
    imported = {row_label(cols) for cols in req_labels} | {
        row_label(cols, p.nation) for cols, p in zip(pledge_labels, pledges, strict=True)
    }
    return before, label_columns(join(sorted(imported, key=label_json)))
