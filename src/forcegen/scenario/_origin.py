"""Where a raw scenario record came from, and the raw records of a whole scenario.

Split from :mod:`forcegen.scenario._sources` (which re-exports both names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem

__all__ = ["Origin", "RawScenario"]


@dataclass
class Origin:
    """Where a record came from; ``fields`` maps a dotted key path to its own line."""

    file: str
    line: int | None
    fields: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        # The longest known prefix of the path: a bad list item points at its list's line.
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in self.fields:
                return self.fields[key]
        return self.line


@dataclass
class RawScenario:
    meta: dict[str, Any]
    meta_origin: Origin
    sections: dict[str, list[tuple[dict[str, Any], Origin]]]
    layout: dict[str, str]
    problems: list[Problem]
    attached: dict[str, Path] = field(default_factory=dict)
    #: Side tables held in memory (a workbook read from bytes), by the name the scenario gives.
    tables: dict[str, str] = field(default_factory=dict)
    #: Deployment sections given as sheets of records (workbooks), each record with its row.
    deployment: dict[str, list[tuple[dict[str, Any], Origin]]] = field(default_factory=dict)
