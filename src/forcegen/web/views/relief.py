"""The relief dashboard: open requests and their state, per place and per nation, and the map.

Everything on the page is what the reader may see (``workspace.relief.board``); a planner may
also run the matching (``?plan=1``, a preview: a GET stores nothing) and see its routes drawn,
with what would arrive in time, and lists the matching runs kept through the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from forcegen.web.core import HTMLRoute, PageDep, Redirect, render
from forcegen.web.relief_map import ReliefMark, relief_svg
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.api.params import IdPath
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.listing import PageParams
from forcegen.workspace.relief import board as boards
from forcegen.workspace.relief import events, matching
from forcegen.workspace.relief import offers as offer_service

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)


@router.get("/relief", response_class=HTMLResponse)
def relief_home(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """The first relief event the reader may see, or a page saying there is none."""
    rows, _ = events.list_page(db, page.user, PageParams(limit=1, sort="-started"))
    if rows:
        raise Redirect(f"/relief/{rows[0].id}")
    return render(request, "relief.html", {"board": None, "events": []})


def _marks(b: boards.Board) -> tuple[list[ReliefMark], list[tuple[str, list[list[float]]]]]:
    marks = [
        ReliefMark(
            "request",
            r.at[0],
            r.at[1],
            r.place,
            [
                f"{r.id} {r.capability} ×{r.asked}, P{r.priority}, by {r.by_hours:g} h",
                f"{r.state}: {r.delivered} delivered, "
                f"{r.in_transit} in transit, {r.committed} committed, {r.open} open",
            ],
            r.state,
        )
        for r in b.requests
    ]
    at = {r.id: r.at for r in b.requests}
    homes: dict[tuple[float, float], list[str]] = {}
    lines = []
    for o in b.offers:
        homes.setdefault((o["home"][0], o["home"][1]), []).append(
            f"{o['id']} {o['nation']} {o['capability']} ×{o['quantity']} ({o['status']})"
        )
        if o["request"] in at and o["status"] in ("committed", "in-transit", "delivered"):
            lines.append(
                (f"{o['id']} → {o['request']} ({o['status']})", [o["home"], at[o["request"]]])
            )
    marks += [
        ReliefMark("offer", lon, lat, items[0].split()[1] + " base", items)
        for (lon, lat), items in homes.items()
    ]
    return marks, lines


@router.get("/relief/{event_id}", response_class=HTMLResponse)
def relief_board(
    request: Request,
    db: SessionDep,
    page: PageDep,
    event_id: IdPath,
    plan: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """One event's requests, their state, totals per place and nation, and the map."""
    trail = ReadTrail("web board")
    b = boards.board(db, page.user, event_id, trail)
    marks, lines = _marks(b)
    matched = None
    if plan and page.planner:
        matched = matching.run_match(db, page.user, event_id, time_limit=20.0, keep=False)
        lines = [(f"{x['offer']} → {x['request']}", x["line"]) for x in matched["routes"]]
    all_events, _ = events.list_page(db, page.user, PageParams(limit=200))
    trail.add_rows("relief_event", all_events)  # the event picker names them
    runs = matching.list_runs(db, page.user, event_id, trail)[:20] if page.planner else []
    trail.write(db, page.user.username)
    svg, outside = relief_svg(marks, lines)
    ctx = {
        "board": b,
        "offer_editors": offer_service.EDITORS,
        "events": all_events,
        "svg": Markup(svg),
        "outside": outside,
        "matched": matched,
        "runs": runs,
        "open_units": sum(r.open for r in b.requests),
        "asked": sum(r.asked for r in b.requests),
        "delivered": sum(r.delivered for r in b.requests),
    }
    # Derived from labelled rows: the banner shows the reader's clearance (``render``).
    return render(request, "relief.html", ctx)
