"""The map of sectors, depots and bases, and the force's ORBAT tree with APP-6 symbols."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from forcegen.sourcing.plan import Plan
from forcegen.web.charts import sector_fill
from forcegen.web.core import HTMLRoute, PageDep, render
from forcegen.web.data import latest_plan, meta, scoped_plan, sector_names
from forcegen.web.geo import MapPoint, map_svg
from forcegen.web.roads import BANDS, stored_roads
from forcegen.web.symbols import symbol_svg
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.listing import every_row
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.requirements import service as requirements
from forcegen.workspace.runs import deploy_service as deployments
from forcegen.workspace.runs import service as runs

__all__ = ["OrbatNode", "router"]

router = APIRouter(route_class=HTMLRoute)

_SECTOR_SIDC = "10031002181100000000"  # brigade-level headquarters
_FORCE_SIDC = "10031002221804000000"  # force headquarters



@router.get("/map", response_class=HTMLResponse)
def force_map(
    request: Request,
    db: SessionDep,
    page: PageDep,
    area: Literal["theatre", "europe"] = "theatre",
    run: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """Roads, sectors, depot sites and the home bases of the pledges the user may see.

    ``area=theatre`` fits the view to sectors and depots, ``europe`` to the home bases too.
    Roads come from the scenario's network, coloured by hours from the nearest depot; each
    sector shows the units a plan assigns it (run ``run``, default the latest the user may
    see, as line fill: what every reader of the plan may see).
    """
    scoped = scoped_plan(page.user, runs.get(db, page.user, run)) if run else latest_plan(
        db, page.user)
    fills = {s: (got, need) for s, got, need in sector_fill(scoped.plan)} if scoped else {}
    by_nation = _units_by_sector_and_nation(scoped.plan) if scoped else {}
    points = []
    for s in requirements.list_sectors(db):
        if s.lon is None or s.lat is None:
            continue
        got, need = fills.get(s.id, (0, 0))
        badge = f"{got}/{need} units" if need else ""
        detail = [f"sector {s.id}"]
        if badge:
            detail.append(f"{badge} filled in run {scoped.run.id if scoped else ''}")
            detail += [f"  {n}: {u} unit(s)" for n, u in sorted(by_nation.get(s.id, {}).items())]
        points.append(MapPoint("sector", s.lon, s.lat, s.name or s.id, detail, badge=badge))
    depots: list[tuple[float, float]] = []
    for d in meta(db, "depot_sites", []) or []:
        at = d.get("at")
        if isinstance(at, list) and len(at) == 2:
            points.append(MapPoint("depot", at[0], at[1], d.get("name") or d.get("id", "depot")))
            depots.append((float(at[0]), float(at[1])))
    bases: dict[tuple[float, float], list[str]] = defaultdict(list)
    visible = every_row(lambda p: pledges.list_page(db, page.user, p))
    trail = ReadTrail("web map")  # the bases name every pledge shown; the fill, its run
    trail.add_rows("pledge", visible, owner_key="nation")
    if scoped is not None:
        trail.add("sourcing_run", scoped.run.id, scoped.run)
    trail.write(db, page.user.username)
    for row in visible:
        if isinstance(row.home, list) and len(row.home) == 2:
            key = (round(float(row.home[0]), 2), round(float(row.home[1]), 2))
            bases[key].append(f"{row.nation} {row.id} {row.capability} ×{row.quantity}")
    for (lon, lat), items in bases.items():
        points.append(MapPoint("base", lon, lat, items[0].split()[0] + " base", items, len(items)))
    fit = ("sector", "depot") if area == "theatre" else ("sector", "depot", "base")
    roads = stored_roads(db, depots)
    svg, outside = map_svg(points, fit=fit, roads=roads)
    ctx = {
        "roads": roads is not None,
        "bands": BANDS,
        "plan_run": scoped.run if scoped else None,
        "svg": Markup(svg),
        "outside": outside,
        "area": area,
        "sectors": sum(p.kind == "sector" for p in points),
        "depots": sum(p.kind == "depot" for p in points),
        "bases": len(bases),
        "pledges_shown": len(visible),
    }
    # Pledges' bases and a plan's fill: the banner shows the reader's clearance (``render``).
    return render(request, "map.html", ctx)


def _units_by_sector_and_nation(plan: Plan) -> dict[str, dict[str, int]]:
    """Units each nation sends to each sector in ``plan``.

    The plan as scoped for the reader: a liaison's holds their own nation's assignments only.
    """
    sector_of = {line.requirement: line.sector for line in plan.lines}
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in plan.assignments:
        out[sector_of.get(a.requirement, "")][a.nation] += a.units
    return out


@dataclass
class OrbatNode:
    """One box in the ORBAT tree."""

    label: str
    detail: str
    symbol: Markup
    state: str = ""  # "", "short", "full"
    children: list[OrbatNode] = field(default_factory=list)


def _orbat(db: Session, page: PageDep, command: CommandDay | None = None,
           trail: ReadTrail | None = None) -> tuple[OrbatNode, bool]:
    caps = requirements.capabilities(db)
    names = sector_names(db)
    scoped = latest_plan(db, page.user)
    fills = {ln.requirement: ln.filled for ln in scoped.plan.lines} if scoped else {}
    units: dict[str, list[Any]] = defaultdict(list)
    for a in scoped.plan.assignments if scoped else []:
        units[a.requirement].append(a)
    lines = every_row(lambda p: requirements.list_page(db, page.user, p))
    if trail is not None:
        trail.add_rows("requirement", lines)
        if scoped is not None:
            trail.add("sourcing_run", scoped.run.id, scoped.run)
    by_sector: dict[str, list[Any]] = defaultdict(list)
    for r in sorted(lines, key=lambda r: (r.priority, r.id)):
        by_sector[r.sector].append(r)

    def sym(code: str, title: str) -> Markup:
        cap = caps.get(code)
        return Markup(symbol_svg(cap.symbol if cap else None, title, 54))

    root = OrbatNode(meta(db, "name", "Force"), "Force headquarters",
                     Markup(symbol_svg(_FORCE_SIDC, "Force HQ", 64)))
    for sector, reqs in by_sector.items():
        need = sum(r.quantity for r in reqs)
        got = sum(fills.get(r.id, 0) for r in reqs)
        detail = f"{len(reqs)} lines" + (f" · {got}/{need} units filled" if scoped else "")
        node = OrbatNode(names.get(sector, sector), detail,
                         Markup(symbol_svg(_SECTOR_SIDC, sector, 60)))
        for r in reqs:
            cap = caps.get(r.capability)
            filled = fills.get(r.id)
            state = "" if filled is None else "full" if filled >= r.quantity else "short"
            text = f"{r.id} · {cap.name if cap else r.capability} · P{r.priority}"
            status = f"{r.quantity} needed" if filled is None else f"{filled}/{r.quantity} filled"
            line = OrbatNode(r.name or text, f"{text} · {status}", sym(r.capability, r.capability),
                             state)
            for a in units.get(r.id, []):
                where = command.of(a.pledge, sector) if command else None
                line.children.append(OrbatNode(
                    f"{a.nation} {a.pledge}",
                    f"{a.units} unit(s) · {a.personnel:,} personnel"
                    + (f" · {where['text']}" if where else ""),
                    sym(r.capability, f"{a.nation} {r.capability}"),
                    f"cmd-{where['where']}" if where else "",
                ))
            node.children.append(line)
        root.children.append(node)
    return root, scoped is not None


@dataclass
class CommandDay:
    """Who commands each unit line of the latest deployment plan on one day."""

    day: int
    closure: int
    date: str | None
    run_id: int
    by_line: dict[str, dict[str, Any]]
    rows: list[dict[str, Any]]
    counts: dict[str, int]

    def of(self, pledge: str, sector: str) -> dict[str, Any] | None:
        """The command on that day of the (first) line moving ``pledge`` to ``sector``."""
        for r in self.rows:
            if r.get("unit") == pledge and r.get("sector") == sector and r["id"] in self.by_line:
                return self.by_line[r["id"]]
        return None


def _command_day(db: Session, page: PageDep, day: int | None,
                 trail: ReadTrail | None = None) -> CommandDay | None:
    """The chain of command on ``day`` (default: closure) from the newest deployment plan."""
    import datetime as dt

    from forcegen.deployment.command import CommandRule, command_on_day

    found = deployments.latest_done(db, page.user)
    if found is None or found[1].get("closure") is None:
        return None
    run, doc = found
    if trail is not None:
        trail.add("deployment_run", run.id, run)
    closure = int(doc["closure"])
    when = closure if day is None else min(day, closure)
    rules = [CommandRule.model_validate(r) for r in doc.get("command") or []]
    by_line = command_on_day(doc["movements"], rules, when)
    counts: dict[str, int] = defaultdict(int)
    for v in by_line.values():
        counts[v["relationship"] if v["where"] == "theatre" else v["where"]] += 1
    date = None
    if doc.get("closure_date"):
        c_day = dt.date.fromisoformat(doc["closure_date"]) - dt.timedelta(days=closure)
        date = (c_day + dt.timedelta(days=when)).isoformat()
    return CommandDay(when, closure, date, run.id, by_line, doc["movements"], dict(counts))


@router.get("/orbat", response_class=HTMLResponse)
def orbat(
    request: Request, db: SessionDep, page: PageDep,
    day: Annotated[int | None, Query(ge=0, le=100_000)] = None,
) -> HTMLResponse:
    """Force HQ → sectors → requirement lines → assigned national units (latest plan).

    With a deployment plan, each unit shows who commands it on ``day`` (default: the day the
    force closes): national command at home or in transit, then the relationship transferred
    to its sector's commander on arrival (OPCON unless the scenario's ``command`` says TACON
    or national command retained).
    """
    trail = ReadTrail("web orbat")
    command = _command_day(db, page, day, trail)
    root, planned = _orbat(db, page, command, trail)
    trail.write(db, page.user.username)
    return render(request, "orbat.html", {"root": root, "planned": planned, "command": command})
