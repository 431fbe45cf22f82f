"""The intel feed and the compose page (issue 15): STIX objects under their labels, live.

* ``GET /intel``: the objects of a collection the reader may see, newest first, each under its
  marking as a banner; filters by type, sector and marking (choices drawn only from what the
  reader sees); the page banner is the high-water mark of what is listed. ``static/app.js``
  follows the collection's Server-Sent Events stream (``/taxii2/.../events/``, which decides
  every event per reader) and inserts each new object by asking for its fragment.
* ``GET /intel/items/{seq}``: one object as a feed entry (the fragment the script inserts),
  with the page's new banner in ``X-Banner`` (percent-encoded) / ``X-Banner-Class``.
  Hidden, missing and filtered out are the same 404.
* ``GET|POST /intel/compose``: an indicator, report or note with the label picker (only
  labels the author may grant), validated with ``stix2``, signed for the author's nation and
  stored like a TAXII POST (``workspace.intel.publish``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.exceptions import LabelError
from forcegen.intel.compose import COMPOSE_TYPES, ComposeError, compose_object
from forcegen.intel.readers import may_see
from forcegen.labels.label import Label, label_from_json
from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other, templates
from forcegen.web.label_picker import keep_posted, picker_for, posted_label
from forcegen.web.marking import banner
from forcegen.workspace.access.granting import label_choices, require_grantable
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.taxii import key_list_status
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.intel import store
from forcegen.workspace.intel.feed import FeedFilters, FeedItem, feed, feed_choices, feed_item
from forcegen.workspace.intel.models import IntelCollection
from forcegen.workspace.intel.publish import publish
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.intel.trail import Trail
from forcegen.workspace.label_store import label_json
from forcegen.workspace.nations import service as nations

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)
Text = Annotated[str, Query(max_length=200)]
_FIELDS = ("name", "description", "pattern", "content", "abstract", "object_refs", "sector")


def _collections(db: Session, page: Page) -> tuple[store.LabelFilter,
                                                   list[IntelCollection]]:
    visible = store.LabelFilter(reader_for(page.user))
    return visible, store.visible_collections(db, visible)


def _chosen(found: list[IntelCollection], wanted: str) -> IntelCollection | None:
    """The collection asked for (404 if not among those the reader sees), else the first."""
    if not wanted:
        return found[0] if found else None
    for c in found:
        if c.id == wanted:
            return c
    raise NotFound("collection")


@router.get("/intel", response_class=HTMLResponse)
def intel_feed(request: Request, db: SessionDep, page: PageDep, collection: Text = "",
               type: Text = "", sector: Text = "", marking: Text = "") -> HTMLResponse:
    """The feed of one collection the reader may see (the first one by default)."""
    visible, found = _collections(db, page)
    current = _chosen(found, collection)
    flt = FeedFilters(type, sector, marking)
    items = feed(db, current, visible, flt) if current is not None else []
    if current is not None:
        _record_reads(request, db, page, current, items, "web feed")
    choices = (feed_choices(db, current, visible) if current is not None
               else {"types": [], "sectors": [], "markings": []})
    shown = [i.label for i in items] + ([store_label(current)] if current else [])
    state = request.app.state
    ctx = {"collections": found, "current": current, "items": items, "filters": flt,
           "choices": choices,
           "keys": key_list_status(getattr(state, "intel_key_path", None), state.intel_keys),
           "writable": current is not None and store.may_write(page.user, current, visible)}
    return render(request, "intel.html", ctx, labels=shown)


def _record_reads(request: Request, db: Session, page: Page, collection: IntelCollection,
                  items: list[FeedItem], via: str) -> None:
    """The objects a feed page shows, as ``intel_read`` entries (one per label), as TAXII."""
    if not items or not request.app.state.settings.intel_audit_reads:
        return
    trail = Trail("intel_read")
    for i in items:
        trail.add(label_json(i.label), i.object_id, i.version)
    trail.write(db, page.user.username, collection.id, {"via": via})


def store_label(collection: IntelCollection) -> Label:
    """A collection's label (its title and description are shown on the page)."""
    return label_from_json(json.loads(collection.label))


