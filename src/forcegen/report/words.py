"""A planner's words for solver results: "proven best", "best found", details kept apart.

Solver vocabulary (relative gaps in scientific notation, method names such as
``decompose+exact``, input hashes) is printed only in a dim "Details" line at the end of a
command's output, never in the lines a planner reads first (docs/glossary.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["details_line", "status_words"]

_WORDS = {
    "optimal": "proven best",
    "feasible": "best found",
    "infeasible": "no plan meets every constraint",
    "not-run": "not computed (time ran out)",
    "error": "failed",
}


def status_words(status: str) -> str:
    """``optimal`` -> "proven best", ``feasible`` -> "best found", ... (unknown: as given)."""
    return _WORDS.get(status, status)


def details_line(items: dict[str, Any]) -> str:
    """Rich markup for the closing "Details" line (``None`` values left out)."""
    parts = [f"{k} {v}" for k, v in items.items() if v is not None and v != ""]
    return "[dim]Details: " + "; ".join(parts) + "[/]" if parts else ""
