"""``forcegen relief``: which nation's offer fills which relief request, and when (issue 17).

``forcegen relief PATH`` matches (the ``match`` subcommand, also reached without its name);
``forcegen relief preposition PATH --hours H`` chooses where to keep relief stocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from forcegen.cli._clock import finish
from forcegen.cli._common import flags_for, split_codes, write_json
from forcegen.exceptions import OptionError

__all__ = ["register", "relief_app"]


def relief(
    path: Annotated[Path, typer.Argument(
        help="Scenario folder or scenario.yaml with a relief section")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
    close: Annotated[list[str] | None, typer.Option(
        "--close", help="What-if: this airfield or port is closed (repeatable)")] = None,
    withdraw: Annotated[list[str] | None, typer.Option(
        "--withdraw-offer", help="What-if: this offer is withdrawn, e.g. a ship committed "
        "elsewhere (repeatable)")] = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds for the matching (all stages)")] = 60.0,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Draw arrivals against needed-by hours (.png or .svg; offline)")] = None,
    csv_out: Annotated[Path | None, typer.Option(
        "--csv", help="Write the who-does-what-where table with HXL hashtags (.csv)")] = None,
    edxl_requests: Annotated[Path | None, typer.Option(
        "--edxl-requests", help="Write the requests as an EDXL-RM RequestResource (.xml)")
    ] = None,
    edxl_commits: Annotated[Path | None, typer.Option(
        "--edxl-commits", help="Write the plan's deliveries as an EDXL-RM CommitResource "
        "(.xml)")] = None,
    edxl_responses: Annotated[Path | None, typer.Option(
        "--edxl-responses", help="Write each request's answer (units accepted, units declined "
        "and why) as an EDXL-RM ResponseToRequestResource (.xml)")] = None,
    edxl_status: Annotated[Path | None, typer.Option(
        "--edxl-status", help="Write the status of every offer past offered as an EDXL-RM "
        "ReportResourceDeploymentStatus (.xml)")] = None,
) -> None:
    """Fill relief requests from nations' offers: in time first, by priority; then earliest."""
    from forcegen.relief import load_relief, plan_relief
    from forcegen.relief.whatif import compare

    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise OptionError(f"--chart {chart}: a chart is written as .png or .svg")
    exports = {"--csv": csv_out, "--edxl-requests": edxl_requests,
               "--edxl-commits": edxl_commits, "--edxl-responses": edxl_responses,
               "--edxl-status": edxl_status}
    for flag, out in exports.items():
        suffix = ".csv" if flag == "--csv" else ".xml"
        if out is not None and out.suffix.lower() != suffix:
            raise OptionError(f"{flag} {out}: expected a {suffix} file name")
    closed, withdrawn = split_codes(close), split_codes(withdraw)
    with flags_for(withdraw="--withdraw-offer"):
        prob = load_relief(path, close=closed, withdraw=withdrawn)
    plan = plan_relief(prob, time_limit=time_limit)
    doc = plan.to_dict()
    if closed or withdrawn:
        base = plan_relief(load_relief(path), time_limit=time_limit)
        doc["what_if"] = compare(base, plan)
    if chart is not None:
        from forcegen.relief.chart import plot_timeline

        with flags_for(path="--chart"):
            plot_timeline(doc, chart)
    _exports(prob, doc, exports)
    if as_json:
        write_json(doc)  # the C encoder: json's indent falls back to Python (0.4 s here)
        finish()  # every file is written: no teardown of the solver stack (cli._clock)
        return
    _print(doc)
    if chart is not None:
        Console(stderr=True).print(f"chart written to {chart}", highlight=False)


def _write(path: Path, data: bytes) -> None:
    """Write all of ``data`` or nothing: a temporary file beside ``path``, then renamed."""
    import os
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=".forcegen-", dir=path.parent or Path("."))
    except OSError as exc:
        raise OptionError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # an export to share, not a secret (mkstemp makes it 0600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _exports(prob: Any, doc: dict[str, Any], paths: dict[str, Path | None]) -> None:
    """Write each export asked for (by its flag), all from the same plan and sending time."""
    import datetime as dt

    from forcegen.relief.edxl_status import deployment_status, response_to_request
    from forcegen.relief.exchange import commit_resource, request_resource, who_what_where

    sent = dt.datetime.now(dt.UTC).replace(microsecond=0)
    writers = {
        "--csv": lambda: who_what_where(prob.data, doc, prob.item_names).encode("utf-8"),
        "--edxl-requests": lambda: request_resource(prob.data, sent=sent),
        "--edxl-commits": lambda: commit_resource(prob.data, doc, sent=sent),
        "--edxl-responses": lambda: response_to_request(prob.data, doc, sent=sent),
        "--edxl-status": lambda: deployment_status(prob.data, sent=sent),
    }
    for flag, path in paths.items():
        if path is not None:
            _write(path, writers[flag]())


