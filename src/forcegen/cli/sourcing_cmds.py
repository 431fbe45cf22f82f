"""``forcegen source`` (with what-if switches) and ``forcegen compare``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forcegen.cli._common import (
    JsonFlag,
    ScenarioPath,
    build_options,
    out_console,
    progress_reporter,
    with_flag_hints,
    write_json,
)
from forcegen.exceptions import InputError, OptionError

__all__ = ["register"]

_List = list[str] | None


def source(
    path: ScenarioPath,
    include: Annotated[_List, typer.Option(
        help="Also use pledges of this status: provisional, offered (comma list)")] = None,
    withdraw: Annotated[_List, typer.Option(
        help="What-if: these nations withdraw (comma list of ISO codes)")] = None,
    lift_caveats: Annotated[_List, typer.Option(
        "--lift-caveats", help="What-if: ignore these nations' caveats")] = None,
    ceiling: Annotated[_List, typer.Option(
        help="What-if: NATION=PERSONNEL (or NATION=none) sets a national ceiling")] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Seconds; the best plan found so far is returned with its gap")
    ] = None,
    gap: Annotated[float | None, typer.Option(
        help="Relative optimality gap for the cost stage (default 1e-4)")] = None,
    method: Annotated[str, typer.Option(
        help="auto | exact | decompose | greedy")] = "auto",
    as_json: JsonFlag = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also save the plan as JSON (for forcegen compare)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the plan to a workbook")
                    ] = None,
    charts: Annotated[Path | None, typer.Option(
        "--charts", help="Folder for charts (fill by category, burden sharing)")] = None,
    chart_format: Annotated[str, typer.Option("--chart-format", help="svg or png")] = "svg",
) -> None:
    """Source the force: the best plan, every shortfall with its reasons, burden sharing."""
    # Workbook and chart writers are imported only when asked for: openpyxl and matplotlib
    # take about half a second to import, more than sourcing the example does.
    from forcegen.scenario import load_scenario
    from forcegen.sourcing import Sourcer
    from forcegen.sourcing.progress import ProgressEvent, Stage

    if chart_format not in ("svg", "png"):
        raise OptionError(f"--chart-format {chart_format!r}: expected svg or png")
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise OptionError(f"--xlsx {xlsx}: expected a file name ending in .xlsx")
    with progress_reporter(not as_json) as report:
        report(ProgressEvent(Stage.READ, 0.0, str(path)))
        scenario = load_scenario(path)
        options = build_options(
            scenario, include=include, withdraw=withdraw, lift_caveats=lift_caveats,
            ceiling=ceiling, time_limit=time_limit, gap=gap, method=method,
        )
        plan = Sourcer(scenario, progress=report).solve(options)
    doc = plan.to_dict()
    if out is not None:
        write_json(doc, out)
    if xlsx is not None:
        from forcegen.report.plan_xlsx import write_plan_xlsx
        from forcegen.scenario.names import scenario_names

        write_plan_xlsx(plan, xlsx, names=scenario_names(scenario))
    written = []
    if charts is not None:
        from forcegen.report.sourcing_charts import write_plan_charts

        written = write_plan_charts(plan, charts, chart_format)
    if as_json:
        write_json(doc)
        return
    from forcegen.report.sourcing_tables import print_plan

    console = out_console()
    print_plan(with_flag_hints(plan), console)
    for p in [*(x for x in (out, xlsx) if x is not None), *written]:
        console.print(f"[dim]wrote {p}[/]")


def _read_plan(path: Path) -> object:
    from forcegen.sourcing import Plan

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Plan.from_dict(doc)
    except FileNotFoundError:
        raise OptionError(f"{path}: no such plan file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path}: not a forcegen plan (from `forcegen source --json` or --out): {exc}"
        ) from None


def compare(
    plan_a: Annotated[Path, typer.Argument(help="Plan JSON (forcegen source --out/--json)")],
    plan_b: Annotated[Path, typer.Argument(help="Plan JSON to compare against the first")],
    as_json: JsonFlag = False,
) -> None:
    """Lines gained and lost from PLAN_A to PLAN_B, and each nation's change in share."""
    from forcegen.report.sourcing_tables import print_comparison
    from forcegen.sourcing import Plan, compare_plans

    a, b = _read_plan(plan_a), _read_plan(plan_b)
    assert isinstance(a, Plan) and isinstance(b, Plan)
    diff = compare_plans(a, b)
    if as_json:
        write_json(diff.to_dict())
        return
    print_comparison(diff, out_console())


def criticality(
    path: ScenarioPath,
    include: Annotated[_List, typer.Option(
        help="Also use pledges of this status: provisional, offered (comma list)")] = None,
    nations: Annotated[_List, typer.Option(
        help="Only these nations (comma list); default every contributing nation")] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Seconds per re-solve")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Whose withdrawal would hurt most: re-solve with each nation withdrawn in turn."""
    from rich.table import Table

    from forcegen.cli._common import nation_codes
    from forcegen.scenario import load_scenario
    from forcegen.sourcing import Sourcer
    from forcegen.sourcing.criticality import nation_criticality
    from forcegen.sourcing.progress import ProgressEvent, Stage

    with progress_reporter(not as_json) as report:
        report(ProgressEvent(Stage.READ, 0.0, str(path)))
        scenario = load_scenario(path)
        options = build_options(scenario, include=include, time_limit=time_limit)
        chosen = nation_codes(nations) or None
        if chosen:
            build_options(scenario, withdraw=list(chosen))  # checks the codes
        base, impacts = nation_criticality(Sourcer(scenario), options, nations=chosen,
                                           progress=report)
    if as_json:
        write_json({"base": {"fill": base.fill, "required": base.required,
                             "status": base.status},
                    "nations": [i.to_dict() for i in impacts]})
        return
    console = out_console()
    console.print(f"Base plan: fill {base.fill} of {base.required} units ({base.status_text}).")
    t = Table(title="If this nation withdrew", title_justify="left")
    for col in ("Nation", "Its units", "Fill lost", "by priority", "Lines newly short",
                "Short only by a tie"):
        t.add_column(col, justify="right" if col in ("Its units", "Fill lost") else "left")
    for i in impacts:
        by = ", ".join(f"P{k}: -{v}" for k, v in i.fill_lost_by_priority.items()) or "-"
        lines = _first(i.lines_newly_short)
        # A line short only in this plan, but filled by another equally good one, is not harm.
        tied = _first(i.lines_short_by_tie)
        style = "red" if i.fill_lost_by_priority.get(1) else ""
        t.add_row(f"[{style}]{i.nation}[/]" if style else i.nation, str(i.units_contributed),
                  str(i.fill_lost), by, lines or "-", tied or "-")
    console.print(t)


def _first(ids: list[str], n: int = 8) -> str:
    return ", ".join(ids[:n]) + (" …" if len(ids) > n else "")


def register(app: typer.Typer) -> None:
    """Add ``source``, ``compare`` and ``criticality`` to the ``forcegen`` command."""
    app.command()(source)
    app.command()(compare)
    app.command()(criticality)
