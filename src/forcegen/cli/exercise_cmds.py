"""``forcegen exercises``: the year of exercises, who trains where, what it certifies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["register"]


def exercises(
    path: Annotated[Path, typer.Argument(help="Scenario folder or scenario.yaml")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds for the solver; the best plan found is shown")] = 60.0,
    solver: Annotated[str, typer.Option(
        "--solver", help="cp-sat (default, exact), highs (time-indexed MILP, value only) or "
        "greedy (baseline)")] = "cp-sat",
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Also draw the Gantt chart (.png or .svg)")] = None,
    earlier: Annotated[list[str] | None, typer.Option(
        "--earlier", help="What-if: EXERCISE=YYYY-MM-DD, the exercise must end by that day; "
        "shows the requirement lines it unlocks (repeatable or comma-separated)")] = None,
    ics: Annotated[Path | None, typer.Option(
        "--ics", help="Also write the programme as an iCalendar file (.ics), one all-day event "
        "per exercise held")] = None,
    ics_nation: Annotated[list[str] | None, typer.Option(
        "--ics-nation", help="With --ics: only the exercises these nations take part in "
        "(repeatable or comma-separated)")] = None,
    xlsx: Annotated[Path | None, typer.Option(
        "--xlsx", help="Also write the programme workbook (.xlsx): summary, exercises, "
        "calendar, units")] = None,
    source: Annotated[bool, typer.Option(
        "--source", help="Then source the force with the certifications earned (lines asking "
        "`certified` use only units certified before they start)")] = False,
    roster: Annotated[bool, typer.Option(
        "--roster", help="Then plan the standing task force's standby roster (section "
        "`standby`) and source its short-notice lines from the units on standby each month")
    ] = False,
    coupled: Annotated[bool, typer.Option(
        "--coupled", help="With --roster: plan the programme and the roster together (no unit "
        "rests in an exercise after standby; the programme re-planned for the roster's short "
        "months while its value and lines hold)")] = False,
) -> None:
    """Schedule the exercise programme: weeks, areas and units; certifications earned."""
    from forcegen.cli._common import flags_for, out_console, write_json
    from forcegen.exceptions import OptionError
    from forcegen.exercises import load_programme, plan_exercises

    if solver not in ("cp-sat", "highs", "greedy"):
        raise OptionError(f"--solver {solver!r}: expected cp-sat, highs or greedy")
    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    if coupled and not roster:
        raise OptionError("--coupled: give --roster as well")
    if coupled and solver != "cp-sat":
        raise OptionError(f"--coupled with --solver {solver}: the coupling re-plans the "
                          "programme with CP-SAT's lines objective; use --solver cp-sat")
    _check_output("--chart", chart, (".png", ".svg"))
    _check_output("--ics", ics, (".ics",))
    _check_output("--xlsx", xlsx, (".xlsx",))
    prog = load_programme(path)
    nations = _ics_nations(prog, ics, ics_nation)
    deadlines = _deadlines(earlier)
    err = Console(stderr=True)
    with (err.status("scheduling exercises...", spinner="dots") if not as_json else _null(),
          flags_for(method="--solver", deadlines="--earlier")):
        together = None
        if coupled:
            from forcegen.exercises.coupling import plan_together

            together = plan_together(prog, time_limit=time_limit)
            result = together.exercises
        else:
            result = plan_exercises(prog, time_limit=time_limit,
                                    method=solver)  # type: ignore[arg-type]
        doc = result.to_dict()
        if deadlines:
            from forcegen.exercises.whatif import compare_lines, ending_by

            alt = plan_exercises(ending_by(prog, deadlines), time_limit=time_limit,
                                 method=solver)  # type: ignore[arg-type]
            doc["what_if"] = {"earlier": {k: v.isoformat() for k, v in deadlines.items()},
                              **compare_lines(doc, alt.to_dict())}
        if source:
            doc["sourcing"] = _source(result)
        if roster:
            from forcegen.cli._roster import roster_doc

            doc["roster"] = roster_doc(result, time_limit, solver,
                                       None if together is None else together.roster)
            if together is not None:
                doc["roster"]["coupling"] = together.to_dict()
    written = _write_outputs(doc, chart, (ics, nations), xlsx)
    if as_json:
        write_json(doc)
        return
    _print(doc, out_console())
    for what, where in written:
        out_console().print(f"{what} written to {escape(str(where))}", highlight=False)


def _check_output(flag: str, path: Path | None, suffixes: tuple[str, ...]) -> None:
    """An output file name with the right suffix in a folder that exists."""
    from forcegen.exceptions import OptionError

    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise OptionError(f"{flag} {path}: expected a {' or '.join(suffixes)} file name")
    if not path.parent.is_dir():
        raise OptionError(f"{flag} {path}: folder {path.parent} does not exist")


def _ics_nations(prog: Any, ics: Path | None, codes: list[str] | None) -> set[str] | None:
    """The nations whose calendar ``--ics`` writes (None: every nation)."""
    from forcegen.cli._common import split_codes
    from forcegen.exceptions import OptionError

    wanted = {c.strip().upper() for c in split_codes(codes)}
    if not wanted:
        return None
    if ics is None:
        raise OptionError("--ics-nation: give --ics FILE as well")
    known = {u.nation for u in prog.units}
    unknown = sorted(wanted - known)
    if unknown:
        raise OptionError(f"--ics-nation {', '.join(unknown)}: no unit of that nation; "
                          f"expected one of: {', '.join(sorted(known))}")
    return wanted


def _write_outputs(doc: dict[str, Any], chart: Path | None,
                   ics: tuple[Path | None, set[str] | None],
                   xlsx: Path | None) -> list[tuple[str, Path]]:
    """The chart, calendar (file, nations) and workbook asked for; what was written where."""
    written: list[tuple[str, Path]] = []
    if chart is not None:
        from forcegen.exercises.chart import plot_gantt

        written.append(("Gantt chart", plot_gantt(doc, chart)))
    if ics[0] is not None:
        from forcegen.exercises.calendar_ics import write_ics

        written.append(("iCalendar file", write_ics(doc, ics[0], nations=ics[1])))
    if xlsx is not None:
        from forcegen.exercises.workbook import write_programme_xlsx

        written.append(("Programme workbook", write_programme_xlsx(doc, xlsx)))
    return written


def _deadlines(values: list[str] | None) -> dict[str, Any]:
    import datetime as dt

    from forcegen.cli._common import split_codes
    from forcegen.exceptions import OptionError

    out = {}
    for item in split_codes(values):
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise OptionError(f"--earlier {item!r}: expected EXERCISE=YYYY-MM-DD") from None
        if not sep:
            raise OptionError(f"--earlier {item!r}: expected EXERCISE=YYYY-MM-DD")
    return out


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _source(result: Any) -> dict[str, Any]:
    """Source the certified scenario; report the lines that ask for certifications."""
    from forcegen.exercises.interop import untrained_pairs
    from forcegen.sourcing import solve

    scenario = result.certified_scenario()
    doc = solve(scenario).to_dict()
    asks = {r["requirement"] for r in result.lines()}
    pairs = result.to_dict()["trained_together"]
    return {"status": doc["status"],
            "assignments": [a for a in doc["assignments"] if a["requirement"] in asks],
            "shortfalls": [s for s in doc["shortfalls"] if s["requirement"] in asks],
            "untrained_pairs": untrained_pairs(pairs, doc["assignments"], scenario)}


def _print_tables(doc: dict[str, Any], con: Console) -> None:
    """The exercises held and each unit's timeline."""
    table = Table(title="Exercise programme")
    for col in ("exercise", "kind", "weeks", "start", "end", "area", "units", "certifies",
                "value"):
        table.add_column(col, justify="right" if col in ("weeks", "value") else "left")
    for r in doc["exercises"]:
        if not r["held"]:
            continue
        table.add_row(escape(f"{r['id']} {r['name'] or ''}"), r["kind"],
                      f"{r['start_week']}-{r['end_week'] - 1}", r["start"], r["end"],
                      escape(r["area"]), escape(", ".join(r["units"])),
                      escape(", ".join(r["certifies"])), str(r["value"]))
    con.print(table)
    units = Table(title="Unit timelines")
    for col in ("unit", "nation", "capability", "exercises (weeks)", "certified (from)"):
        units.add_column(col)
    for u in doc["units"]:
        units.add_row(escape(u["id"]), u["nation"], u["capability"],
                      escape(", ".join(f"{x['exercise']} ({x['start_week']}-"
                                       f"{x['end_week'] - 1})" for x in u["exercises"])),
                      escape(", ".join(f"{c} ({d})" for c, d in u["certified"].items())))
    con.print(units)


