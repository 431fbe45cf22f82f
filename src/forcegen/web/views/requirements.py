"""The statement of requirements: table for everyone, forms for planners."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.web.core import HTMLRoute, Page, PageDep, render
from forcegen.web.data import sector_names
from forcegen.web.forms import diffs, requirement_payload
from forcegen.web.label_picker import picker_context
from forcegen.web.marking import Labelled, item_marking, labelled
from forcegen.web.tables import TableQuery, clean, every_row
from forcegen.web.views.downloads import csv_download
from forcegen.web.views.record_forms import RecordForms, create_record, update_record
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.errors import Forbidden
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
    posted: FormData | None = None,
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
        "picker": picker_context(db, page.user, labelled(row) if row else None, posted),
    }
    return render(request, "requirement_form.html", ctx, status, labels=shown)


#: The form's fields a conflict compares (what was typed against what is stored now).
_FIELDS = ("capability", "sector", "quantity", "priority", "notice_days", "start", "months",
           "name", "certified")


def _read_values(current: dict[str, Any]) -> dict[str, str]:
    """A stored line in the API's read form, written as :func:`_values` writes a row."""

    def text(key: str) -> str:
        v = current.get(key)
        return "" if v is None else str(v)

    notice = current.get("notice_days")
    return {**{k: text(k) for k in _FIELDS},
            "notice_days": "" if notice is None else f"{float(notice):g}",
            "certified": ", ".join(current.get("certified") or [])}


def _payload(values: dict[str, str], form: FormData, row: Requirement | None) -> dict[str, Any]:
    """The API payload of a requirement form (``row``: the stored line of an edit)."""
    payload = requirement_payload(values, new=row is None)
    if row is not None and values.get("certified") == _values(row)["certified"]:
        # Posted as shown: keep the stored list (a name holding a comma reads back split).
        payload.pop("certified", None)
    return payload


FORMS: RecordForms[Requirement] = RecordForms(
    url="/requirements/{id}",
    created="Requirement {id} created.",
    saved="{id} saved.",
    service=requirements,
    schemas=(RequirementCreate, RequirementUpdate),
    form=_form,
    payload=_payload,
    stored=_values,
    changed=lambda values, current, payload: diffs(values, _read_values(current), _FIELDS),
    may_edit=lambda page: page.planner,
    check_role_on_edit=False,
)


def _table(
    db: Session,
    q: str | None,
    sector: str | None,
    capability: str | None,
    priority: str | None,
    sort: str | None,
    offset: int,
) -> TableQuery:
    caps = requirements.capabilities(db)
    sectors = {s.id: s.name or s.id for s in requirements.list_sectors(db)}
    filters = {
        "q": clean(q),
        "sector": clean(sector, sectors),
        "capability": clean(capability),
        "priority": clean(priority) if clean(priority).isdigit() else "",
    }
    labels = {"q": "Text", "sector": "Sector", "capability": "Capability", "priority": "Priority"}
    shown: dict[str, Callable[[str], str]] = {
        "sector": lambda s: sectors.get(s, s),
        "capability": lambda c: f"{c} ({caps[c].name})" if c in caps else c,
    }
    return TableQuery("/requirements", filters, labels, clean(sort), offset, PAGE_SIZE, shown)


def _list(
    db: Session, page: Page, table: TableQuery, params: PageParams | None = None
) -> tuple[list[Requirement], int]:
    f = table.filters
    return requirements.list_page(
        db,
        page.user,
        params or table.params(),
        sector=f["sector"] or None,
        capability=f["capability"] or None,
        priority=int(f["priority"]) if f["priority"] and len(f["priority"]) < 5 else None,
        search=table.q or None,
    )


@router.get("/requirements", response_class=HTMLResponse)
def requirement_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    sector: Filter = None,
    capability: Filter = None,
    priority: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """Every requirement line (all roles read them): text search, filters, sorting, paging."""
    table = _table(db, q, sector, capability, priority, sort, offset)
    rows, total = _list(db, page, table)
    record_reads(db, page.user.username, "web list", "requirement", rows)
    caps = requirements.capabilities(db)
    ctx = {
        "rows": rows,
        "total": total,
        "table": table,
        "sector_choices": requirements.list_sectors(db),
        "capability_choices": sorted(caps.values(), key=lambda c: (c.category, c.code)),
        "capability_names": {c: v.name for c, v in caps.items()},
        "sector_names": sector_names(db),
    }
    shown = [labelled(r) for r in rows]
    return render(request, "requirements.html", ctx, labels=shown)


@router.get("/requirements.csv")
def requirement_table_csv(
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    sector: Filter = None,
    capability: Filter = None,
    priority: Filter = None,
    sort: Filter = None,
) -> Response:
    """Every line the table shows with these filters (all pages), as CSV.

    Each row carries its marking; the rows are what the user may see, nothing more.
    """
    table = _table(db, q, sector, capability, priority, sort, 0)
    rows = every_row(lambda params: _list(db, page, table, params))
    record_reads(db, page.user.username, "web export csv", "requirement", rows)
    caps = requirements.capabilities(db)
    sectors = {s.id: s.name or "" for s in requirements.list_sectors(db)}
    header = [
        "Line",
        "Name",
        "Capability",
        "Capability name",
        "Sector",
        "Sector name",
        "Units",
        "Priority",
        "Notice to move (days)",
        "Start",
        "Months",
        "Marking",
        "Version",
    ]
    body = [
        [
            r.id,
            r.name or "",
            r.capability,
            caps[r.capability].name if r.capability in caps else "",
            r.sector,
            sectors.get(r.sector, ""),
            r.quantity,
            r.priority,
            f"{r.notice_days:g}",
            r.start.isoformat() if r.start else "",
            r.months or "",
            item_marking(r),
            r.version,
        ]
        for r in rows
    ]
    return csv_download("requirements.csv", header, body)


@router.get("/requirements/new", response_class=HTMLResponse)
def new_requirement_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty requirement form (planners)."""
    if not page.planner:
        raise Forbidden()
    return _form(request, db, page, {"priority": "1"}, {})


@router.post("/requirements/new", response_class=HTMLResponse)
async def create_requirement(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add a requirement line; errors shown at their fields."""
    return await create_record(FORMS, request, db, page)


@router.get("/requirements/{requirement_id}", response_class=HTMLResponse)
def requirement_detail(
    request: Request, db: SessionDep, page: PageDep, requirement_id: IdPath
) -> HTMLResponse:
    """One requirement line (editable by planners)."""
    row = requirements.get(db, page.user, requirement_id)
    record_reads(db, page.user.username, "web get", "requirement", [row])
    shown = [labelled(row)]
    return _form(request, db, page, _values(row), {}, row, shown=shown)


@router.post("/requirements/{requirement_id}", response_class=HTMLResponse)
async def update_requirement(
    request: Request, db: SessionDep, page: PageDep, requirement_id: IdPath
) -> Response:
    """Save a requirement line; a stale version answers 409 with the stored record."""
    return await update_record(FORMS, request, db, page, requirement_id)
