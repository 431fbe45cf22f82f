"""The pledges table and its CSV download.

Search, filters, sorting and paging on the server; the other nations' totals; the checkboxes
of the bulk status form (``pledge_bulk``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.web.core import HTMLRoute, Page, PageDep, render
from forcegen.web.marking import item_marking, labelled, level_choices
from forcegen.web.tables import TableQuery, clean, every_row
from forcegen.web.views.downloads import csv_download
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.listing import PageParams
from forcegen.workspace.nations import service as nations
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.pledges.schemas import TRANSITIONS
from forcegen.workspace.requirements import service as requirements

__all__ = ["pledge_choices", "pledge_namer", "router"]

router = APIRouter(route_class=HTMLRoute)

PAGE_SIZE = 50
Filter = Annotated[str | None, Query(max_length=200)]


def pledge_choices(db: Session, page: Page) -> dict[str, Any]:
    """The choices the pledge pages offer: nations, capabilities, sectors, roles, levels."""
    nation_codes = [n.code for n in nations.list_all(db, page.user)]
    if not page.planner:
        nation_codes = [c for c in nation_codes if c == page.user.nation]
    caps = requirements.capabilities(db)
    return {
        "nation_choices": nation_codes,
        "capability_choices": sorted(caps.values(), key=lambda c: (c.category, c.code)),
        "sector_choices": [s.id for s in requirements.list_sectors(db)],
        "roles": ("combat", "combat-support", "service-support"),
        "level_choices": level_choices(page.user),
    }


def pledge_namer(db: Session, page: Page) -> Callable[[str, str], str]:
    """The name shown for a pledge without its own: ``France · Role 1 medical``.

    Made of its nation's and capability's names, reference data every role may read.
    """
    caps = {code: c.name for code, c in requirements.capabilities(db).items()}
    names = {n.code: n.name or n.code for n in nations.list_all(db, page.user)}

    def name(nation: str, capability: str) -> str:
        return f"{names.get(nation, nation)} · {caps.get(capability, capability)}"

    return name


def _table(db: Session, page: Page, path: str, nation: str | None, status: str | None,
           capability: str | None, q: str | None, sort: str | None, offset: int) -> TableQuery:
    caps = requirements.capabilities(db)
    filters = {
        "q": clean(q),
        "nation": clean(nation),
        "status": clean(status, PLEDGE_STATUSES),
        "capability": clean(capability),
    }
    labels = {"q": "Text", "nation": "Nation", "status": "Status", "capability": "Capability"}
    shown = {"capability": lambda c: f"{c} ({caps[c].name})" if c in caps else c}
    return TableQuery(path, filters, labels, clean(sort), offset, PAGE_SIZE, shown)


def _list(
    db: Session, page: Page, table: TableQuery, params: PageParams | None = None
) -> tuple[list[Any], int]:
    f = table.filters
    return pledges.list_page(
        db, page.user, params or table.params(), nation=f["nation"] or None,
        status=f["status"] or None, capability=f["capability"] or None,
        search=table.q or None,
    )


@router.get("/pledges", response_class=HTMLResponse)
def pledge_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    nation: Filter = None,
    status: Filter = None,
    capability: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """The pledges the user may see: text search, filters, sorting, paging.

    Others' offers as totals; for editors, a checkbox per row and one form changing the status
    of those ticked.
    """
    table = _table(db, page, "/pledges", nation, status, capability, q, sort, offset)
    rows, total = _list(db, page, table)
    record_reads(db, page.user.username, "web list", "pledge", rows, owner_key="nation")
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for t in pledges.totals(db, page.user, ["nation", "status"]):
        totals[t.nation or ""][t.status or ""] = t.units
    ctx = {
        **pledge_choices(db, page),
        "rows": rows,
        "total": total,
        "table": table,
        "pledge_name": pledge_namer(db, page),
        "statuses": PLEDGE_STATUSES,
        "transitions": {k: sorted(v) for k, v in TRANSITIONS.items()},
        "totals": dict(sorted(totals.items())),
        "back": table.url(),
    }
    # Others' totals (non-planners) sum pledges not listed: that page is bannered at the ceiling.
    shown = [labelled(p, p.nation) for p in rows]
    return render(request, "pledges.html", ctx, labels=shown if page.planner else None)


@router.get("/pledges.csv")
def pledge_table_csv(
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    nation: Filter = None,
    status: Filter = None,
    capability: Filter = None,
    sort: Filter = None,
) -> Response:
    """Every pledge the table shows with these filters (all pages), as CSV.

    Each row carries its marking; the rows are what the user may see, nothing more.
    """
    table = _table(db, page, "/pledges", nation, status, capability, q, sort, 0)
    rows = every_row(lambda params: _list(db, page, table, params))
    record_reads(db, page.user.username, "web export csv", "pledge", rows, owner_key="nation")
    caps = requirements.capabilities(db)
    derived = pledge_namer(db, page)
    header = ["Pledge", "Name", "Nation", "Capability", "Capability name", "Units",
              "Personnel per unit", "Notice to move (days)", "Status", "Cost", "Marking",
              "Version"]
    body = [
        [p.id, p.name or derived(p.nation, p.capability), p.nation, p.capability,
         caps[p.capability].name if p.capability in caps else "", p.quantity, p.personnel,
         f"{p.notice_days:g}", p.status, f"{p.cost:.0f}",
         item_marking(p, p.nation), p.version]
        for p in rows
    ]
    return csv_download("pledges.csv", header, body)