def _print_lines(doc: dict[str, Any], con: Console) -> None:
    """Exercises not held; each requirement line, certified in time or who fell short."""
    for m in doc["not_scheduled"]:
        con.print(f"[yellow]not held[/] {escape(m['id'])}: {escape('; '.join(m['reasons']))}",
                  highlight=False)
    for line in doc["lines"]:
        ok = line["units_certified_in_time"] >= line["quantity"]
        con.print(f"{'[green]' if ok else '[red]'}{escape(line['requirement'])}[/] needs "
                  f"{line['quantity']} {line['capability']} certified "
                  f"{escape(', '.join(line['certified']))} by {line['start'] or 'deployment'}: "
                  f"{line['units_certified_in_time']} certified in time", highlight=False)
        if not ok:
            for a in line["awarded_by"]:
                when = (f"held, certifies {', '.join(a['units'])} from {a['certified_from']}"
                        f"{'' if a['in_time'] else ' (too late)'}" if a["held"] else "not held")
                con.print(f"    {escape(a['exercise'])}: {escape(when)}", highlight=False)


def _print_sourcing(s: dict[str, Any], con: Console) -> None:
    """Sourcing with the certifications the programme gives."""
    con.print(f"sourcing with these certifications: {s['status']}", highlight=False)
    for a in s["assignments"]:
        con.print(f"  {escape(a['requirement'])} <- {a['units']} x {escape(a['pledge'])}",
                  highlight=False)
    for sh in s["shortfalls"]:
        why = "; ".join(r["message"] for r in sh["reasons"])
        con.print(f"  [red]{escape(sh['requirement'])} short {sh['missing']}[/]: "
                  f"{escape(why)}", highlight=False)


