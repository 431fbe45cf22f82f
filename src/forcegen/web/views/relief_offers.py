"""Relief offers in the browser: create, edit, and move through the delivery cycle.

As ``/api/v1/relief/offers``: planners act on every offer, a liaison officer on their own
nation's (another nation's offer is "not found", an offer for another nation is refused), an
observer reads their own nation's. Every change goes through ``workspace.relief.offers``
(the cycle ``offered -> committed -> in-transit -> delivered | released`` of
``forcegen.relief.status``, the units a request still has room for, optimistic locking, the
recorded steps and the audit trail); this module only turns forms into its calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.relief.status import NEXT
from forcegen.web.core import HTMLRoute, Page, PageDep, local_path, render, see_other
from forcegen.web.forms import form_values
from forcegen.web.label_picker import picker_context
from forcegen.web.marking import Labelled, labelled
from forcegen.web.relief_forms import (
    OFFER_FIELDS,
    diffs,
    offer_payload,
    offer_values,
    pair_errors,
    status_payload,
)
from forcegen.web.views.record_forms import RecordForms, create_record, update_record
from forcegen.web.views.relief_requests import capability_choices
from forcegen.web.views.saving import attempt
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.errors import Forbidden
from forcegen.workspace.listing import PageParams
from forcegen.workspace.nations import service as nations
from forcegen.workspace.relief import events, history, offers, requests
from forcegen.workspace.relief.models import ReliefOffer
from forcegen.workspace.relief.schemas import OfferCreate, OfferStatusChange, OfferUpdate

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

Ref = Annotated[str | None, Query(max_length=200)]
#: The buttons of the status form, by the status they move to.
BUTTONS = {"committed": "Commit", "in-transit": "Mark in transit", "delivered": "Mark delivered",
           "released": "Release"}


def _editor(page: Page) -> bool:
    return page.user.role in offers.EDITORS


def _requests_for(db: Session, page: Page, row: ReliefOffer | None) -> list[Any]:
    """The requests ``row`` could be committed to (same event and capability), for the select.

    Only those the reader may see: a hidden request is never offered as a choice.
    """
    if row is None or "committed" not in NEXT[row.status]:
        return []
    found, _ = requests.list_page(db, page.user, PageParams(limit=500), event=row.event,
                                  capability=row.capability)
    return list(found)


def _form(
    request: Request,
    db: Session,
    page: Page,
    values: dict[str, str],
    errors: dict[str, str],
    row: ReliefOffer | None = None,
    *,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    shown: Sequence[Labelled] | None = None,
    posted: FormData | None = None,
) -> HTMLResponse:
    # ``shown``: the stored offer (and the requests it may be committed to) when the page
    # shows them as stored; a form showing what the user typed is bannered at their ceiling.
    nation_codes = [n.code for n in nations.list_all(db, page.user)]
    if not page.planner:
        nation_codes = [c for c in nation_codes if c == page.user.nation]
    evs, _ = events.list_page(db, page.user, PageParams(limit=200))
    choices = _requests_for(db, page, row)
    ctx = {
        "values": values,
        "errors": errors,
        "row": row,
        "conflict": conflict,
        "editor": _editor(page),
        # What is committed is moved through the cycle, not edited (``offers.update``).
        "readonly": not _editor(page) or (row is not None and row.status != "offered"),
        "nation_choices": nation_codes,
        "event_choices": [(e.id, e.name or e.id) for e in evs],
        # The chosen event's items only (the first event's when none is chosen yet: the one
        # the select shows first).
        "capability_groups": capability_choices(
            db, page, values.get("event") or (evs[0].id if evs else "")),
        "transitions": [(t, BUTTONS[t]) for t in NEXT[row.status]] if row is not None else [],
        "request_choices": choices,
        "history": history.offer_history(db, page.user, row.id) if row is not None else [],
        "picker": picker_context(db, page.user, labelled(row, row.nation) if row else None,
                                 posted),
    }
    if shown is not None:
        shown = [*shown, *(labelled(r) for r in choices)]
        if row is not None:  # the stored offer and the requests it may serve, read
            trail = ReadTrail("web get")
            trail.add_rows("relief_offer", [row], owner_key="nation")
            trail.add_rows("relief_request", choices)
            trail.write(db, page.user.username)
    return render(request, "relief_offer_form.html", ctx, status, labels=shown)


FORMS: RecordForms[ReliefOffer] = RecordForms(
    url="/relief/offers/{id}",
    created="Offer {id} created.",
    saved="Offer {id} saved.",
    service=offers,
    schemas=(OfferCreate, OfferUpdate),
    form=_form,
    payload=lambda values, form, row: offer_payload(values, new=row is None),
    stored=offer_values,
    changed=lambda values, current, payload: diffs(values, offer_values(current), OFFER_FIELDS),
    may_edit=_editor,
    owner="nation",
    kept=("id", "event", "nation", "capability", "status"),
    checks=lambda values: pair_errors(values, "home"),
    relist=True,
)


@router.get("/relief/offers/new", response_class=HTMLResponse)
def new_offer_form(
    request: Request, db: SessionDep, page: PageDep, event: Ref = None, request_id: Annotated[
        str | None, Query(alias="request", max_length=200)] = None,
) -> HTMLResponse:
    """An empty offer form (planners; a liaison for their own nation).

    Filled in from the request it answers (``?request=``) or for an event (``?event=``); a
    hidden request or event answers 404, as a missing one.
    """
    if not _editor(page):
        raise Forbidden()
    values = {"nation": page.user.nation or "", "mode": "air", "notice_hours": "0", "cost": "0"}
    if request_id:
        req = requests.get(db, page.user, request_id)
        values.update(event=req.event, capability=req.capability, quantity=str(req.quantity))
    elif event:
        values["event"] = events.get(db, page.user, event).id
    return _form(request, db, page, values, {})


@router.post("/relief/offers/new", response_class=HTMLResponse)
async def create_offer(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Add an offer (it starts ``offered``); problems are shown at their fields."""
    return await create_record(FORMS, request, db, page)


