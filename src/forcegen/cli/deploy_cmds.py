"""``forcegen deploy``: the time-phased force list, the closure day and its proven bound."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["register"]


def _place(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return f"{v[0]:.2f},{v[1]:.2f}"
    return str(v)


def deploy(
    path: Annotated[Path, typer.Argument(help="Scenario folder or scenario.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds for the solver; the best plan found is shown")] = 60.0,
    solver: Annotated[str, typer.Option(
        "--solver", help="cp-sat (default, exact), highs (time-indexed MILP, closure only) or "
        "greedy (serial schedule baseline)")] = "cp-sat",
) -> None:
    """Schedule every movement with the lift and ports available each day: closure, lateness."""
    from forcegen.cli._common import write_json
    from forcegen.deployment import load_deployment, plan_deployment
    from forcegen.exceptions import OptionError

    if solver not in ("cp-sat", "highs", "greedy"):
        raise OptionError(f"--solver {solver!r}: expected cp-sat, highs or greedy")
    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    dep = load_deployment(path)
    if as_json:
        result = plan_deployment(dep, time_limit=time_limit, method=solver)  # type: ignore[arg-type]
        write_json(result.to_dict())
        return
    err = Console(stderr=True)
    with err.status("scheduling movements...", spinner="dots"):
        result = plan_deployment(dep, time_limit=time_limit, method=solver)  # type: ignore[arg-type]
    doc = result.to_dict()
    con = Console()
    table = Table(title=f"Time-phased force list: {escape(str(dep.source))}")
    cols = ("ULN", "unit", "origin", "POE", "POD", "destination", "mode", "lift", "avail",
            "start", "arrive", "RDD", "latest", "late")
    for c in cols:
        table.add_column(c, justify="right" if c in ("avail", "start", "arrive", "RDD", "latest",
                                                      "late") else "left", no_wrap=True)
    for r in doc["movements"]:
        lift = " ".join(f"{k}x{v}" for k, v in r["lift"].items())
        late = f"[red]{r['late']}[/]" if r["late"] else ""
        table.add_row(*(escape(str(x)) for x in (
            r["id"], r["unit"] or "", _place(r["origin"]), r["poe"] or "", r["pod"] or "",
            _place(r["destination"]), r["mode"] or "", lift, r["available"],
            "" if r["start"] is None else r["start"], "" if r["arrive"] is None else r["arrive"],
            "" if r["required"] is None else r["required"],
            "" if r["latest"] is None else r["latest"])), late)
    con.print(table)
    status = doc["status"]
    colour = {"optimal": "green", "feasible": "yellow"}.get(status, "red")
    if doc["closure"] is not None:
        when = f" ({doc['closure_date']})" if doc["closure_date"] else ""
        gap = doc["gap"] or 0.0
        con.print(f"[{colour}]{status}[/]: closure day {doc['closure']}{when}, proven lower "
                  f"bound {doc['bound']} (gap {gap:.1%}), {doc['lateness'] or 0} day(s) late in "
                  f"total; greedy baseline closes on day {doc['baseline']['closure']}",
                  highlight=False)
    else:
        con.print(f"[{colour}]{status}[/]: no plan found (proven lower bound on closure "
                  f"{doc['bound']})", highlight=False)
    for miss in doc["deadline_misses"]:
        con.print(f"[red]misses latest day[/] {escape(miss['id'])} by {miss['days']} day(s)",
                  highlight=False)
    for note in doc["notes"]:
        con.print(f"[dim]note:[/] {escape(note)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``deploy`` to the ``forcegen`` command."""
    app.command("deploy")(deploy)
