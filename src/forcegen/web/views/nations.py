"""The nations: who takes part, what each has pledged and what still awaits a political decision.

Every role sees the list of nations (reference data). Pledge counts come from
``pledges.totals``, the same disclosure rule as the pledges page: planners see every nation's
counts, a liaison or observer their own nation's and the other nations' merged (no single
foreign figure). A personnel ceiling is shown to planners and to the nation's own users
(``nations.read``). Only planners change a nation (name, groups, ceiling), as through
``PATCH /api/v1/nations/{code}``; a change based on an older version is refused with the
nation as it is now.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.web.core import HTMLRoute, Page, PageDep, render, see_other
from forcegen.web.forms import form_values
from forcegen.web.tables import TableQuery, clean
from forcegen.web.views.saving import attempt
from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.nations import service as nations
from forcegen.workspace.nations.schemas import NationRead, NationUpdate
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.pledges.totals import OTHER_NATIONS

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

Code = Annotated[str, Path(pattern=r"^[A-Z]{3}$")]
Filter = Annotated[str | None, Query(max_length=200)]
#: Pledges not yet politically approved (the glossary's "not approved").
PENDING = ("offered", "provisional")


def _counts(db: Session, page: Page) -> dict[str, dict[str, int]]:
    """Pledges per nation and status the user may know of (``OTHER_NATIONS`` merged)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for t in pledges.totals(db, page.user, ["nation", "status"]):
        out[t.nation or ""][t.status or ""] = t.pledges
    return out


def _row(nation: NationRead | None, counts: dict[str, int] | None) -> dict[str, Any]:
    """A table row: the nation (``None`` for the other nations together) and its counts."""
    row: dict[str, Any] = {"nation": nation, "counts": counts}
    if counts is not None:
        row["total"] = sum(counts.values())
        row["pending"] = sum(counts.get(s, 0) for s in PENDING)
    return row


@router.get("/nations", response_class=HTMLResponse)
def nation_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    q: Filter = None,
    group: Filter = None,
    pending: Filter = None,
) -> HTMLResponse:
    """Every nation with its pledges by status; search by code or name, filter by group."""
    shown = [nations.read(page.user, n) for n in nations.list_all(db, page.user)]
    groups = sorted({g for n in shown for g in n.groups})
    filters = {"q": clean(q), "group": clean(group, groups),
               "pending": clean(pending, ("yes",))}
    table = TableQuery("/nations", filters,
                       {"q": "Text", "group": "Group", "pending": "Decision pending"})
    counts = _counts(db, page)
    text = filters["q"].lower()
    rows = [
        _row(n, counts.get(n.code) if page.planner or n.code == page.user.nation else None)
        for n in shown
        if (not text or text in n.code.lower() or text in (n.name or "").lower())
        and (not filters["group"] or filters["group"] in n.groups)
    ]
    if filters["pending"]:
        rows = [r for r in rows if r.get("pending")]
    others = counts.get(OTHER_NATIONS)
    ctx = {
        "rows": rows,
        "total": len(rows),
        "table": table,
        "groups": groups,
        "statuses": PLEDGE_STATUSES,
        "others": _row(None, others) if others and not page.planner else None,
    }
    # Counts are derived from labelled pledges: the banner shows the reader's ceiling.
    return render(request, "nations.html", ctx)


def _values(nation: NationRead) -> dict[str, str]:
    ceiling = nation.ceiling_personnel
    return {
        "code": nation.code,
        "name": nation.name or "",
        "groups": ", ".join(nation.groups),
        "ceiling_personnel": "" if ceiling is None else str(ceiling),
        "version": str(nation.version),
    }


def _detail(request: Request, db: Session, page: Page, code: str, *,
            values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
            conflict: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    nation = nations.read(page.user, nations.get(db, page.user, code))
    own = page.planner or code == page.user.nation
    counts = _counts(db, page).get(code) if own else None
    ctx = {
        "nation": nation,
        "values": values or _values(nation),
        "errors": errors or {},
        "conflict": conflict,
        "editable": page.planner,
        "row": _row(nation, counts),
        "statuses": PLEDGE_STATUSES,
        "sees_ceiling": own,
    }
    return render(request, "nation.html", ctx, status)


@router.get("/nations/{code}", response_class=HTMLResponse)
def nation_detail(request: Request, db: SessionDep, page: PageDep, code: Code) -> HTMLResponse:
    """One nation: its groups, ceiling and pledges by status (the form for planners)."""
    return _detail(request, db, page, code)


def _payload(values: dict[str, str]) -> dict[str, Any]:
    groups = [g.strip() for g in values.get("groups", "").split(",") if g.strip()]
    ceiling = values.get("ceiling_personnel", "").strip().replace(",", "")
    return {
        "version": values.get("version") or None,
        "name": values.get("name", "").strip() or None,
        "groups": groups,
        "ceiling_personnel": ceiling or None,
    }


@router.post("/nations/{code}", response_class=HTMLResponse)
async def update_nation(request: Request, db: SessionDep, page: PageDep, code: Code) -> Response:
    """Save a nation's name, groups and ceiling (planners); a stale version answers 409."""
    require_role(page.user, *PLANNERS)
    nations.get(db, page.user, code)  # 404 before reading the form
    values = form_values(await request.form())

    def save(data: NationUpdate) -> Response:
        nations.update(db, page.user, code, data)
        return see_other(f"/nations/{code}", f"{code} saved.")

    done = attempt(NationUpdate, _payload(values), save)
    if done.response is not None:
        return done.response
    if done.current is not None:
        now = done.current
        stored = {"name": now.get("name") or "", "groups": ", ".join(now.get("groups") or []),
                  "ceiling_personnel": "" if now.get("ceiling_personnel") is None
                  else str(now["ceiling_personnel"])}
        diffs = [(k, values.get(k, ""), v) for k, v in stored.items() if values.get(k, "") != v]
        conflict = {"current": now, "diffs": diffs, "based_on": values.get("version", "")}
        return _detail(request, db, page, code, conflict=conflict, status=409)
    values["code"] = code
    return _detail(request, db, page, code, values=values, errors=done.errors, status=422)
