"""``forcegen patrol``: which vessel patrols which areas, in what order (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from forcegen.cli._clock import finish, started
from forcegen.cli._common import flags_for, split_codes
from forcegen.exceptions import OptionError

__all__ = ["register"]


def patrol(
    path: Annotated[Path, typer.Argument(
        help="Patrol file (.yaml) or a folder holding patrol.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Most seconds for the whole call (start-up, reading, the search "
        "and the bound by CP-SAT; each further --search-rounds round gets as many); the "
        "search stops sooner when it stops improving, CP-SAT when it proves the routes best")
    ] = 60.0,
    method: Annotated[str, typer.Option(
        "--method", help="auto (search, then CP-SAT) | heuristic | exact | greedy")] = "auto",
    withdraw: Annotated[list[str] | None, typer.Option(
        "--withdraw-vessel", help="What-if: this vessel is withdrawn (repeatable)")] = None,
    close_port: Annotated[list[str] | None, typer.Option(
        "--close-port", help="What-if: this port closes; vessels based there stay out")] = None,
    drop_unreachable: Annotated[bool, typer.Option(
        "--drop-unreachable", help="Plan without areas no vessel can reach and return from "
        "(they are listed) instead of stopping with an error")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the search")] = 0,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="Draw the routes on a coastline map (.png or .svg; offline)")] = None,
    search_rounds: Annotated[int, typer.Option(
        "--search-rounds", help="With a search: plan this many patrols, each assuming the ones "
        "before found nothing (Bayesian update)")] = 1,
    xlsx: Annotated[Path | None, typer.Option(
        "--xlsx", help="Write the plan to a workbook (summary, routes, areas, vessels)")] = None,
) -> None:
    """Plan patrols that cover the most value with the vessels available."""
    from forcegen.patrols import load_patrol

    began = started()  # the limit covers start-up and reading too (forcegen.cli._clock)
    _check_options(method, time_limit, search_rounds, map_file, xlsx)
    with flags_for(drop_unreachable="--drop-unreachable"):
        prob = load_patrol(path, withdraw=split_codes(withdraw),
                           close_ports=split_codes(close_port), drop_unreachable=drop_unreachable)
    from forcegen.patrols.rounds import plan_search_rounds

    def solve() -> list:
        return plan_search_rounds(prob, search_rounds, time_limit=time_limit, method=method,
                                  seed=seed, started=began)

    def draw(plans: list) -> None:
        if map_file is not None:  # first: it refuses a patrol without coordinates
            from forcegen.patrols.chart import plot_patrol_map

            with flags_for(path="--map"):
                plot_patrol_map(plans[0], map_file)
        if xlsx is not None:  # the first round's plan, like the map
            from forcegen.patrols.workbook import write_patrol_xlsx

            write_patrol_xlsx(plans[0], xlsx)

    if as_json:
        plans = solve()
        draw(plans)
        docs = [p.to_dict() for p in plans]
        head = docs[0] if len(docs) == 1 else {**docs[0], "next_rounds": docs[1:]}
        typer.echo(json.dumps(head, indent=2))
        finish()  # within the limit: no teardown of the solver stack (forcegen.cli._clock)
        return
    with Console(stderr=True).status("planning patrols...", spinner="dots"):
        plans = solve()
    draw(plans)
    for p in plans:
        _print(p.to_dict())
    for label, written in (("map", map_file), ("workbook", xlsx)):
        if written is not None:
            Console(stderr=True).print(f"{label} written to {written}", highlight=False)
    finish()


def _check_options(method: str, time_limit: float, search_rounds: int, map_file: Path | None,
                   xlsx: Path | None) -> None:
    """Refuse bad options before reading or solving anything (exit 2, nothing written)."""
    from forcegen.patrols.solve import METHODS

    if method not in METHODS:
        raise OptionError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    if not 1 <= search_rounds <= 50:
        raise OptionError(f"--search-rounds {search_rounds}: expected 1 to 50")
    if map_file is not None and map_file.suffix.lower() not in (".png", ".svg"):
        raise OptionError(f"--map {map_file}: a map is written as .png or .svg")
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise OptionError(f"--xlsx {xlsx}: expected a file name ending in .xlsx")


def _print(doc: dict) -> None:
    from forcegen.report.words import details_line, status_words

    con = Console()
    con.print(f"[bold]{doc['name']}[/]: value covered {doc['total']:g} of at most "
              f"{doc['bound']:g} ({status_words(doc['status'])}; greedy baseline "
              f"{doc['greedy_total']:g})", highlight=False)
    details = details_line({"status": doc["status"], "relative gap": f"{doc['gap']:.1%}",
                            "method": doc["method"], "seconds": f"{doc['seconds']:.1f}"})
    table = Table(title="Routes and timetable")
    for col in ("vessel", "nation", "stop", "arrive h", "depart h", "value"):
        table.add_column(col, justify="left" if col in ("vessel", "nation", "stop") else "right")
    for r in doc["routes"]:
        table.add_row(r["vessel"], r["nation"], r["start"], "", "0.0", "")
        for s in r["timetable"]:
            table.add_row("", "", s["area"], f"{s['arrive']:.1f}", f"{s['depart']:.1f}", "")
        table.add_row("", "", r["end"], f"{r['hours']:.1f}", "", f"{r['value']:g}",
                      end_section=True)
    con.print(table)
    for title, key in (("Value by nation", "value_by_nation"), ("Value by area group",
                                                                 "value_by_group")):
        t = Table(title=title)
        t.add_column(key.removeprefix("value_by_"))
        t.add_column("value", justify="right")
        for k, v in doc[key].items():
            t.add_row(k, f"{v:g}")
        con.print(t)
    if doc["unvisited"]:
        con.print(f"[yellow]not patrolled:[/] {', '.join(doc['unvisited'])}", highlight=False)
    for u in doc["unreachable"]:
        con.print(f"[yellow]unreachable[/] {u['area']}: {u['reason']}", highlight=False)
    if "search" in doc:
        sr = doc["search"]
        con.print(f"[bold]search round {sr['round']}[/]: probability of success "
                  f"{sr['probability_of_success']:.1%} (given earlier rounds failed), "
                  f"cumulative {sr['cumulative_probability_of_success']:.1%}", highlight=False)
    for n in doc["notes"]:
        con.print(f"[dim]note:[/] {n}", highlight=False)
    con.print(details, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``patrol`` to the ``forcegen`` command."""
    app.command("patrol")(patrol)