def _print(doc: dict[str, Any], con: Console) -> None:
    _print_tables(doc, con)
    colour = {"optimal": "green", "feasible": "yellow"}.get(doc["status"], "red")
    con.print(f"[{colour}]{doc['status']}[/]: value held {doc['value']} of at most "
              f"{doc['bound']} (gap {doc['gap']:.1%}; {doc['solver']}, {doc['seconds']:.1f} s); "
              f"greedy baseline {doc['baseline']['value']}", highlight=False)
    if doc["lines"]:
        most = "" if doc["lines_bound"] is None else f" (at most {doc['lines_bound']} possible)"
        con.print(f"requirement lines certified in time: {doc['lines_certified']} of "
                  f"{len(doc['lines'])}{most}", highlight=False)
    travel = doc["travel"]
    if travel["km"] is not None:
        how = ("the least possible (proven)" if travel["status"] == "optimal" else
               f"not proven the least (at least {travel['lower_bound'] or 0:,} km)"
               if travel["status"] == "feasible" else "counted, not minimised")
        con.print(f"unit travel home -> training area: {travel['km']:,} km, {how}",
                  highlight=False)
    if travel["note"]:
        con.print(f"[dim]{escape(travel['note'])}[/]", highlight=False)
    _print_lines(doc, con)
    if "sourcing" in doc:
        _print_sourcing(doc["sourcing"], con)
    if "roster" in doc:
        from forcegen.cli._roster import print_roster

        print_roster(doc["roster"], con)
    if "what_if" in doc:
        w = doc["what_if"]
        asked = ", ".join(f"{k} by {v}" for k, v in w["earlier"].items())
        con.print(f"what-if {escape(asked)}: value {w['value']} ({w['value_change']:+d}); "
                  f"lines unlocked: {', '.join(w['unlocked']) or 'none'}; lines lost: "
                  f"{', '.join(w['lost']) or 'none'}", highlight=False)
    pairs = ", ".join(f"{'-'.join(x['nations'])} ({len(x['exercises'])})"
                      for x in doc["trained_together"])
    con.print(f"trained together (exercises): {pairs or 'none'}", highlight=False)
    for gap in doc.get("sourcing", {}).get("untrained_pairs", []):
        con.print(f"[yellow]never trained together[/] but serving sector "
                  f"{escape(gap['sector'])}: {'-'.join(gap['nations'])}", highlight=False)
    for note in doc["notes"]:
        con.print(f"[dim]note:[/] {escape(note)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``exercises`` to the ``forcegen`` command."""
    app.command("exercises")(exercises)
