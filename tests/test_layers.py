"""The code's layers (README "Code layout"), checked on every test run as CI checks them.

``lint-imports`` reads the contracts in ``pyproject.toml`` ``[tool.importlinter]``: who may import
whom. What a layers contract cannot see, cycles between siblings of one layer (``a : b``), is
checked here on grimp's graph, the one import-linter builds: no two packages import each other,
directly or around a loop.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

import forcegen

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # The tree under test, not another install of forcegen on the path.
    assert Path(forcegen.__file__).resolve().is_relative_to(ROOT / "src")
    return grimp.build_graph("forcegen", cache_dir=None)


def _unit(module: str) -> str:
    """The package a module counts towards: ``forcegen.x``, or ``forcegen.workspace.x``."""
    parts = module.split(".")
    return ".".join(parts[:3] if len(parts) > 2 and parts[1] == "workspace" else parts[:2])


def test_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    configuration.configure()  # what the lint-imports command does first
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, capsys.readouterr().out


def test_no_import_cycles_between_packages(graph: grimp.ImportGraph) -> None:
    why: dict[tuple[str, str], str] = {}
    units: nx.DiGraph = nx.DiGraph()
    lines: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = _unit(importer), _unit(imported)
            if a != b and a != "forcegen" and b != "forcegen":
                units.add_edge(a, b)
                lines[(a, b)].append(f"{importer} -> {imported}")
    for (a, b), found in lines.items():
        why[(a, b)] = found[0]
    cycles = [c for c in nx.strongly_connected_components(units) if len(c) > 1]
    report = [
        " <-> ".join(sorted(c)) + ": " + "; ".join(
            why[(a, b)] for a in sorted(c) for b in sorted(c) if (a, b) in why
        )
        for c in cycles
    ]
    assert not report, "\n".join(report)
