"""Interoperability: which nations have trained together, and where that is missing.

Two nations have trained together when units of both took part in one held exercise. A gap is
a pair of nations that serve one sector in a sourced plan but never trained together.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from forcegen.scenario import Scenario

__all__ = ["trained_together", "untrained_pairs"]


def trained_together(exercises: list[dict[str, Any]], nation_of: dict[str, str]
                     ) -> list[dict[str, Any]]:
    """Nation pairs (sorted) with the held exercises they shared.

    From ``ExerciseResult.to_dict()["exercises"]`` and a unit id -> nation map.
    """
    pairs: dict[tuple[str, str], list[str]] = {}
    for e in exercises:
        if not e["held"]:
            continue
        nations = sorted({nation_of[u] for u in e["units"]})
        for a, b in combinations(nations, 2):
            pairs.setdefault((a, b), []).append(e["id"])
    return [{"nations": [a, b], "exercises": sorted(ids)} for (a, b), ids in sorted(pairs.items())]


def untrained_pairs(pairs: list[dict[str, Any]], assignments: list[dict[str, Any]],
                    scenario: Scenario) -> list[dict[str, Any]]:
    """Per sector, the pairs of nations sourced there that never trained together."""
    together = {tuple(p["nations"]) for p in pairs}
    nations: dict[str, set[str]] = {}
    for a in assignments:
        sector = scenario.requirement_by_id[a["requirement"]].sector
        nations.setdefault(sector, set()).add(scenario.pledge_by_id[a["pledge"]].nation)
    out = []
    for sector in sorted(nations):
        for x, y in combinations(sorted(nations[sector]), 2):
            if (x, y) not in together:
                out.append({"sector": sector, "nations": [x, y]})
    return out
