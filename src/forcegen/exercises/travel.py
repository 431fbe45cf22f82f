"""The third objective: the least travel of units to their exercises.

A unit taking part in an exercise travels from its home base (its pledge's ``home`` given as
``[lon, lat]``) to the exercise's training area (``at``); the distance is the great circle,
one way, rounded to whole kilometres per leg (CP-SAT works in integers). Units whose home is
missing or a network node id, and areas without ``at``, count 0 km (so the minimisation favours
them): the note says how many, so the planner can complete the data.
When no unit/area pair has both, there is nothing to minimise and the phase is skipped.

As CP-SAT terms: a unit's leg to exercise ``e`` costs its distance to the nearest acceptable
area of ``e`` whenever it takes part, plus the extra distance to the area chosen, on a literal
``w >= part and area`` (minimisation keeps ``w`` false otherwise), created only when the areas
differ for that unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from forcegen.exercises.model import Programme
from forcegen.network import haversine_km

__all__ = ["schedule_travel", "travel_matrix", "travel_terms"]


def travel_matrix(prog: Programme, area_ids: list[str]
                  ) -> tuple[NDArray[np.int64] | None, str]:
    """Whole km from each unit's home to each area (0 where either is unknown), and a note.

    ``None`` when no unit/area pair has both coordinates.
    """
    home = {p.id: p.home for p in prog.scenario.pledges}
    at = {a.id: a.at for a in prog.areas}
    u_ok = [isinstance(home.get(u.pledge), list | tuple) for u in prog.units]
    a_ok = [at.get(a) is not None for a in area_ids]
    if not any(u_ok) or not any(a_ok):
        why = ("no unit's pledge has a home given as [lon, lat]" if not any(u_ok)
               else "no training area has `at` coordinates")
        return None, f"travel not minimised: {why}"
    lon_u = np.array([float(home[u.pledge][0]) if ok else 0.0  # type: ignore[index]
                      for u, ok in zip(prog.units, u_ok, strict=True)])
    lat_u = np.array([float(home[u.pledge][1]) if ok else 0.0  # type: ignore[index]
                      for u, ok in zip(prog.units, u_ok, strict=True)])
    lon_a = np.array([float(at[a][0]) if ok else 0.0  # type: ignore[index]
                      for a, ok in zip(area_ids, a_ok, strict=True)])
    lat_a = np.array([float(at[a][1]) if ok else 0.0  # type: ignore[index]
                      for a, ok in zip(area_ids, a_ok, strict=True)])
    km = np.rint(haversine_km(lon_u[:, None], lat_u[:, None], lon_a[None, :], lat_a[None, :]))
    km = km.astype(np.int64) * (np.array(u_ok)[:, None] & np.array(a_ok)[None, :])
    missing = []
    if not all(u_ok):
        missing.append(f"{len(u_ok) - sum(u_ok)} unit(s) without a home [lon, lat]")
    if not all(a_ok):
        missing.append(f"{len(a_ok) - sum(a_ok)} area(s) without `at`")
    note = (f"travel counts only units and areas with coordinates ({', '.join(missing)}); "
            "the others count 0 km, so the least travel favours them") if missing else ""
    return km, note


def schedule_travel(km: NDArray[np.int64], start: Any, area: Any,
                    units: list[list[list[int]]]) -> int:
    """Total km of a schedule: each participating unit's leg to its exercise's area."""
    return sum(int(km[u, int(area[e])]) for e in range(len(start)) if start[e] >= 0
               for need in units[e] for u in need)


def travel_terms(m: cp_model.CpModel, km: NDArray[np.int64], v: dict[str, Any]
                 ) -> cp_model.LinearExprT:
    """The schedule's total travel as a linear expression on the model's literals."""
    areas_of: dict[int, list[tuple[int, Any]]] = {e: lits for e, lits in enumerate(v["area"])}
    terms: list[Any] = []
    for (e, u), z in sorted(v["part"].items()):
        lits = areas_of[e]
        dists = [int(km[u, a]) for a, _ in lits]
        base = min(dists)
        if base:
            terms.append(base * z)
        for (a, x), d in zip(lits, dists, strict=True):
            if d > base:
                w = m.new_bool_var(f"w{e}_{u}_{a}")
                m.add_bool_or([~z, ~x, w])  # w when the unit goes to area a
                terms.append((d - base) * w)
    return sum(terms) if terms else 0