def _print(doc: dict[str, Any]) -> None:
    con = Console()
    words = "proven best" if doc["proven_best"] else "feasible, not proven best"
    con.print(f"[bold]{doc['name']}[/]: {doc['in_time']} of {doc['asked']} units in time, "
              f"{doc['late']} late, {doc['short']} not delivered ({words})", highlight=False)
    t = Table(title="Requests")
    for col in ("request", "P", "capability", "place", "asked", "by h", "in time", "late",
                "short", "first h"):
        t.add_column(col, justify="left" if col in ("request", "capability", "place")
                     else "right")
    for r in doc["requests"]:
        first = "" if r["first_arrival"] is None else f"{r['first_arrival']:.1f}"
        t.add_row(r["request"], str(r["priority"]), r["capability"], r["place"],
                  str(r["quantity"]), f"{r['by_hours']:g}", str(r["in_time"]), str(r["late"]),
                  str(r["short"]), first)
    con.print(t)
    d = Table(title="Deliveries")
    for col in ("request", "offer", "nation", "mode", "units", "arrives h", "in time", "legs"):
        d.add_column(col, justify="right" if col in ("units", "arrives h") else "left")
    for x in doc["deliveries"]:
        legs = ", ".join(f"{g['kind']} {g['hours']:.1f}" for g in x["legs"] if g["hours"] > 0)
        d.add_row(x["request"], x["offer"], x["nation"], x["mode"], str(x["quantity"]),
                  f"{x['hours']:.1f}", "yes" if x["in_time"] else "[red]late[/]", legs)
    con.print(d)
    for r in doc["requests"]:
        for reason in r["reasons"]:
            con.print(f"[yellow]{r['request']}[/] {reason['code']}: {reason['message']}",
                      highlight=False)
    for o, why in doc["offers_out"].items():
        con.print(f"[dim]offer {o}:[/] {why}", highlight=False)
    if "what_if" in doc:
        w = doc["what_if"]
        con.print(f"[bold]what-if[/]: in time {w['in_time'][0]} -> {w['in_time'][1]}, late "
                  f"{w['late'][0]} -> {w['late'][1]}, short {w['short'][0]} -> {w['short'][1]}",
                  highlight=False)
        for c in w["requests"]:
            con.print(f"  {c['request']}: in time {c['in_time'][0]} -> {c['in_time'][1]}, "
                      f"first arrival {c['first_arrival'][0]} -> {c['first_arrival'][1]} h",
                      highlight=False)
    for n in doc["notes"]:
        con.print(f"[dim]note:[/] {n}", highlight=False)


def preposition(
    path: Annotated[Path, typer.Argument(
        help="Scenario folder or scenario.yaml with a relief section")],
    hours: Annotated[float, typer.Option(
        "--hours", help="Every requesting place reached within this many hours")],
    mode: Annotated[str, typer.Option(
        "--mode", help="Keep stocks at airfields (air) or ports (sea)")] = "air",
    close: Annotated[list[str] | None, typer.Option(
        "--close", help="What-if: this airfield or port is closed (repeatable)")] = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds for each siting model")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document only")] = False,
) -> None:
    """Where to keep relief stocks: the fewest sites reaching every place within H hours."""
    from forcegen.relief import load_relief
    from forcegen.relief.stocks import plan_stocks

    if not time_limit > 0:
        raise OptionError(f"--time-limit {time_limit}: expected a positive number of seconds")
    with flags_for(hours="--hours", mode="--mode"):
        prob = load_relief(path, close=split_codes(close))
        plan = plan_stocks(prob, hours, mode=mode, time_limit=time_limit)
    doc = plan.to_dict()
    if as_json:
        write_json(doc)
        return
    con = Console()
    if not plan.sites:
        con.print(f"[bold red]No {mode} site reaches any place within {hours:g} h.[/]",
                  highlight=False)
    else:
        words = "the fewest, proven" if plan.status == "optimal" else "not proven the fewest"
        con.print(f"[bold]{len(plan.sites)} stock site(s)[/] ({words}): "
                  f"{', '.join(plan.sites)}; every place within {plan.worst_hours:.1f} h",
                  highlight=False)
        t = Table(title=f"Places and their nearest stock ({mode})")
        for col in ("place", "site", "hours"):
            t.add_column(col, justify="right" if col == "hours" else "left")
        for r in plan.reach:
            t.add_row(r["place"], r["site"], f"{r['hours']:.1f}")
        con.print(t)
    for name in plan.unreachable:
        con.print(f"[yellow]{name}[/]: no open {mode} site reaches it within {hours:g} h",
                  highlight=False)


class _MatchByDefault(TyperGroup):
    """``forcegen relief PATH ...`` runs ``match``, as before the subcommands existed.

    A first argument that names no subcommand (a path, an option) is the matching's.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Put ``match`` in front of arguments that do not start with a subcommand."""
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["match", *args]
        return list(super().parse_args(ctx, args))


relief_app = typer.Typer(
    cls=_MatchByDefault,
    name="relief",
    help="Disaster relief: match offers to requests (the default), site relief stocks.",
    no_args_is_help=True,
)
relief_app.command("match")(relief)
relief_app.command("preposition")(preposition)


def register(app: typer.Typer) -> None:
    """Add ``relief`` (``match``, ``preposition``) to the ``forcegen`` command."""
    app.add_typer(relief_app)