@router.get("/relief/offers/{offer_id}", response_class=HTMLResponse)
def offer_detail(
    request: Request, db: SessionDep, page: PageDep, offer_id: IdPath, request_id: Annotated[
        str | None, Query(alias="request", max_length=200)] = None,
) -> HTMLResponse:
    """One offer: its form, its status buttons and every change of it.

    ``?request=``: the request chosen in the status form (from a request's page).
    """
    row = offers.get(db, page.user, offer_id)
    values = {**offer_values(row), "commit_to": request_id or row.request or ""}
    return _form(request, db, page, values, {}, row, shown=[labelled(row, row.nation)])


@router.post("/relief/offers/{offer_id}", response_class=HTMLResponse)
async def update_offer(
    request: Request, db: SessionDep, page: PageDep, offer_id: IdPath
) -> Response:
    """Save an edited offer (still ``offered``); a stale version answers 409."""
    return await update_record(FORMS, request, db, page, offer_id)


@router.post("/relief/offers/{offer_id}/status", response_class=HTMLResponse)
async def change_status(
    request: Request, db: SessionDep, page: PageDep, offer_id: IdPath
) -> Response:
    """Move an offer through its cycle (version-checked); who and when are recorded."""
    row = offers.get(db, page.user, offer_id)  # hidden or missing: 404 before anything
    if not _editor(page):
        raise Forbidden()
    values = form_values(await request.form())
    payload = status_payload(values)

    def save(data: OfferStatusChange) -> Response:
        offers.transition(db, page.user, offer_id, data)
        target = local_path(values.get("back"), f"/relief/offers/{offer_id}")
        return see_other(target, f"Offer {offer_id} is now {data.status}.")

    done = attempt(OfferStatusChange, payload, save)
    if done.response is not None:
        return done.response
    db.rollback()  # refused: a part committed is not split off, nothing is recorded
    conflict = None
    if done.current is not None:
        conflict = {"current": done.current,
                    "diffs": [("status", values.get("status", ""), done.current.get("status"))],
                    "based_on": values.get("version", "")}
    errors = {("commit_to" if k == "request" else "units" if k == "quantity" else k): v
              for k, v in done.errors.items()}
    shown = [labelled(row, row.nation)]
    form_vals = {**offer_values(row), "commit_to": values.get("request", ""),
                 "units": values.get("units", ""), "note": values.get("note", "")}
    return _form(request, db, page, form_vals, errors, row, conflict=conflict,
                 status=409 if conflict else 422, shown=shown)
