"""Pledges: forms with inline errors and the approval buttons (the table: ``pledge_table``).

Every change goes through ``workspace.pledges.service`` (access rules, optimistic locking,
audit trail). A stale ``version`` answers 409 and shows the record as it is now next to what
the user tried to save.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.web.core import HTMLRoute, Page, PageDep, local_path, render, see_other
from forcegen.web.forms import form_values, pledge_payload
from forcegen.web.label_picker import picker_context
from forcegen.web.marking import Labelled, labelled
from forcegen.web.views import pledge_bulk, pledge_table
from forcegen.web.views.pledge_table import pledge_choices, pledge_namer
from forcegen.web.views.record_forms import Diff, RecordForms, create_record, update_record
from forcegen.web.views.saving import attempt
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.errors import Forbidden
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.pledges.schemas import (
    TRANSITIONS,
    PledgeCreate,
    PledgeStatusChange,
    PledgeUpdate,
)

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)
# First: its POST /pledges/status must not be taken for a pledge called "status".
router.include_router(pledge_bulk.router)
router.include_router(pledge_table.router)

_FIELDS = ("capability", "quantity", "personnel", "notice_days", "cost", "name", "home")


def _values(row: Pledge) -> dict[str, str]:
    """A stored pledge as the strings its form shows."""
    home = row.home
    caveats = row.caveats or {}
    return {
        "id": row.id,
        "nation": row.nation,
        "capability": row.capability,
        "quantity": str(row.quantity),
        "personnel": str(row.personnel),
        "notice_days": f"{row.notice_days:g}",
        "cost": f"{row.cost:.0f}",
        "name": row.name or "",
        "home": f"{home[0]:g}; {home[1]:g}" if isinstance(home, list) else str(home or ""),
        "caveat_sectors": ", ".join(caveats.get("sectors") or []),
        "caveat_roles": ",".join(caveats.get("roles") or []),
        "caveat_max_months": str(caveats.get("max_months") or ""),
        "version": str(row.version),
        "status": row.status,
    }


def _form(
    request: Request,
    db: Session,
    page: Page,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    row: Pledge | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    shown: Sequence[Labelled] | None = None,
    derived_name: str = "",
    posted: FormData | None = None,
) -> HTMLResponse:
    # ``shown``: the stored pledge when the form shows it as stored; a form showing what the
    # user typed (or the record someone else saved meanwhile) is bannered at their ceiling.
    ctx = {
        **pledge_choices(db, page),
        "values": values,
        "errors": errors,
        "row": row,
        "conflict": conflict,
        "transitions": sorted(TRANSITIONS[row.status]) if row is not None else [],
        "readonly": not page.editor,
        "derived_name": derived_name,
        "picker": picker_context(db, page.user, labelled(row, row.nation) if row else None, posted),
    }
    return render(request, "pledge_form.html", ctx, status, labels=shown)


def _changed(submitted: dict[str, str], current: dict[str, Any],
             payload: dict[str, Any]) -> list[Diff]:
    """The fields where what the user tried to save differs from what is stored now."""
    found = []
    for key in _FIELDS:
        mine = submitted.get(key, "")
        now = current.get(key)
        shown = "" if now is None else str(now)
        if isinstance(now, float):
            shown = f"{now:.0f}" if key == "cost" else f"{now:g}"
        if key == "home" and isinstance(now, list):
            shown = f"{now[0]:g}; {now[1]:g}"
        if mine != shown:
            found.append((key, mine, shown))
    return found


def _posted(form: FormData) -> dict[str, str]:
    """The typed values, the ticked caveat roles as one comma-separated value."""
    values = form_values(form)
    values["caveat_roles"] = ",".join(str(r) for r in form.getlist("caveat_roles"))
    return values


FORMS: RecordForms[Pledge] = RecordForms(
    url="/pledges/{id}",
    created="Pledge {id} created.",
    saved="Pledge {id} saved.",
    service=pledges,
    schemas=(PledgeCreate, PledgeUpdate),
    form=_form,
    payload=lambda values, form, row: pledge_payload(values, form, new=row is None),
    stored=_values,
    changed=_changed,
    may_edit=lambda page: page.editor,
    check_role_on_edit=False,
    owner="nation",
    kept=("id", "nation", "status"),
    read=_posted,
)


@router.get("/pledges/new", response_class=HTMLResponse)
def new_pledge_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty pledge form (for a liaison, their own nation)."""
    if not page.editor:
        raise Forbidden()
    return _form(request, db, page, values={"nation": page.user.nation or ""}, errors={})


@router.post("/pledges/new", response_class=HTMLResponse)
async def create_pledge(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Create a pledge; errors are shown next to their fields."""
    return await create_record(FORMS, request, db, page)


@router.get("/pledges/{pledge_id}", response_class=HTMLResponse)
def pledge_detail(
    request: Request, db: SessionDep, page: PageDep, pledge_id: IdPath
) -> HTMLResponse:
    """One pledge: its form (read-only for observers) and its approval buttons."""
    row = pledges.get(db, page.user, pledge_id)
    record_reads(db, page.user.username, "web get", "pledge", [row], owner_key="nation")
    shown = [labelled(row, row.nation)]
    return _form(
        request,
        db,
        page,
        values=_values(row),
        errors={},
        row=row,
        shown=shown,
        derived_name=pledge_namer(db, page)(row.nation, row.capability),
    )


@router.post("/pledges/{pledge_id}", response_class=HTMLResponse)
async def update_pledge(
    request: Request, db: SessionDep, page: PageDep, pledge_id: IdPath
) -> Response:
    """Save an edited pledge; a stale version answers 409 with the current record."""
    return await update_record(FORMS, request, db, page, pledge_id)


@router.post("/pledges/{pledge_id}/status", response_class=HTMLResponse)
def change_status(
    request: Request,
    db: SessionDep,
    page: PageDep,
    pledge_id: IdPath,
    status: Annotated[str, Form(max_length=20)],
    version: Annotated[str, Form(max_length=12)],
    note: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move a pledge through the approval workflow (version-checked)."""
    row = pledges.get(db, page.user, pledge_id)

    def save(data: PledgeStatusChange) -> Response:
        pledges.transition(db, page.user, pledge_id, data)
        target = local_path(back, "/pledges")
        return see_other(target, f"Pledge {pledge_id} is now {status}.")

    payload = {"status": status, "version": version, "note": note or None}
    done = attempt(PledgeStatusChange, payload, save)
    if done.response is not None:
        return done.response
    conflict = None
    if done.current is not None:
        conflict = {
            "current": done.current,
            "diffs": [("status", status, done.current.get("status"))],
            "based_on": version,
        }
    return _form(
        request,
        db,
        page,
        values=_values(row),
        errors=done.errors,
        row=row,
        conflict=conflict,
        status=409 if conflict else 422,
    )
