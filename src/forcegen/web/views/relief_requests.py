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

from forcegen.web.core import HTMLRoute, Page, PageDep, render
from forcegen.web.label_picker import picker_context
from forcegen.web.marking import Labelled, labelled
from forcegen.web.relief_forms import (
    REQUEST_FIELDS,
    diffs,
    pair_errors,
    request_payload,
    request_values,
)
from forcegen.web.views.record_forms import RecordForms, create_record, update_record
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import ReadTrail
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
        if row is not None:  # the stored request and its offers, read (audit.reads)
            trail = ReadTrail("web get")
            trail.add_rows("relief_request", [row])
            trail.add_rows("relief_offer", [*listed["held"], *listed["free"]], owner_key="nation")
            trail.write(db, page.user.username)
    return render(request, "relief_request_form.html", ctx, status, labels=shown)


FORMS: RecordForms[ReliefRequest] = RecordForms(
    url="/relief/requests/{id}",
    created="Request {id} created.",
    saved="Request {id} saved.",
    service=requests,
    schemas=(RequestCreate, RequestUpdate),
    form=_form,
    payload=lambda values, form, row: request_payload(values, new=row is None),
    stored=request_values,
    changed=lambda values, current, payload: diffs(values, request_values(current),
                                                   REQUEST_FIELDS),
    may_edit=lambda page: page.planner,
    kept=("id", "event"),
    checks=lambda values: pair_errors(values, "at"),
    relist=True,
)


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
    return await create_record(FORMS, request, db, page)


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
    return await update_record(FORMS, request, db, page, request_id)
