"""``forcegen validate`` and ``forcegen export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from forcegen.scenario import load_scenario, write_scenario

__all__ = ["register"]


def validate(
    path: Annotated[Path, typer.Argument(help="Scenario folder, scenario.yaml or .xlsx")],
) -> None:
    """Check a scenario: every problem (file, line, field, what was expected) in one pass."""
    s = load_scenario(path)
    Console().print(
        f"[green]valid[/]: {s.name}: {len(s.nations)} nations, {len(s.sectors)} sectors, "
        f"{len(s.requirements)} requirement lines, {len(s.pledges)} pledges, "
        f"{len(s.depot_sites)} depot sites"
    )


def export(
    path: Annotated[Path, typer.Argument(help="Scenario to read")],
    to: Annotated[Path, typer.Option("--to", help="Output folder, or a file ending in .xlsx")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output")] = False,
) -> None:
    """Write a scenario as a folder (YAML + CSV) or an Excel workbook, without loss."""
    s = load_scenario(path)
    out = write_scenario(s, to, overwrite=overwrite)
    Console(stderr=True).print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(export)
