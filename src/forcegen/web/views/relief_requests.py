"""Relief requests in the browser: create and edit (planners), read (every role), history.

Every change goes through ``workspace.relief.requests`` as ``POST`` and ``PATCH
/api/v1/relief/requests`` do (roles, the event and capability checks, units already held,
optimistic locking, the audit trail). A request hidden from the reader answers exactly as a
missing one (404). The page also lists the offers the reader may see that are held for the
request or could serve it, and who changed what and when (``relief.history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other
from forcegen.web.forms import form_values
from forcegen.web.label_picker import apply_posted, at_picker, marking_diff, picker_context
from forcegen.web.marking import Labelled, labelled
from forcegen.web.relief_forms import (
    REQUEST_FIELDS,
    diffs,
    pair_errors,
    request_payload,
    request_values,
)
from forcegen.web.views.saving import attempt
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.errors import Forbidden
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief import events, history, offers, requests
from forcegen.workspace.relief.models import ReliefRequest
from forcegen.workspace.relief.schemas import RequestCreate, RequestUpdate
from forcegen.workspace.requirements import service as requirements

__all__ = ["capability_choices", "router"]

router = APIRouter(route_class=HTMLRoute)

EventParam = Annotated[str | None, Query(max_length=200)]
#: Offers listed on a request's page (held for it, or on offer for its capability).
_OFFERS = PageParams(limit=500)


def capability_choices(
    db: Session, page: Page, event: str | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Option groups of the capability select: relief items, then capability types.

    Parameters
    ----------
    db, page
        The session and the reader.
    event
        The event chosen in the form: only its relief items are listed (an unknown or hidden
        one: none), exactly what ``relief.common.check_item`` accepts for it. ``None``: the
        items of every event the reader may see.

    Returns
    -------
    list of (str, list of (str, str))
        ``(group label, [(code, text)])``: the items, then the capability types by category.
    """
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    evs, _ = events.list_page(db, page.user, PageParams(limit=200))
    for ev in evs:
        if event is not None and ev.id != event:
            continue
        items = [(i["id"], f"{i['id']} — {i.get('name') or i['id']}") for i in ev.items or []]
        if items:
            groups.append((f"Relief items · {ev.name or ev.id}", items))
    by_cat: dict[str, list[tuple[str, str]]] = {}
    for c in sorted(requirements.capabilities(db).values(), key=lambda c: (c.category, c.code)):
        by_cat.setdefault(c.category, []).append((c.code, f"{c.code} — {c.name}"))
    return groups + list(by_cat.items())


def _event_choices(db: Session, page: Page) -> list[tuple[str, str]]:
    evs, _ = events.list_page(db, page.user, PageParams(limit=200))
    return [(e.id, e.name or e.id) for e in evs]


def _offers_of(db: Session, page: Page, row: ReliefRequest) -> dict[str, list[Any]]:
    """The offers the reader may see held for ``row``, and those still on offer for it."""
    held, _ = offers.list_page(db, page.user, _OFFERS, request=row.id)
    free, _ = offers.list_page(db, page.user, _OFFERS, event=row.event, status="offered")
    return {"held": held, "free": [o for o in free if o.capability == row.capability]}


def _form(
    request: Request,
    db: Session,
    page: Page,
    values: dict[str, str],
    errors: dict[str, str],
    row: ReliefRequest | None = None,
    *,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    shown: Sequence[Labelled] | None = None,
    posted: FormData | None = None,
) -> HTMLResponse:
    # ``shown``: the stored request and its offers when the page shows them as stored; a form
    # showing what the user typed is bannered at their ceiling (``render``).
    listed = _offers_of(db, page, row) if row is not None else {"held": [], "free": []}
    ctx = {
        "values": values,
        "errors": errors,
        "row": row,
        "conflict": conflict,
        "readonly": not page.planner,
        "offer_editor": page.user.role in offers.EDITORS,
        "event_choices": _event_choices(db, page),
        # Narrowed to the chosen event's items: a form re-rendered for another event (its
        # "List" button, ``?event=``, or the page script) lists that event's.
        "capability_groups": capability_choices(db, page, values.get("event", "")),
        "offers": listed,
        "history": history.request_history(db, page.user, row.id) if row is not None else [],
        "picker": picker_context(db, page.user, labelled(row) if row else None, posted),
    }
    if shown is not None:
        shown = [*shown, *(labelled(o, o.nation) for o in (*listed["held"], *listed["free"]))]
    return render(request, "relief_request_form.html", ctx, status, labels=shown)


