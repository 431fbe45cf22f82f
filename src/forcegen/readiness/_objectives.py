"""Names and default of the response objectives for siting ``p`` depots.

The one place the default is set: :func:`forcegen.readiness.preposition_scenario` applies it
and ``forcegen preposition --help`` is written from it, so what the help shows is what runs.
Kept free of imports so that building the command line does not load the models.
"""

from __future__ import annotations

__all__ = ["DEFAULT_OBJECTIVE", "OBJECTIVES"]

#: average = p-median (demand-weighted mean hours), worst = p-center, coverage = max covering.
OBJECTIVES: tuple[str, ...] = ("average", "worst", "coverage")
DEFAULT_OBJECTIVE = "average"
