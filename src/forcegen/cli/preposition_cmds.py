"""``forcegen preposition`` and ``forcegen robustness``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from forcegen.cli._common import JsonFlag, ScenarioPath, out_console
from forcegen.exceptions import OptionError
from forcegen.readiness._objectives import DEFAULT_OBJECTIVE, OBJECTIVES

__all__ = ["register"]

# Help text from the library's own default, so --help shows what runs.
_OBJECTIVE_HELP = (
    f"With --depots: {', '.join(OBJECTIVES)} (average = p-median, worst = p-center, coverage "
    f"= max covering with --within); default {DEFAULT_OBJECTIVE}. Without --depots the sites "
    "are chosen by capacitated siting (opening plus transport cost)"
)


def _num(v: float | None, fmt: str = ",.1f") -> str:
    return "-" if v is None else format(v, fmt)


def _print_result(out: Console, doc: dict[str, Any], name: str) -> None:
    from forcegen.report.words import details_line, status_words

    out.print(f"[bold]{name}[/]: {doc['kind']} - [bold]{status_words(doc['status'])}[/], "
              f"objective {_num(doc['objective'], ',.3f')}")
    out.print(details_line({"status": doc["status"], "relative gap": _num(doc["gap"], ".2%"),
                            "method": doc["method"], "seconds": f"{doc['seconds']:.2f}",
                            "distances": doc.get("distances")}), highlight=False)
    out.print("depots: " + (", ".join(doc["depots"]) or "-"))
    t = Table("site", "sector", "amount", "hours" if doc["kind"] != "capacitated" else "")
    hours = doc.get("hours") or {}
    for a in doc["allocation"]:
        t.add_row(a["site"], a["sector"], _num(a["amount"], ",.2f"),
                  _num(hours.get(a["sector"])) if hours else "")
    out.print(t)
    for s in doc.get("shortfalls", []):
        out.print(f"[yellow]short[/]: {s['sector']} {s['stock']} {s['missing']:,.1f} t")
    for note in doc.get("notes", []):
        out.print(f"[dim]note: {note}[/]")


def _write_map(scenario: Any, table: Any, doc: dict[str, Any], out: Path) -> None:
    import numpy as np

    from forcegen.exceptions import InputError
    from forcegen.network import TransportGraph, nearest_facility, route
    from forcegen.report.maps import plot_network_map

    def coords(items: list[Any], graph: Any, nodes: Any) -> tuple[list[float], list[float]]:
        xs, ys = [], []
        for k, it in enumerate(items):
            if it.at is not None:
                xs.append(float(it.at[0]))
                ys.append(float(it.at[1]))
            elif graph is not None and nodes is not None:
                xs.append(float(graph.lon[nodes[k]]))
                ys.append(float(graph.lat[nodes[k]]))
        return xs, ys

    g = table.graph
    sites, sectors = list(scenario.depot_sites), list(scenario.sectors)
    chosen = set(doc["depots"])
    sx, sy = coords(sectors, g, table.sector_nodes)
    cx, cy = coords([s for s in sites if s.id in chosen], g,
                    None if table.site_nodes is None else
                    [n for s, n in zip(sites, table.site_nodes, strict=True) if s.id in chosen])
    ox, oy = coords([s for s in sites if s.id not in chosen], g,
                    None if table.site_nodes is None else
                    [n for s, n in zip(sites, table.site_nodes, strict=True) if s.id not in chosen])
    pos = {s.id: (x, y) for s, x, y in zip(sectors, sx, sy, strict=False)}
    spos = {s.id: (x, y) for s, x, y in zip([s for s in sites if s.id in chosen], cx, cy,
                                             strict=False)}
    site_node = {} if table.site_nodes is None else dict(
        zip([s.id for s in sites], table.site_nodes, strict=True))
    sector_node = {} if table.sector_nodes is None else dict(
        zip([s.id for s in sectors], table.sector_nodes, strict=True))
    routes = []
    for a in doc["allocation"]:
        if a["site"] not in spos or a["sector"] not in pos:
            continue
        start, end = site_node.get(a["site"]), sector_node.get(a["sector"])
        if g is not None and start is not None and end is not None and start != end:
            try:  # along the roads the allocation uses
                r = route(g.restrict(("road", "rail", "sea")), int(start), int(end))
                routes.append((r.lon, r.lat))
                continue
            except InputError:  # no road between them: the straight line says so
                pass
        routes.append((np.array([spos[a["site"]][0], pos[a["sector"]][0]]),
                       np.array([spos[a["site"]][1], pos[a["sector"]][1]])))
    labels = [(x, y, s.name or s.id) for s, x, y in zip(sectors, sx, sy, strict=False)]
    labels += [(x, y, s.name or s.id) for s, x, y in zip(
        [s for s in sites if s.id in chosen], cx, cy, strict=False)]
    hours = None
    if g is None:
        g = TransportGraph.from_edges([], [], [], [], [], [])
    elif table.site_nodes is not None:
        nodes = [n for s, n in zip(sites, table.site_nodes, strict=True) if s.id in chosen]
        hours, _ = nearest_facility(g, nodes)
    points = {"sectors": (sx, sy, "s", "#d62728"), "chosen depots": (cx, cy, "^", "#1f77b4"),
              "other candidate sites": (ox, oy, "o", "#cccccc")}
    plot_network_map(g, out, hours=hours, points={k: v for k, v in points.items() if v[0]},
                     routes=routes, labels=labels, route_label="allocations (along the roads)",
                     title=f"{scenario.name}: pre-positioning ({doc['kind']})")


def preposition_cmd(
    path: ScenarioPath,
    depots: Annotated[int | None, typer.Option(
        "--depots", "-p", help="Number of depots to open (existing ones included)")] = None,
    objective: Annotated[str | None, typer.Option(
        "--objective", help=_OBJECTIVE_HELP, show_default=False)] = None,
    within: Annotated[float | None, typer.Option(
        "--within", help="Hours for --objective coverage")] = None,
    as_json: JsonFlag = False,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Seconds for the solver; the best plan so far and its gap after")
    ] = None,
    method: Annotated[str, typer.Option(
        "--method", help="auto, exact (HiGHS) or heuristic (greedy + interchange)")] = "auto",
    stocks: Annotated[bool, typer.Option(
        "--stocks", help="Also allocate stock types to depots under --budget")] = False,
    budget: Annotated[float | None, typer.Option(
        "--budget", help="Money for new depots and stocks (scenario currency)")] = None,
    map_out: Annotated[Path | None, typer.Option(
        "--map", help="Write a map of sectors, depots and allocation (.svg or .png)")] = None,
) -> None:
    """Choose depot sites (p-median, p-center, max covering or capacitated) and stocks."""
    from forcegen.readiness.preposition import (
        cost_table,
        preposition_scenario,
        stocks_scenario,
    )
    from forcegen.scenario import load_scenario

    if objective is not None and objective not in OBJECTIVES:
        raise OptionError(f"--objective must be one of {', '.join(OBJECTIVES)}, got "
                          f"{objective!r}")
    if stocks and budget is None:
        raise OptionError("--stocks needs --budget B")
    if budget is not None and not stocks:
        raise OptionError("--budget is used with --stocks")
    if map_out is not None and map_out.suffix.lower() not in (".svg", ".png"):
        raise OptionError(f"{map_out}: expected a .svg or .png file name")
    err = Console(stderr=True)
    scenario = load_scenario(path)
    with err.status("computing site-to-sector times...", spinner="dots"):
        table = cost_table(scenario)
    docs: list[dict[str, Any]] = []
    res = None
    if depots is not None or not stocks:
        with err.status("optimizing depot sites...", spinner="dots"):
            res = preposition_scenario(scenario, p=depots, objective=objective, within=within,
                                       time_limit=time_limit, method=method, table=table)
        docs.append(res.to_dict())
    if stocks:
        assert budget is not None
        with err.status("allocating stocks...", spinner="dots"):
            st = stocks_scenario(scenario, budget=budget, time_limit=time_limit, table=table,
                                 depots=None if res is None else res.depots)
        docs.append(st.to_dict())
    doc = docs[0] if len(docs) == 1 else {**docs[-1], "siting": docs[0]}
    if map_out is not None:
        _write_map(scenario, table, doc, map_out)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False))
    else:
        out = out_console()
        for d in docs:
            _print_result(out, d, scenario.name)
        if map_out is not None:
            out.print(f"map written to {map_out}")
    if doc["status"] in ("infeasible", "error"):
        raise typer.Exit(1)


def robustness_cmd(
    path: ScenarioPath,
    samples: Annotated[int, typer.Option("--samples", help="Random scenarios to draw")] = 10_000,
    fail_prob: Annotated[float, typer.Option(
        "--fail-prob", help="Probability that each depot is lost")] = 0.05,
    link_prob: Annotated[float, typer.Option(
        "--link-prob", help="Probability that each network link is cut")] = 0.0,
    airfield_prob: Annotated[float, typer.Option(
        "--airfield-prob", help="Probability that each airfield is closed")] = 0.0,
    scenario_names: Annotated[list[str] | None, typer.Option(
        "--scenario", help="Named loss applied in every sample (x-disruptions name, "
        "depot:ID, node:ID, link:FROM,TO); repeatable")] = None,
    depots: Annotated[int | None, typer.Option(
        "--depots", "-p", help="Site P depots first (p-median, or --robust), then test them")
    ] = None,
    robust: Annotated[bool, typer.Option(
        "--robust", help="With --depots: site them for the expected response under losses")
    ] = False,
    sites: Annotated[str | None, typer.Option(
        "--sites", help="Comma-separated depot site ids to test (default: existing, else all)")
    ] = None,
    link_patterns: Annotated[int, typer.Option(
        "--link-patterns", help="Link/airfield failure patterns to draw")] = 32,
    workers: Annotated[int, typer.Option("--workers", help="Local processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running Dask scheduler")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed")] = 0,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Seconds for siting with --depots")] = 60.0,
    as_json: JsonFlag = False,
) -> None:
    """Distribution of each sector's response time when depots, links and airfields fail."""
    from forcegen.readiness._disruptions import disruption_model
    from forcegen.readiness.preposition import cost_table, preposition_scenario
    from forcegen.readiness.robustness import robust_siting, simulate
    from forcegen.scenario import load_scenario

    if robust and depots is None:
        raise OptionError("--robust needs --depots P")
    if sites is not None and depots is not None:
        raise OptionError("give either --sites or --depots, not both")
    err = Console(stderr=True)
    scenario = load_scenario(path)
    with err.status("computing site-to-sector times...", spinner="dots"):
        table = cost_table(scenario)
    all_sites = list(scenario.depot_sites)
    extra: dict[str, Any] = {}
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
        "{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(), console=err,
        transient=True)
    with progress:
        net_task = progress.add_task("link failure patterns", total=None, visible=False)

        def on_pattern(done: int, total: int) -> None:
            progress.update(net_task, completed=done, total=total, visible=True)

        if sites is not None:
            chosen = [s.strip() for s in sites.split(",") if s.strip()]
        elif depots is not None and not robust:
            res = preposition_scenario(scenario, p=depots, time_limit=time_limit, table=table)
            chosen = res.depots
            extra["siting"] = {"status": res.status, "objective": res.objective, "gap": res.gap}
        else:
            ex = [s.id for s in all_sites if s.existing]
            chosen = ex if ex and depots is None else [s.id for s in all_sites]
        model = disruption_model(
            scenario, depots=chosen, fail_prob=fail_prob, link_prob=link_prob,
            airfield_prob=airfield_prob, named=scenario_names or (),
            link_patterns=link_patterns, seed=seed, table=table, progress=on_pattern,
        )
        if robust and depots is not None:
            existing = [s.existing for s in all_sites]
            rs = robust_siting(model, depots, seed=seed + 1, time_limit=time_limit,
                               existing=existing)
            chosen = [model.depot_ids[i] for i in rs.open_idx.tolist()]
            extra["siting"] = {"status": rs.status, "expected": rs.expected, "gap": rs.gap,
                               "columns": rs.columns, "mode": "sample-average"}
            model = disruption_model(
                scenario, depots=chosen, fail_prob=fail_prob, link_prob=link_prob,
                airfield_prob=airfield_prob, named=scenario_names or (),
                link_patterns=link_patterns, seed=seed, table=table,
            )
        task = progress.add_task("disruption scenarios", total=samples)
        result = simulate(model, samples, seed=seed, workers=workers, scheduler=scheduler,
                          progress=lambda d, t: progress.update(task, completed=d))
    doc = {**result.to_dict(), "fail_prob": fail_prob, "link_prob": link_prob,
           "airfield_prob": airfield_prob, "named": list(scenario_names or []), **extra}
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    out = out_console()
    out.print(f"[bold]{scenario.name}[/]: {samples:,} scenarios in {result.seconds:.2f} s; "
              f"depots: {', '.join(result.depots) or '-'}")
    t = Table("sector", "median h", "p90 h", "worst h", "mean h", "unserved")
    for s in doc["sectors"]:
        t.add_row(s["sector"], _num(s["median"]), _num(s["p90"]),
                  _num(s["worst"]) if s["worst"] is not None else
                  f"none ({_num(s['worst_served'])} served)", _num(s["mean"]),
                  f"{s['unserved']:.2%}")
    out.print(t)
    for note in doc["notes"]:
        out.print(f"[dim]note: {note}[/]")


def register(app: typer.Typer) -> None:
    """Add ``preposition`` and ``robustness`` to the ``forcegen`` command."""
    app.command("preposition")(preposition_cmd)
    app.command("robustness")(robustness_cmd)
