"""``forcegen deploy``: the time-phased force list, the closure day and its proven bound."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from forcegen.cli._clock import finish, started
from forcegen.exceptions import OptionError

__all__ = ["register"]

#: Share of the time limit kept back for writing the plan (JSON, lists, charts), at most
#: MAX_RESERVE seconds: the limit is the user's wall clock for the whole call.
RESERVE = 0.03
MAX_RESERVE = 2.0
#: Least time a solve is given once start-up and reading have spent the limit: enough for
#: the starting plan and its bounds (the solver returns it when its time is gone).
MIN_SOLVE = 0.1


def _left(deadline: float, share: float, began: float, notes: list[str]) -> float:
    """Seconds a solve may take: ``share`` of what is left before ``deadline``.

    When nothing is left, the least time and a note saying where the limit went.
    """
    left = share * (deadline - time.monotonic())
    if left < MIN_SOLVE and not notes:
        notes.append(f"the time limit was spent before scheduling ({time.monotonic() - began:.1f}"
                     " s of start-up and reading): the starting plan is shown")
    return max(MIN_SOLVE, left)


def _place(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return f"{v[0]:.2f},{v[1]:.2f}"
    return str(v)


def _write_csv(rows: list[dict[str, Any]], out: Path) -> None:
    """Write atomically (a temporary file renamed into place): never a half-written list."""
    from forcegen.deployment.tables import tpfdd_csv_text

    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(tpfdd_csv_text(rows), encoding="utf-8", newline="")
    tmp.replace(out)


def _write_files(result: Any, doc: dict[str, Any], csv_out: Path | None,
                 xlsx_out: Path | None) -> None:
    """The CSV list and the workbook asked for (each written atomically)."""
    if csv_out is not None:
        _write_csv(doc["movements"], csv_out)
    if xlsx_out is not None:
        from forcegen.deployment.workbook import write_deployment_xlsx

        write_deployment_xlsx(result, xlsx_out, doc)


def _check_options(solver: str, time_limit: float, csv_out: Path | None,
                   charts: Path | None, xlsx_out: Path | None) -> None:
    """Refuse an unknown solver, a non-positive time limit or an unusable output path."""
    if solver not in ("cp-sat", "highs", "greedy"):
        raise OptionError(f"--solver {solver!r}: expected cp-sat, highs or greedy")
    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    if csv_out is not None and csv_out.suffix.lower() != ".csv":
        raise OptionError(f"--csv {csv_out}: expected a .csv file name")
    if csv_out is not None and not csv_out.parent.is_dir():
        raise OptionError(f"--csv {csv_out}: folder {csv_out.parent} does not exist")
    if xlsx_out is not None and xlsx_out.suffix.lower() != ".xlsx":
        raise OptionError(f"--xlsx {xlsx_out}: expected a .xlsx file name")
    if xlsx_out is not None and not xlsx_out.parent.is_dir():
        raise OptionError(f"--xlsx {xlsx_out}: folder {xlsx_out.parent} does not exist")
    if charts is not None and ((charts.exists() and not charts.is_dir())
                               or not charts.parent.is_dir()):
        raise OptionError(f"--charts {charts}: expected a folder (its parent must exist)")


def _lift_changes(items: tuple[str, ...]) -> dict[str, int]:
    """The ``--lift LIFT=N`` items as lift type -> daily capacity."""
    changes: dict[str, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            changes[key.strip()] = int(value)
        except ValueError:
            raise OptionError(f"--lift {item!r}: expected LIFT=N with N a whole number") from None
        if not sep:
            raise OptionError(f"--lift {item!r}: expected LIFT=N")
    return changes


def _movement_table(doc: dict[str, Any], source: Any) -> Table:
    """The time-phased force list as a table, without the columns nobody filled in."""
    table = Table(title=f"Time-phased force list: {escape(str(source))}")
    cols = ("ULN", "unit", "origin", "POE", "POD", "destination", "mode", "lift", "avail",
            "start", "arrive", "RDD", "latest", "late")
    rows = []
    for r in doc["movements"]:
        lift_text = " ".join(f"{v} {k}" for k, v in r["lift"].items())
        rows.append(["" if x is None else escape(str(x)) for x in (
            r["id"], r["unit"], _place(r["origin"]), r["poe"], r["pod"],
            _place(r["destination"]), r["mode"], lift_text, r["available"], r["start"], r["arrive"],
            r["required"], r["latest"])] + [f"[red]{r['late']}[/]" if r["late"] else ""])
    # Columns nobody filled in (e.g. no ports given) only take width from the rest.
    keep = [k for k, c in enumerate(cols)
            if c in ("ULN", "start", "arrive") or any(row[k] for row in rows)]
    numeric = {"avail", "start", "arrive", "RDD", "latest", "late"}
    for k in keep:
        table.add_column(cols[k], justify="right" if cols[k] in numeric else "left",
                         no_wrap=cols[k] in numeric or cols[k] == "ULN")
    for row in rows:
        table.add_row(*(row[k] for k in keep))
    return table


def _print_closure(con: Console, doc: dict[str, Any]) -> None:
    """The status, the closure day and its proven bound, and the critical chain behind it."""
    from forcegen.report.words import details_line, status_words

    status = doc["status"]
    colour = {"optimal": "green", "feasible": "yellow"}.get(status, "red")
    if doc["closure"] is not None:
        when = f" ({doc['closure_date']})" if doc["closure_date"] else ""
        gap = doc["gap"] or 0.0
        proof = ("no plan closes earlier" if doc["closure"] == doc["bound"]
                 else f"no plan closes before day {doc['bound']}")
        con.print(f"[{colour}]{status_words(status)}[/]: closure day {doc['closure']}{when} "
                  f"({proof}), {doc['lateness'] or 0} day(s) late in total; greedy baseline "
                  f"closes on day {doc['baseline']['closure']}", highlight=False)
        con.print(details_line({"status": status, "relative gap": f"{gap:.1%}"}),
                  highlight=False)
    else:
        con.print(f"[{colour}]{status_words(status)}[/]: no plan found (no plan closes "
                  f"before day {doc['bound']})", highlight=False)
    chain = doc["critical_chain"]
    if chain:
        steps = []
        for link in chain:
            why = (f"after {link['waits_for']}" if "waits_for" in link else
                   f"{link['binding']} full on day {link['day']} (behind {link['behind']})"
                   if "binding" in link else link.get("reason", ""))
            steps.append(f"{link['id']} (day {link['start']}-{link['arrive']}: {why})")
        con.print("why closure is day " + str(doc["closure"]) + ": " + escape(" <- ".join(steps)),
                  highlight=False)
    for key, label in (("closure_by_sector", "sector"), ("closure_by_priority", "priority")):
        if doc[key]:
            con.print(f"closure by {label}: " + escape(", ".join(
                f"{k} day {v}" for k, v in doc[key].items())), highlight=False)


def _print_lateness(con: Console, doc: dict[str, Any]) -> None:
    """Late lines by reason (the five latest with their fix) and missed latest days."""
    if doc["late"]:
        counts: dict[str, int] = {}
        for x in doc["late"]:
            counts[x["reason"]] = counts.get(x["reason"], 0) + 1
        con.print(f"[red]{len(doc['late'])} line(s) late[/]: " + ", ".join(
            f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])),
            highlight=False)
        for x in sorted(doc["late"], key=lambda x: (-x["days"], x["id"]))[:5]:
            con.print(f"  {escape(x['id'])} {x['days']} day(s) late ({x['reason']}): "
                      f"{escape(x['fix'])}", highlight=False)
    for miss in doc["deadline_misses"]:
        con.print(f"[red]misses latest day[/] {escape(miss['id'])} by {miss['days']} day(s)",
                  highlight=False)


def _print_plan(doc: dict[str, Any], source: Any, csv_out: Path | None,
                xlsx_out: Path | None) -> None:
    """Everything ``deploy`` shows without ``--json``, from the plan's document."""
    con = Console()
    con.print(_movement_table(doc, source))
    _print_closure(con, doc)
    _print_lateness(con, doc)
    if "what_if" in doc:
        w, dl = doc["what_if"], doc["what_if"]["delta"]
        moved = ", ".join(f"{k} {v:+d}" for k, v in dl["closure_by_sector"].items() if v)
        con.print(f"what-if ({escape('; '.join(w['changes']))}) against the base plan: closure "
                  f"day {w['base']['closure']} -> {doc['closure']} ({dl['closure']:+d}), "
                  f"{w['base']['lateness']} -> {doc['lateness']} day(s) late"
                  + (f"; by sector: {escape(moved)}" if moved else ""), highlight=False)
    for note in doc["notes"]:
        con.print(f"[dim]note:[/] {escape(note)}", highlight=False)
    for c in doc.get("charts", []):
        con.print(f"chart written to {escape(c)}", highlight=False)
    if csv_out is not None:
        con.print(f"time-phased force list written to {escape(str(csv_out))}", highlight=False)
    if xlsx_out is not None:
        con.print(f"deployment workbook written to {escape(str(xlsx_out))}", highlight=False)