@router.get("/intel/items/{seq}", response_class=HTMLResponse)
def intel_item(request: Request, db: SessionDep, page: PageDep, seq: int,
               collection: Text = "", type: Text = "", sector: Text = "", marking: Text = "",
               since: Annotated[int | None, Query(ge=0)] = None) -> HTMLResponse:
    """One feed entry (what the page's script inserts when an object arrives)."""
    visible, found = _collections(db, page)
    current = _chosen(found, collection)
    if current is None:
        raise NotFound("object")
    flt = FeedFilters(type, sector, marking)
    item = feed_item(db, current, visible, seq, flt)
    if item is None:
        raise NotFound("object")
    _record_reads(request, db, page, current, [item], "web feed item")
    # The page's banner after the insert: everything listed from ``since`` on, and this one.
    listed = [i.label for i in feed(db, current, visible, flt, limit=1_000,
                                    since=since or 0)]
    top = banner(page.user, [*listed, item.label, store_label(current)])
    body = templates.get_template("_intel_item.html").render(item=item)
    # Percent-encoded: a header is ASCII, a marking need not be ("·" between policies).
    return HTMLResponse(body, headers={"X-Banner": quote(top.text), "X-Banner-Class": top.css,
                                       "Cache-Control": "no-store"})


def _picker(db: Session, page: Page, form: FormData | None) -> Any:
    codes = [n.code for n in nations.list_all(db, page.user)]
    choices = label_choices(page.user, codes, items=False,
                            clearances=reader_for(page.user).clearances)
    default = Label("TLP", "GREEN") if any(
        c.id == "TLP" and "GREEN" in c.classifications for c in choices) else None
    picker = picker_for(choices, default)
    return keep_posted(picker, form) if form is not None else picker


def _compose_page(request: Request, db: Session, page: Page, values: dict[str, str],
                  errors: dict[str, str], form: FormData | None = None,
                  status: int = 200) -> HTMLResponse:
    visible, found = _collections(db, page)
    writable = [c for c in found if store.may_write(page.user, c, visible)]
    if not writable:
        raise Forbidden("you may not add objects to any collection")
    ctx = {"collections": writable, "values": values, "errors": errors,
           "types": list(COMPOSE_TYPES), "picker": _picker(db, page, form)}
    # Shows what the author typed: bannered at the author's ceiling.
    return render(request, "intel_compose.html", ctx, status)


@router.get("/intel/compose", response_class=HTMLResponse)
def compose_form(request: Request, db: SessionDep, page: PageDep,
                 collection: Text = "", type: Text = "indicator") -> HTMLResponse:
    """An empty compose form (for those who may write to some collection)."""
    return _compose_page(request, db, page, {"collection": collection, "type": type}, {})


def _publish(db: Session, page: Page, request: Request, form: FormData,
             values: dict[str, str]) -> tuple[dict[str, str], IntelCollection | None]:
    reader = reader_for(page.user)
    visible = store.LabelFilter(reader)
    current = store.get_collection(db, visible, values.get("collection", ""))
    if not store.may_write(page.user, current, visible):
        raise Forbidden("you may not add objects to this collection")
    errors: dict[str, str] = {}
    label = None
    try:
        label = posted_label(form, originator=page.user.nation or None)
        require_grantable(page.user, label, items=False, clearances=reader.clearances)
        if not may_see(label, reader):  # as for requirements and pledges
            errors["label"] = "this label would hide the object from you"
    except LabelError as exc:
        errors["label"] = str(exc)
    except Invalid as exc:
        errors["label"] = exc.message
    try:
        obj = compose_object(values.get("type", ""), values)
    except ComposeError as exc:
        errors[exc.field] = str(exc)
    if errors or label is None:
        return errors, None
    app = request.app.state
    try:
        publish(db, current, page.user, reader, obj, label, app.intel_signing_keys,
                app.intel_keys)
    except (Invalid, Forbidden, Conflict) as exc:
        db.rollback()  # nothing half-written
        return {getattr(exc, "field", None) or "label": exc.message}, None
    return {}, current


@router.post("/intel/compose", response_class=HTMLResponse)
async def compose(request: Request, db: SessionDep, page: PageDep) -> Response:
    """Publish a composed object; refusals are shown at their fields, nothing stored."""
    form = await request.form()
    values = {k: str(form.get(k) or "")[:20_000] for k in (*_FIELDS, "type", "collection")}
    errors, current = _publish(db, page, request, form, values)
    if current is None:
        return _compose_page(request, db, page, values, errors, form, 422)
    return see_other(f"/intel?collection={current.id}", "Published.")