@router.get("/relief/requests/new", response_class=HTMLResponse)
def new_request_form(
    request: Request, db: SessionDep, page: PageDep, event: EventParam = None
) -> HTMLResponse:
    """An empty request form (planners), for ``event`` if given (a hidden one: 404)."""
    if not page.planner:
        raise Forbidden()
    if event:
        events.get(db, page.user, event)
    else:
        choices = _event_choices(db, page)
        event = choices[0][0] if choices else ""
    return _form(request, db, page, {"event": event, "priority": "1"}, {})


@router.post("/relief/requests/new", response_class=HTMLResponse)
async def create_request(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add a request; every problem is shown at its field and nothing is stored."""
    if not page.planner:  # refused before the form is read, as the empty form is
        raise Forbidden()
    form = await request.form()
    values = form_values(form)
    if form.get("relist"):  # "List this event's items" (no scripts): the form again, unsaved
        return _form(request, db, page, values, {}, posted=form)

    def save(data: RequestCreate) -> Response:
        row = requests.create(db, page.user, data)
        return see_other(f"/relief/requests/{row.id}", f"Request {row.id} created.")

    payload = request_payload(values, new=True)
    errors = pair_errors(values, "at") or apply_posted(form, page.user, None, None, payload)
    if not errors:
        done = attempt(RequestCreate, payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        errors = at_picker(done.errors)
    return _form(request, db, page, values, errors, status=422, posted=form)


@router.get("/relief/requests/{request_id}", response_class=HTMLResponse)
def request_detail(
    request: Request, db: SessionDep, page: PageDep, request_id: IdPath
) -> HTMLResponse:
    """One request: its form (read-only but for planners), its offers and its history."""
    row = requests.get(db, page.user, request_id)
    return _form(request, db, page, request_values(row), {}, row, shown=[labelled(row)])


@router.post("/relief/requests/{request_id}", response_class=HTMLResponse)
async def update_request(
    request: Request, db: SessionDep, page: PageDep, request_id: IdPath
) -> Response:
    """Save an edited request; a stale version answers 409 with the request as stored now."""
    row = requests.get(db, page.user, request_id)  # hidden or missing: 404 before anything
    if not page.planner:
        raise Forbidden()
    form = await request.form()
    values = form_values(form)
    payload = request_payload(values, new=False)
    refused = pair_errors(values, "at") or apply_posted(form, page.user, labelled(row), None,
                                                        payload)
    if not refused:

        def save(data: RequestUpdate) -> Response:
            requests.update(db, page.user, request_id, data)
            return see_other(f"/relief/requests/{request_id}", f"Request {request_id} saved.")

        done = attempt(RequestUpdate, payload, save)
        if done.response is not None:
            return done.response
        db.rollback()  # refused: whatever the service did before refusing is not kept
        if done.current is not None:
            now = request_values(done.current)
            found = diffs(values, now, REQUEST_FIELDS)
            label = marking_diff(form, done.current, None)
            conflict = {"current": done.current, "diffs": [*found, *([label] if label else [])],
                        "based_on": values.get("version", "")}
            return _form(request, db, page, request_values(row), {}, row, conflict=conflict,
                         status=409)
        refused = at_picker(done.errors)
    values.update(id=row.id, event=row.event)
    return _form(request, db, page, values, refused, row, status=422, posted=form)