def deploy(
    path: Annotated[Path, typer.Argument(help="Scenario folder or scenario.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds for the solver; the best plan found is shown")] = 60.0,
    solver: Annotated[str, typer.Option(
        "--solver", help="cp-sat (default, exact), highs (time-indexed MILP, closure only) or "
        "greedy (serial schedule baseline)")] = "cp-sat",
    lift: Annotated[list[str] | None, typer.Option(
        "--lift", help="What-if: LIFT=N sets that lift type's daily capacity (repeatable, or "
        "comma-separated)")] = None,
    csv_out: Annotated[Path | None, typer.Option(
        "--csv", help="Also write the time-phased force list as CSV (TPFDD columns)")] = None,
    xlsx_out: Annotated[Path | None, typer.Option(
        "--xlsx", help="Also write the deployment workbook (summary, unit lines, closure by "
        "sector and priority, closure curve chart, lift and port use by day)")] = None,
    without: Annotated[list[str] | None, typer.Option(
        "--without", help="What-if: PORT lost (derived lines re-routed; repeatable)")] = None,
    withdraw: Annotated[list[str] | None, typer.Option(
        "--withdraw", help="What-if: NATION withdrawn (re-sourced, then re-deployed)")] = None,
    prepositioned: Annotated[list[str] | None, typer.Option(
        "--prepositioned", help="What-if: capability codes or pledge ids whose heavy "
        "equipment is prepositioned: only their personnel move")] = None,
    charts: Annotated[Path | None, typer.Option(
        "--charts", help="Also draw gantt.png, closure.png and lift.png in this folder")] = None,
    c_day_shift: Annotated[int, typer.Option(
        "--c-day-shift", help="What-if: C-day N days later (earlier if negative), units "
        "ready on the same dates")] = 0,
) -> None:
    """Schedule every movement with the lift and ports available each day: closure, lateness."""
    from forcegen.cli._common import nation_codes, split_codes, write_json
    from forcegen.deployment import load_deployment, plan_deployment, with_lift
    from forcegen.deployment.whatif import compare, shift_c_day

    _check_options(solver, time_limit, csv_out, charts, xlsx_out)
    changes = _lift_changes(split_codes(lift))
    lost, gone, pre = split_codes(without), nation_codes(withdraw), split_codes(prepositioned)
    what_if = [f"--{k} {v}" for k, v in (("without", ",".join(lost)), ("withdraw", ",".join(gone)),
                                          ("prepositioned", ",".join(pre)),
                                          ("c-day-shift", c_day_shift or ""),
                                          ("lift", ",".join(f"{k}={n}" for k, n in
                                                            changes.items()))) if v]

    # The limit counts from the process start (start-up and reading under load took up to 4 s
    # of PSPLIB j60's 60: forcegen.cli._clock), less what writing the plan needs.
    began = started()
    deadline = began + time_limit - min(MAX_RESERVE, RESERVE * time_limit)
    spent: list[str] = []  # a note when start-up and reading used the whole limit

    def run(quiet: bool) -> tuple[Any, dict[str, Any]]:
        dep = load_deployment(path, withdraw=gone, without=lost, prepositioned=pre)
        if changes:
            dep = with_lift(dep, changes)
        dep = shift_c_day(dep, c_day_shift)
        # The base plan first, with half of what is left: the what-if starts from it when it
        # still fits (a lift type added, C-day moved), which spares the heuristics' time.
        base = None
        if what_if:
            base = plan_deployment(load_deployment(path), method=solver,  # type: ignore[arg-type]
                                   time_limit=_left(deadline, 0.5, began, spent))
        limit = _left(deadline, 1.0, began, spent)
        result = plan_deployment(dep, time_limit=limit, method=solver,  # type: ignore[arg-type]
                                 warm=base)
        result.plan.notes.extend(spent)
        doc = result.to_dict()
        if charts is not None:
            from forcegen.deployment.charts import write_charts

            doc["charts"] = [str(c) for c in write_charts(result, charts)]
        if base is not None:
            doc["what_if"] = compare(base, result, what_if)
        return result, doc

    if as_json:
        # Native output (the HiGHS banner) never reaches stdout: every command runs under
        # cli._stdout.stdout_reserved.
        result, doc = run(True)
        _write_files(result, doc, csv_out, xlsx_out)
        write_json(doc)
        finish()  # every file is written: no teardown of the solver stack (cli._clock)
        return
    err = Console(stderr=True)
    with err.status("scheduling movements...", spinner="dots"):
        result, doc = run(False)
    _write_files(result, doc, csv_out, xlsx_out)
    _print_plan(doc, result.deployment.source, csv_out, xlsx_out)
    finish()


def register(app: typer.Typer) -> None:
    """Add ``deploy`` to the ``forcegen`` command."""
    app.command("deploy")(deploy)
