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

from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other
from forcegen.web.forms import FieldErrors, form_values
from forcegen.web.label_picker import apply_posted, at_picker, marking_diff, picker_context
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
from forcegen.web.views.saving import attempt
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
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
    return render(request, "relief_event_form.html", ctx, status, labels=shown)


def _refused(values: dict[str, str], form: FormData, page: Page, row: ReliefEvent | None,
             payload: dict[str, Any]) -> FieldErrors:
    """Problems found before the schema: the position, the items box, the label picker."""
    found = {**pair_errors(values, "at"), **item_errors(values)}
    return found or apply_posted(form, page.user, labelled(row) if row else None, None, payload)


def _errors(errors: FieldErrors, values: dict[str, str]) -> FieldErrors:
    """Errors at ``items.K...`` (the schema's or the service's) at the items box, by line."""
    out = {k: v for k, v in at_picker(errors).items() if not k.startswith("items.")}
    out.update(item_errors(values, refused=errors))
    return out


@router.get("/relief/events/new", response_class=HTMLResponse)
def new_event_form(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """An empty event form (planners)."""
    if not page.planner:
        raise Forbidden()
    return _form(request, db, page, {}, {})


@router.post("/relief/events/new", response_class=HTMLResponse)
async def create_event(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add an event; every problem is shown at its field and nothing is stored."""
    if not page.planner:  # refused before the form is read, as the empty form is
        raise Forbidden()
    form = await request.form()
    values = form_values(form)

    def save(data: EventCreate) -> Response:
        row = events.create(db, page.user, data)
        return see_other(f"/relief/{row.id}", f"Event {row.id} created.")

    payload = event_payload(values, new=True)
    errors = _refused(values, form, page, None, payload)
    if not errors:
        done = attempt(EventCreate, payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        errors = _errors(done.errors, values)
    return _form(request, db, page, values, errors, status=422, posted=form)


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
    row = events.get(db, page.user, event_id)  # hidden or missing: 404 before anything
    if not page.planner:
        raise Forbidden()
    form = await request.form()
    values = form_values(form)
    payload = event_payload(values, new=False)
    refused = _refused(values, form, page, row, payload)
    if not refused:

        def save(data: EventUpdate) -> Response:
            events.update(db, page.user, event_id, data)
            return see_other(f"/relief/events/{event_id}", f"Event {event_id} saved.")

        done = attempt(EventUpdate, payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        if done.current is not None:
            now = event_values(done.current)
            # The items as the box would show them, so a reformatted line is no difference.
            typed = {**values, "items": items_text(payload["items"])}
            found = diffs(typed, now, EVENT_FIELDS)
            label = marking_diff(form, done.current, None)
            conflict = {"current": done.current, "diffs": [*found, *([label] if label else [])],
                        "based_on": values.get("version", "")}
            return _form(request, db, page, event_values(row), {}, row, conflict=conflict,
                         status=409)
        refused = _errors(done.errors, values)
    values.update(id=row.id)
    return _form(request, db, page, values, refused, row, status=422, posted=form)
