"""The statement of requirements: table for everyone, forms for planners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other
from forcegen.web.forms import form_values, requirement_payload, service_error, validate
from forcegen.web.marking import Labelled, label_values, level_choices, unchanged_removed
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.errors import Conflict, Forbidden, Invalid
from forcegen.workspace.listing import PageParams
from forcegen.workspace.requirements import service as requirements
from forcegen.workspace.requirements.models import Requirement
from forcegen.workspace.requirements.schemas import RequirementCreate, RequirementUpdate

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

PAGE_SIZE = 50
Filter = Annotated[str | None, Query(max_length=200)]


def _values(row: Requirement) -> dict[str, str]:
    return {
        "id": row.id,
        "capability": row.capability,
        "sector": row.sector,
        "quantity": str(row.quantity),
        "priority": str(row.priority),
        "notice_days": f"{row.notice_days:g}",
        "start": row.start.isoformat() if row.start else "",
        "months": str(row.months or ""),
        "name": row.name or "",
        "certified": ", ".join(row.certified or []),
        "version": str(row.version),
        **label_values(row),
    }


def _form(
    request: Request,
    db: Session,
    page: Page,
    values: dict[str, str],
    errors: dict[str, str],
    row: Requirement | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    shown: Sequence[Labelled] | None = None,
) -> HTMLResponse:
    # ``shown``: the stored line when the form shows it as stored (else the ceiling banner).
    caps = requirements.capabilities(db)
    ctx = {
        "values": values,
        "errors": errors,
        "row": row,
        "conflict": conflict,
        "readonly": not page.planner,
        "capability_choices": sorted(caps.values(), key=lambda c: (c.category, c.code)),
        "sector_choices": requirements.list_sectors(db),
        "level_choices": level_choices(page.user),
    }
    return render(request, "requirement_form.html", ctx, status, labels=shown)


@router.get("/requirements", response_class=HTMLResponse)
def requirement_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    sector: Filter = None,
    capability: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """Every requirement line (all roles read them), filtered, sorted, paged."""
    rows, total = requirements.list_page(
        db,
        page.user,
        PageParams(limit=PAGE_SIZE, offset=offset, sort=sort or None),
        sector=sector or None,
        capability=capability or None,
    )
    caps = requirements.capabilities(db)
    ctx = {
        "rows": rows,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "sort": sort or "",
        "filters": {"sector": sector or "", "capability": capability or ""},
        "sector_choices": requirements.list_sectors(db),
        "capability_names": {c: v.name for c, v in caps.items()},
    }
    shown = [(r.classification, r.releasable_to, None) for r in rows]
    return render(request, "requirements.html", ctx, labels=shown)


@router.get("/requirements/new", response_class=HTMLResponse)
def new_requirement_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty requirement form (planners)."""
    if not page.planner:
        raise Forbidden()
    return _form(request, db, page, {"priority": "1"}, {})


@router.post("/requirements/new", response_class=HTMLResponse)
async def create_requirement(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add a requirement line; errors shown at their fields."""
    values = form_values(await request.form())
    data, errors = validate(RequirementCreate, requirement_payload(values, new=True))
    if data is not None:
        try:
            row = requirements.create(db, page.user, data)
            return see_other(f"/requirements/{row.id}", f"Requirement {row.id} created.")
        except (Invalid, Conflict) as exc:
            errors = service_error(exc)
    return _form(request, db, page, values, errors, status=422)


@router.get("/requirements/{requirement_id}", response_class=HTMLResponse)
def requirement_detail(
    request: Request, db: SessionDep, page: PageDep, requirement_id: IdPath
) -> HTMLResponse:
    """One requirement line (editable by planners)."""
    row = requirements.get(db, page.user, requirement_id)
    shown = [(row.classification, row.releasable_to, None)]
    return _form(request, db, page, _values(row), {}, row, shown=shown)


@router.post("/requirements/{requirement_id}", response_class=HTMLResponse)
async def update_requirement(
    request: Request, db: SessionDep, page: PageDep, requirement_id: IdPath
) -> Response:
    """Save a requirement line; a stale version answers 409 with the stored record."""
    row = requirements.get(db, page.user, requirement_id)
    values = form_values(await request.form())
    payload = requirement_payload(values, new=False)
    unchanged_removed(payload, values, row)
    if values.get("certified") == _values(row)["certified"]:
        # Posted as shown: keep the stored list (a name holding a comma reads back split).
        payload.pop("certified", None)
    data, errors = validate(RequirementUpdate, payload)
    if data is not None:
        try:
            requirements.update(db, page.user, requirement_id, data)
            return see_other(f"/requirements/{requirement_id}", f"{requirement_id} saved.")
        except Conflict as exc:
            conflict: dict[str, Any] = {
                "current": exc.extra.get("current") or {},
                "diffs": [],
                "based_on": values.get("version", ""),
            }
            return _form(request, db, page, _values(row), {}, row, conflict, 409)
        except Invalid as exc:
            errors = service_error(exc)
    values["id"] = row.id
    return _form(request, db, page, values, errors, row, status=422)
