"""Option parsing shared by commands: what-if switches, output checks, progress."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from forcegen.exceptions import OptionError, ScenarioError

if TYPE_CHECKING:  # imported when used: `forcegen --help` need not load the solver stack
    from forcegen.scenario import Scenario
    from forcegen.sourcing import SourcingOptions
    from forcegen.sourcing.plan import Plan, Reason
    from forcegen.sourcing.progress import ProgressEvent

__all__ = [
    "JsonFlag",
    "ScenarioPath",
    "build_options",
    "flag_hint",
    "flags_for",
    "includable",
    "include_statuses",
    "json_text",
    "nation_codes",
    "out_console",
    "progress_reporter",
    "split_codes",
    "with_flag_hints",
    "write_json",
]

err_console = Console(stderr=True)

#: ``--json``: the command's result as exactly one JSON document on stdout, nothing else.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document only")]
#: The scenario a command reads, in any of the forms ``scenario.load`` takes.
ScenarioPath = Annotated[Path, typer.Argument(help="Scenario folder, scenario.yaml or .xlsx")]

#: Width of stdout when it is a file or a pipe: wide enough that no table is cut or wrapped.
PIPE_WIDTH = 10_000


def out_console() -> Console:
    """The console for a command's result on stdout.

    On a terminal Rich fits the terminal. Written to a file or a pipe, Rich would assume 80
    columns and cut cells ("100.…") and wrap lines; there the output keeps its natural width
    (``COLUMNS``, if set, still wins).
    """
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return Console()
    return Console(width=PIPE_WIDTH, soft_wrap=True)


def includable() -> tuple[str, ...]:
    """Statuses ``--include`` may add to ``approved`` (asking for offered implies provisional).

    Read when a command runs: the scenario models (pydantic) are no part of ``forcegen --help``.
    """
    from forcegen.scenario.models import USABLE_STATUSES

    return USABLE_STATUSES


def flag_hint(reason: Reason) -> str:
    """The ``--include`` flag that would fill a ``not-approved`` shortfall, else ``""``.

    The core speaks of the ``include`` option by name; only the command line knows its flag.
    """
    fills_with = reason.detail.get("fills_with") if reason.code == "not-approved" else None
    return f" (--include {fills_with})" if fills_with in includable() else ""


@contextmanager
def flags_for(**flags: str) -> Iterator[None]:
    """Name the library's parameters by this command's flags in the errors raised inside.

    The core speaks of its arguments (``method``, ``deadlines``); a command whose flag is not
    ``--`` + the argument name says so here (``flags_for(method="--solver")``). An
    :class:`OptionError` keeps its parameters and is rendered with these flags by the CLI; in
    a :class:`ScenarioError`, whose problems are plain text, the argument name is replaced
    where it stands as a whole word (the core writes it as it is spelled in Python).
    """
    import re
    from dataclasses import replace

    try:
        yield
    except OptionError as exc:
        exc.flags.update({p: f for p, f in flags.items() if p in exc.parameters})
        raise
    except ScenarioError as exc:
        if flags:
            known = re.compile(r"\b(" + "|".join(map(re.escape, flags)) + r")\b")
            exc.problems = [replace(p, message=known.sub(lambda m: flags[m.group(1)],
                                                         p.message))
                            for p in exc.problems]
        raise


def with_flag_hints(plan: Plan) -> Plan:
    """``plan`` with each reason's :func:`flag_hint` appended, for the terminal table only."""
    from dataclasses import replace

    return replace(plan, shortfalls=[
        replace(s, reasons=[replace(r, message=r.message + flag_hint(r)) for r in s.reasons])
        for s in plan.shortfalls
    ])


def split_codes(values: list[str] | None) -> tuple[str, ...]:
    """``["NZL,FRA", "DEU"]`` -> ``("NZL", "FRA", "DEU")`` (repeatable or comma lists)."""
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def nation_codes(values: list[str] | None) -> tuple[str, ...]:
    """Nation codes from repeatable or comma lists, upper-cased (``fra`` is ``FRA``)."""
    return tuple(c.upper() for c in split_codes(values))


