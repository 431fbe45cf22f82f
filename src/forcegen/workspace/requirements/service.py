"""Requirements, sectors and the capability catalog: queries and changes.

Reading requirements is open to every role; changing them is for planners (checked here, so the
web UI gets the same rules as the API).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.exceptions import one_of
from forcegen.scenario import builtin_catalog
from forcegen.workspace.access import (
    PLANNERS,
    can_see_label,
    check_chosen_id,
    checked_columns,
    id_taken,
    label_given,
    label_visible,
    new_id,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.edits import audited_update, require_values
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.listing import (
    SEARCH_MAX,
    PageParams,
    fetch_page,
    order_by,
    text_search,
)
from forcegen.workspace.readers import Reader
from forcegen.workspace.records import check_version
from forcegen.workspace.requirements.capability import CatalogEntry
from forcegen.workspace.requirements.requirement import Requirement
from forcegen.workspace.requirements.schemas import (
    CapabilityRead,
    RequirementCreate,
    RequirementRead,
    RequirementUpdate,
)
from forcegen.workspace.requirements.sector import Sector

__all__ = [
    "SORTABLE",
    "capabilities",
    "capabilities_named",
    "check_capability",
    "check_sectors",
    "create",
    "delete",
    "get",
    "list_page",
    "list_sectors",
    "update",
]

SORTABLE: dict[str, Any] = {
    "id": Requirement.id,
    "capability": Requirement.capability,
    "quantity": Requirement.quantity,
    "sector": Requirement.sector,
    "priority": Requirement.priority,
    "notice_days": Requirement.notice_days,
    "start": Requirement.start,
}


def capabilities(db: Session) -> dict[str, CapabilityRead]:
    """Every known capability type: built-in catalog overlaid with the workspace's own."""
    out = {
        code: CapabilityRead.model_validate(c.model_dump(include=set(CapabilityRead.model_fields)))
        for code, c in builtin_catalog().items()
    }
    for row in db.scalars(select(CatalogEntry)):
        out[row.code] = CapabilityRead(
            code=row.code,
            name=row.name,
            category=row.category,
            role=row.role,
            symbol=row.symbol,
            personnel=row.personnel,
        )
    return out


def list_sectors(db: Session) -> list[Sector]:
    """All sectors, by id."""
    return list(db.scalars(select(Sector).order_by(Sector.id)))


def check_capability(db: Session, code: str) -> None:
    """422 naming ``capability`` unless ``code`` is a known capability type."""
    if code not in builtin_catalog() and db.get(CatalogEntry, code) is None:
        known = [*builtin_catalog(), *db.scalars(select(CatalogEntry.code))]
        raise Invalid(
            f"unknown capability type {code!r}; expected {one_of(known)}", field="capability"
        )


def check_sectors(db: Session, sectors: list[str], field: str) -> None:
    """422 naming ``field`` unless every one of ``sectors`` is a sector id (listing them)."""
    if not sectors:
        return
    known = set(db.scalars(select(Sector.id)))
    for s in sectors:
        if s not in known:
            raise Invalid(f"unknown sector {s!r}; expected {one_of(list(known))}", field=field)


def _check_refs(db: Session, capability: str | None, sector: str | None) -> None:
    if capability is not None:
        check_capability(db, capability)
    if sector is not None:
        check_sectors(db, [sector], "sector")


def capabilities_named(db: Session, text: str) -> list[str]:
    """Codes of the capability types whose name holds ``text`` (case-insensitive)."""
    term = text.strip()[:SEARCH_MAX].casefold()
    if not term:
        return []
    return sorted(code for code, c in capabilities(db).items() if term in c.name.casefold())


def _search(db: Session, text: str | None) -> ColumnElement[bool] | None:
    own = text_search(text, Requirement.id, Requirement.name, Requirement.capability,
                      Requirement.sector)
    by_sector = text_search(text, Sector.name)
    if own is None or by_sector is None:
        return None
    return or_(
        own,
        Requirement.capability.in_(capabilities_named(db, text or "")),
        Requirement.sector.in_(select(Sector.id).where(by_sector)),
    )


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    capability: str | None = None,
    sector: str | None = None,
    priority: int | None = None,
    search: str | None = None,
) -> tuple[list[Requirement], int]:
    """One page of the requirements ``user``'s clearance and nation allow, filtered.

    ``search``: text found (case-insensitive) in the id, name, sector (id or name) or
    capability (code or name).
    """
    stmt: Select[Any] = select(Requirement).where(label_visible(user, Requirement.__table__))
    found = _search(db, search)
    if found is not None:
        stmt = stmt.where(found)
    if capability:
        stmt = stmt.where(Requirement.capability == capability)
    if sector:
        stmt = stmt.where(Requirement.sector == sector)
    if priority is not None:
        stmt = stmt.where(Requirement.priority == priority)
    clauses = [*order_by(params.sort, SORTABLE, ["priority", "id"]), Requirement.id.asc()]
    rows, total = fetch_page(db, stmt, params, clauses)
    reader = Reader(user)  # the SQL is a pre-filter: the engine decides each row served
    return [r for r in rows if reader.sees_row(r)], total


def get(db: Session, user: User, requirement_id: str) -> Requirement:
    """One requirement ``user`` may see, or 404 (also when its label hides it)."""
    row = db.get(Requirement, requirement_id)
    if row is None or not can_see_label(user, row):
        raise NotFound("requirement")
    return row


def create(db: Session, user: User, data: RequirementCreate) -> Requirement:
    """Add a requirement line (planners only).

    Without an id the workspace assigns one; a chosen id follows ``access.check_chosen_id``.
    """
    require_role(user, *PLANNERS)
    if data.id is not None:
        check_chosen_id(db, user, Requirement.__table__, "requirement")
        if db.get(Requirement, data.id) is not None:
            raise id_taken("requirement", data.id)  # a holder the caller sees
    _check_refs(db, data.capability, data.sector)
    cols = checked_columns(
        user, data.classification, data.releasable_to, None, label_given(data)
    )
    values = data.model_dump(exclude={"id", "classification", "releasable_to", "label"})
    ident = data.id if data.id is not None else new_id(db, Requirement, "R-")
    row = Requirement(**values, id=ident, extra={}, **cols)
    db.add(row)
    db.flush()
    audit.record(db, user.username, "create", "requirement", row.id, None, audit.snapshot(row))
    return row


def update(db: Session, user: User, requirement_id: str, data: RequirementUpdate) -> Requirement:
    """Change a requirement if ``data.version`` is still current (else 409 with the record)."""
    require_role(user, *PLANNERS)
    row = get(db, user, requirement_id)
    check_version(row, data.version, RequirementRead)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    require_values(changes, ("capability", "quantity", "sector", "priority", "notice_days"))
    _check_refs(db, changes.get("capability"), changes.get("sector"))
    return audited_update(db, user, row, changes, "requirement")


def delete(db: Session, user: User, requirement_id: str, version: int) -> None:
    """Remove a requirement line if ``version`` is still current."""
    require_role(user, *PLANNERS)
    row = get(db, user, requirement_id)
    check_version(row, version, RequirementRead)
    before = audit.snapshot(row)
    db.delete(row)
    db.flush()
    audit.record(db, user.username, "delete", "requirement", requirement_id, before, None)
