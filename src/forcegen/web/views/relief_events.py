"""Relief events in the browser: create and edit (planners), read (every role).

Every change goes through ``workspace.relief.events`` as ``POST`` and ``PATCH
/api/v1/relief/events`` do (planners only, labels, duplicate items, items still named by a
request or offer kept, optimistic locking, the audit trail). An event hidden from the reader
answers exactly as a missing one (404). The airfields, ports and planning settings are not
on the form (they are lists only the API takes); an edit keeps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.web.core import HTMLRoute, Page, PageDep, render
from forcegen.web.forms import FieldErrors
from forcegen.web.label_picker import at_picker, picker_context
from forcegen.web.marking import Labelled, labelled
from forcegen.web.relief_forms import (
    EVENT_FIELDS,
    diffs,
    event_payload,
    event_values,
    item_errors,
    items_text,
    pair_errors,
)
from forcegen.web.views.record_forms import Diff, RecordForms, create_record, update_record
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.errors import Forbidden
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief import events, requests
from forcegen.workspace.relief.models import ReliefEvent
from forcegen.workspace.relief.schemas import EventCreate, EventUpdate

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)


def _facts(db: Session, page: Page, row: ReliefEvent) -> dict[str, Any]:
    """What the page says of the API-only fields, and how many requests the reader may see."""
    # The total the API's list gives this reader: a hidden request is not counted.
    _, count = requests.list_page(db, page.user, PageParams(limit=1), event=row.id)
    return {
        "airfields": None if row.airfields is None else len(row.airfields),
        "ports": None if row.ports is None else len(row.ports),
        "settings": row.settings or {},
        "requests": int(count),
    }


def _form(
    request: Request,
    db: Session,
    page: Page,
    values: dict[str, str],
    errors: FieldErrors,
    row: ReliefEvent | None = None,
    *,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    shown: Sequence[Labelled] | None = None,
    posted: FormData | None = None,
) -> HTMLResponse:
    # ``shown``: the stored event when the page shows it as stored; a form showing what the
    # user typed is bannered at their ceiling (``render``).
    ctx = {
        "values": values,
        "errors": errors,
        "row": row,
        "conflict": conflict,
        "readonly": not page.planner,
        "facts": _facts(db, page, row) if row is not None else None,
        "picker": picker_context(db, page.user, labelled(row) if row else None, posted),
    }
    if shown is not None and row is not None:  # the stored event, read (audit.reads)
        trail = ReadTrail("web get")
        trail.add_rows("relief_event", [row])
        trail.write(db, page.user.username)
    return render(request, "relief_event_form.html", ctx, status, labels=shown)


def _checks(values: dict[str, str]) -> FieldErrors:
    """Problems found before the schema: the position and the items box."""
    return {**pair_errors(values, "at"), **item_errors(values)}


def _changed(values: dict[str, str], current: dict[str, Any],
             payload: dict[str, Any]) -> list[Diff]:
    """What differs from the event as stored now."""
    # The items as the box would show them, so a reformatted line is no difference.
    typed = {**values, "items": items_text(payload["items"])}
    return diffs(typed, event_values(current), EVENT_FIELDS)


def _errors(errors: FieldErrors, values: dict[str, str]) -> FieldErrors:
    """Errors at ``items.K...`` (the schema's or the service's) at the items box, by line."""
    out = {k: v for k, v in at_picker(errors).items() if not k.startswith("items.")}
    out.update(item_errors(values, refused=errors))
    return out


FORMS: RecordForms[ReliefEvent] = RecordForms(
    url="/relief/events/{id}",
    created="Event {id} created.",
    saved="Event {id} saved.",
    service=events,
    schemas=(EventCreate, EventUpdate),
    form=_form,
    payload=lambda values, form, row: event_payload(values, new=row is None),
    stored=event_values,
    changed=_changed,
    may_edit=lambda page: page.planner,
    checks=_checks,
    errors=_errors,
    created_url="/relief/{id}",  # the new event's board
)


@router.get("/relief/events/new", response_class=HTMLResponse)
def new_event_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty event form (planners)."""
    if not page.planner:
        raise Forbidden()
    return _form(request, db, page, {}, {})


@router.post("/relief/events/new", response_class=HTMLResponse)
async def create_event(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add an event; every problem is shown at its field and nothing is stored."""
    return await create_record(FORMS, request, db, page)


@router.get("/relief/events/{event_id}", response_class=HTMLResponse)
def event_detail(request: Request, db: SessionDep, page: PageDep, event_id: IdPath) -> HTMLResponse:
    """One event: its form (read-only but for planners)."""
    row = events.get(db, page.user, event_id)
    return _form(request, db, page, event_values(row), {}, row, shown=[labelled(row)])


@router.post("/relief/events/{event_id}", response_class=HTMLResponse)
async def update_event(
    request: Request, db: SessionDep, page: PageDep, event_id: IdPath
) -> Response:
    """Save an edited event; a stale version answers 409 with the event as stored now."""
    return await update_record(FORMS, request, db, page, event_id)
