"""The third objective: the least travel of units to their exercises.

A unit taking part in an exercise travels from its home base (its pledge's ``home``) to the
exercise's training area (``at``), one way, rounded to whole kilometres per leg (CP-SAT works in
integers): along the scenario's road network where it covers the leg (:mod:`._road`), else the
great circle. Legs measurable neither way (no home, no ``at``, a node id off the roads) count
0 km (so the minimisation favours them): the note says how many, so the planner can complete
the data.
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

    Along the scenario's road network where it covers the leg (:mod:`._road`), else the
    great circle. ``None`` when no unit/area pair can be measured either way.
    """
    from forcegen.exercises._road import road_km

    home = {p.id: p.home for p in prog.scenario.pledges}
    at = {a.id: a.at for a in prog.areas}
    pledges = sorted({u.pledge for u in prog.units})
    p_index = {pl: i for i, pl in enumerate(pledges)}
    of_unit = np.array([p_index[u.pledge] for u in prog.units], dtype=np.int64)
    roads = road_km(prog.scenario, [home.get(pl) for pl in pledges], [at.get(a) for a in area_ids])
    on_road = (np.isfinite(roads[0][of_unit]) if roads is not None
               else np.zeros((len(prog.units), len(area_ids)), dtype=bool))
    u_ok = [isinstance(home.get(u.pledge), list | tuple) for u in prog.units]
    a_ok = [at.get(a) is not None for a in area_ids]
    if not on_road.any() and (not any(u_ok) or not any(a_ok)):
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
    known = np.array(u_ok)[:, None] & np.array(a_ok)[None, :]
    if roads is not None:
        km = np.where(on_road, np.rint(np.nan_to_num(roads[0][of_unit])), km)
        known |= on_road
    km = km.astype(np.int64) * known
    notes = [] if roads is None else [roads[1]]
    missing = []
    units_out = int((~known.any(axis=1)).sum())
    areas_out = int((~known.any(axis=0)).sum())
    if units_out:
        missing.append(f"{units_out} unit(s) without a home [lon, lat]")
    if areas_out:
        missing.append(f"{areas_out} area(s) without `at`")
    if missing:
        notes.append(f"travel counts only units and areas with coordinates "
                     f"({', '.join(missing)}); the others count 0 km, so the least travel "
                     "favours them")
    return km, "; ".join(notes)


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
