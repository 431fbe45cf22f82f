"""The ``forcegen`` command.

Every command module defines ``register(app)``; this file only wires them together and turns
``InputError`` into a clear message and exit code 2 (never a traceback).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from forcegen.cli._clock import mark_process_start
from forcegen.cli._stdout import stdout_reserved
from forcegen.exceptions import InputError, OptionError, ScenarioError

__all__ = ["app", "main"]

#: Modules under ``forcegen.cli`` that add commands. Add one line per new command module.
_COMMAND_MODULES: tuple[str, ...] = (
    "forcegen.cli.scenario_cmds",
    "forcegen.cli.sourcing_cmds",
    "forcegen.cli.readiness_cmds",
    "forcegen.cli.preposition_cmds",
    "forcegen.cli.serve_cmds",
    "forcegen.cli.audit_cmds",
    "forcegen.cli.deploy_cmds",
    "forcegen.cli.patrol_cmds",
    "forcegen.cli.exercise_cmds",
    "forcegen.cli.relief_cmds",
    "forcegen.cli.intel_cmds",
)

err_console = Console(stderr=True)


def _report(exc: InputError) -> None:
    if isinstance(exc, ScenarioError):
        err_console.print(f"[bold red]error:[/] {len(exc.problems)} problem(s) in the input")
        for p in exc.problems:
            # Escaped: locations hold "[field]", which Rich would take for markup and drop.
            err_console.print(f"  [cyan]{escape(p.location())}[/]: {escape(p.message)}",
                              highlight=False, soft_wrap=True)
    else:
        err_console.print(f"[bold red]error:[/] {escape(_cli_message(exc))}", highlight=False,
                          soft_wrap=True)


def _cli_message(exc: InputError) -> str:
    """The message as a CLI user reads it: the library's parameters named by their flags."""
    if isinstance(exc, OptionError):
        return exc.render({p: exc.flags.get(p, "--" + p.replace("_", "-"))
                           for p in exc.parameters})
    return str(exc)


class _Group(TyperGroup):
    """Turns :class:`InputError` from any command into a message and exit code 2.

    The whole command runs with stdout reserved for forcegen's own output: whatever a native
    library prints on file descriptor 1 goes to stderr (see :mod:`forcegen.cli._stdout`).
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if (args[0] if args else kwargs.get("args")) is None:
            # The process's own argv: run as the program (the console script calls ``app()``),
            # not in-process with given arguments (a test's CliRunner), so time limits count
            # from the process start (forcegen.cli._clock).
            mark_process_start()
        with stdout_reserved():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:  # typer vendors its own click Context type
        try:
            return super().invoke(ctx)
        except InputError as exc:
            _report(exc)
            ctx.exit(2)


app = typer.Typer(
    cls=_Group,
    name="forcegen",
    help="Build a multinational force and make it ready fast.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:  # pragma: no cover - console entry point
    """Run the ``forcegen`` command (the console script's entry point)."""
    mark_process_start()
    app()
