"""``forcegen validate`` and ``forcegen export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from forcegen.cli._common import ScenarioPath, out_console

__all__ = ["register"]


def validate(
    path: ScenarioPath,
) -> None:
    """Check a scenario: every problem (file, line, field, what was expected) in one pass."""
    from forcegen.scenario import load_scenario

    s = load_scenario(path)
    _check_labels(s)
    out_console().print(
        f"[green]valid[/]: {s.name}: {len(s.nations)} nations, {len(s.sectors)} sectors, "
        f"{len(s.requirements)} requirement lines, {len(s.pledges)} pledges, "
        f"{len(s.depot_sites)} depot sites"
    )


def _check_labels(s: Any) -> None:
    """Refuse full labels (``x-label``) invalid under the shipped policies, each at its place.

    The scenario package knows nothing of labels (it sits below them); a requirement's or
    pledge's ``x-label`` is read here as the workspace's import reads it: the 4774 JSON form.
    Whether its importer may set it depends on who imports it, which only the workspace knows.
    """
    from forcegen.exceptions import LabelError, Problem, ScenarioError
    from forcegen.labels.label import label_from_json

    problems = []
    for section, items in (("requirements", s.requirements), ("pledges", s.pledges)):
        for item in items:
            raw = (item.__pydantic_extra__ or {}).get("x-label")
            if raw is None:
                continue
            try:
                label_from_json(raw)
            except LabelError as exc:
                file, line, fields = s.origins.get((section, item.id), (s.source, None, {}))
                problems.append(Problem(file, f"{section}[{item.id}]: {exc}",
                                        fields.get("x-label", line), "x-label"))
    if problems:
        raise ScenarioError(problems)


def export(
    path: Annotated[Path, typer.Argument(help="Scenario to read")],
    to: Annotated[Path, typer.Option("--to", help="Output folder, or a file ending in .xlsx")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output")] = False,
) -> None:
    """Write a scenario as a folder (YAML + CSV) or an Excel workbook, without loss."""
    from forcegen.scenario import load_scenario, write_scenario

    s = load_scenario(path)
    out = write_scenario(s, to, overwrite=overwrite)
    Console(stderr=True).print(f"wrote {out}")


def example(
    dest: Annotated[Path, typer.Argument(help="Folder to create (must not exist yet)")] = Path(
        "reassurance-force"
    ),
    name: Annotated[str, typer.Option(help="Which bundled example")] = "reassurance-force",
) -> None:
    """Copy a bundled example scenario (YAML and CSV files) into DEST, to read or edit."""
    import shutil

    from forcegen.data import example_path
    from forcegen.exceptions import OptionError

    try:
        source = example_path(name)
    except KeyError as exc:
        raise OptionError(str(exc.args[0])) from None
    if dest.exists():
        raise OptionError(f"{dest}: already exists; give a new folder name")
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out_console().print(f"wrote the example {name!r} to {dest}; try: forcegen source {dest}",
                    highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``validate``, ``export`` and ``example`` to the ``forcegen`` command."""
    app.command()(validate)
    app.command()(export)
    app.command()(example)
