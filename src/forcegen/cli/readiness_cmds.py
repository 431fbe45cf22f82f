"""``forcegen respond``: how soon each sector can be reinforced with the sourced forces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from forcegen.cli._common import JsonFlag, ScenarioPath, out_console
from forcegen.exceptions import OptionError

if TYPE_CHECKING:
    from forcegen.readiness.response import ResponseResult

__all__ = ["register"]


def _fmt(h: float | None) -> str:
    if h is None:
        return "-"
    return f"{h:,.1f} h ({h / 24:.1f} d)"


def _prepositioned(items: list[str]) -> dict[str, str]:
    """The ``--prepositioned PLEDGE=DEPOT`` items as pledge -> depot."""
    pre: dict[str, str] = {}
    for item in items:
        pid, sep, did = item.partition("=")
        if not sep or not pid or not did:
            raise OptionError(f"--prepositioned {item!r}: expected PLEDGE=DEPOT")
        pre[pid.strip()] = did.strip()
    return pre


def _print_response(name: str, result: ResponseResult, files: dict[str, str]) -> None:
    """The response table, how units moved, what is unreachable, notes and files written."""
    con = out_console()
    table = Table(title=f"Response times: {name}")
    for col in ("sector", "units", "personnel", "first arrival", "full package", "unreachable"):
        table.add_column(col, justify="left" if col == "sector" else "right", no_wrap=True)
    for s in result.sectors:
        table.add_row(s.sector, str(s.units), f"{s.personnel:,}", _fmt(s.first_hours),
                      _fmt(s.full_hours) if s.full_hours is not None or not s.units
                      else "[red]incomplete[/]", str(s.units_unreachable or ""))
    con.print(table)
    modes: dict[str, int] = {}
    for a in result.arrivals:
        how = "pre-positioned" if a.via.startswith("depot:") else f"by {a.via}"
        modes[how] = modes.get(how, 0) + a.units
    con.print("Units moved " + ", ".join(f"{k}: {v}" for k, v in sorted(modes.items())),
              highlight=False)
    for u in result.unreachable:
        con.print(f"[yellow]unreachable[/] {u.kind} {u.item}"
                  + (f" -> {u.sector}" if u.sector else "") + f": {u.reason}", highlight=False)
    for n in result.notes:
        con.print(f"[dim]note:[/] {n}", highlight=False)
    for k, v in files.items():
        con.print(f"{k} written to {v}")



def respond(
    path: ScenarioPath,
    as_json: JsonFlag = False,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Write a chart of forces available over time (.svg or .png)")] = None,
    map_out: Annotated[Path | None, typer.Option(
        "--map", help="Write a map of sectors, depots, routes and time bands (.svg or .png)")
    ] = None,
    include: Annotated[list[str] | None, typer.Option(
        "--include", help="Also use pledges of this status: provisional, offered (comma list)")
    ] = None,
    prepositioned: Annotated[list[str] | None, typer.Option(
        "--prepositioned", help="PLEDGE=DEPOT: that pledge's heavy equipment waits at DEPOT "
        "(repeatable)")] = None,
    draw_hours: Annotated[float, typer.Option(
        "--draw-hours", help="Hours to draw pre-positioned equipment at a depot")] = 12.0,
) -> None:
    """Hours until the first and the full package of sourced forces can be in each sector."""
    from forcegen.cli._common import build_options
    from forcegen.readiness.response import analyze_response
    from forcegen.scenario import load_scenario
    from forcegen.sourcing import solve

    for out in (chart, map_out):
        if out is not None and out.suffix.lower() not in (".svg", ".png"):
            raise OptionError(f"{out}: expected a .svg or .png file name")
    pre = _prepositioned(prepositioned or [])
    scenario = load_scenario(path)
    options = build_options(scenario, include=include)
    err = Console(stderr=True)
    with err.status("sourcing the force...", spinner="dots"):
        plan = solve(scenario, options)
    with err.status("computing travel times...", spinner="dots"):
        result = analyze_response(
            scenario, [(a.pledge, a.requirement, a.units) for a in plan.assignments],
            prepositioned=pre, draw_hours=draw_hours)
    files: dict[str, str] = {}
    if chart is not None:
        from forcegen.report.maps import plot_forces_over_time

        files["chart"] = str(plot_forces_over_time(result, chart))
    if map_out is not None:
        from forcegen.report.maps import plot_response_map

        files["map"] = str(plot_response_map(
            result, map_out, names={s.id: s.name or s.id for s in scenario.sectors}))
    if as_json:
        doc = {"scenario": scenario.name, "sourcing_status": plan.status, **result.to_dict(),
               "files": files}
        typer.echo(json.dumps(doc, indent=2))
        return
    _print_response(scenario.name, result, files)

def register(app: typer.Typer) -> None:
    """Add ``respond`` to the ``forcegen`` command."""
    app.command("respond")(respond)