def include_statuses(values: list[str] | None) -> tuple[str, ...]:
    """``--include`` values (repeatable or comma lists, any case), checked; default approved.

    The one parser for every command that sources (source, criticality, respond).
    """
    statuses = tuple(s.lower() for s in split_codes(values))
    bad = [s for s in statuses if s not in includable()]
    if bad:
        raise OptionError(
            f"--include {', '.join(bad)}: expected provisional or offered (comma list)"
        )
    return statuses or ("approved",)


def _known_nations(scenario: Scenario, codes: tuple[str, ...], flag: str) -> None:
    unknown = [c for c in codes if c not in scenario.nation_by_code]
    if unknown:
        raise OptionError(
            f"{flag}: unknown nation(s) {', '.join(unknown)}; the scenario has "
            f"{', '.join(sorted(scenario.nation_by_code))}"
        )


def build_options(
    scenario: Scenario,
    *,
    include: list[str] | None = None,
    withdraw: list[str] | None = None,
    lift_caveats: list[str] | None = None,
    ceiling: list[str] | None = None,
    time_limit: float | None = None,
    gap: float | None = None,
    method: str = "auto",
) -> SourcingOptions:
    """Sourcing options from CLI switches, every name checked against the scenario."""
    from forcegen.sourcing import SourcingOptions

    w, lifted = nation_codes(withdraw), nation_codes(lift_caveats)
    _known_nations(scenario, w, "--withdraw")
    _known_nations(scenario, lifted, "--lift-caveats")
    ceilings: dict[str, int | None] = {}
    for item in split_codes(ceiling):
        code, sep, value = item.partition("=")
        code = code.strip().upper()
        if not sep:
            raise OptionError(f"--ceiling {item!r}: expected NATION=PERSONNEL or NATION=none")
        _known_nations(scenario, (code,), "--ceiling")
        if value.strip().lower() in ("none", "off", ""):
            ceilings[code] = None
            continue
        try:
            ceilings[code] = int(value)
        except ValueError:
            raise OptionError(
                f"--ceiling {item!r}: {value!r} is not a whole number of personnel"
            ) from None
    kwargs: dict[str, Any] = {}
    if gap is not None:
        kwargs["mip_gap"] = gap
    return SourcingOptions(
        include=include_statuses(include), withdraw=w, lift_caveats=lifted,
        ceilings=ceilings, time_limit=time_limit, method=method, **kwargs,
    )


@contextmanager
def progress_reporter(enabled: bool = True) -> Iterator[Callable[[ProgressEvent], None]]:
    """A callback for the sourcing core's :class:`ProgressEvent`: a bar on stderr.

    The bar shows the stage and its fraction done, as the workspace's run page does.
    """
    if not enabled:
        yield lambda _event: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:
        task = progress.add_task("starting", total=1.0)

        def report(event: ProgressEvent) -> None:
            progress.update(task, description=event.text, completed=event.fraction)

        yield report


def json_text(doc: Any) -> str:
    """``doc`` as JSON text, one key of an object or one item of a list in it a line.

    Anything deeper is compact on its line.

    Readable, and written by the json module's C encoder: with ``indent`` json falls back to
    its pure-Python encoder, which took 0.7 s for a 10,000-line plan.
    """
    enc = json.JSONEncoder(ensure_ascii=False, default=str)
    if not isinstance(doc, dict) or not doc:
        return enc.encode(doc)
    rows = []
    for key, value in doc.items():
        head = f"  {enc.encode(str(key))}: "
        if isinstance(value, list) and value:
            items = ",\n".join("    " + enc.encode(v) for v in value)
            rows.append(f"{head}[\n{items}\n  ]")
        else:
            rows.append(head + enc.encode(value))
    return "{\n" + ",\n".join(rows) + "\n}"


def write_json(doc: Any, path: Path | None = None) -> None:
    """Print one JSON document on stdout (or write it to ``path`` atomically)."""
    text = json_text(doc)
    if path is None:
        print(text)
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
