"""Search cells as patrol areas: a visit's value is the probability of success it adds.

A cell searched for ``hours`` at ``speed`` knots flies ``L = speed * hours`` track miles; its
value is ``POC * POD`` (see :mod:`forcegen.patrols.search`), so the patrol that covers the most
value is the one with the greatest probability of success. Cells come from a CSV table beside
the patrol file (``id,lon,lat,probability[,area]``) or inline.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from forcegen.exceptions import Problem, ScenarioError
from forcegen.patrols.models import Area, Search, SearchCell
from forcegen.patrols.search import SearchState
from forcegen.scenario._sources import read_csv_table
from forcegen.scenario.limits import unsafe_file_name

__all__ = ["search_areas"]

NM_PER_DEG = 60.0


def _read_cells(folder: Path, name: str, src: str, line: int | None) -> list[SearchCell]:
    why = unsafe_file_name(name)
    path = folder / name
    if why is not None or not path.is_file():
        raise ScenarioError([Problem(src, why or f"cells table {name!r} not found", line,
                                     "search.cells")])
    rows = read_csv_table(path)
    if rows and not {"id", "lon", "lat", "probability"} <= set(rows[0][0]):
        raise ScenarioError([Problem(str(path), "expected columns id,lon,lat,probability "
                                     "(and optionally area)", 1)])
    out, problems = [], []
    for rec, o in rows:
        rec = {k: v for k, v in rec.items() if v not in (None, "")}
        try:
            out.append(SearchCell.model_validate({
                "id": rec.get("id"), "at": [rec.get("lon"), rec.get("lat")],
                "probability": rec.get("probability"),
                **({"area": rec["area"]} if "area" in rec else {})}))
        except ValueError as exc:
            errs: list[dict] = getattr(exc, "errors", lambda: [])()
            for e in errs or [{"loc": (), "msg": str(exc)}]:
                loc = ".".join(str(x) for x in e["loc"]).replace("at.0", "lon").replace(
                    "at.1", "lat")
                problems.append(Problem(str(path), f"{loc or 'row'}: {e['msg']}", o.line,
                                        loc or None))
    if problems:
        raise ScenarioError(problems)
    return out


def search_areas(search: Search, folder: Path, src: str, line_of: object
                 ) -> tuple[list[Area], SearchState]:
    """The cells as areas (value = POC x POD of one visit) and the search's starting state."""
    def where(field: str) -> int | None:
        return line_of(field) if callable(line_of) else None

    cells = (search.cells if not isinstance(search.cells, str)
             else _read_cells(folder, search.cells, src, where("search.cells")))
    problems = []
    for i, c in enumerate(cells):
        if c.area is None and search.cell_size is None:
            problems.append(Problem(src, f"search cell {c.id!r} has no area and the search no "
                                    "cell_size", where("search"), f"search.cells.{i}"))
    total = sum(c.probability for c in cells)
    if total > 1 + 1e-9:
        problems.append(Problem(src, f"the cells' probabilities sum to {total:.6g}; expected "
                                "at most 1", where("search"), "search.cells"))
    if problems:
        raise ScenarioError(problems)
    size = search.cell_size or 0.0
    area = np.array([c.area if c.area is not None else
                     (size * NM_PER_DEG) ** 2 * math.cos(math.radians(c.at[1])) for c in cells])
    track = np.full(len(cells), search.speed * search.hours)
    state = SearchState.start([c.id for c in cells], np.array([c.probability for c in cells]),
                              area, search.sweep_width, track)
    values = state.values()
    areas = [Area(id=c.id, at=c.at, value=float(v), hours=search.hours, zone=search.zone,
                  group="search") for c, v in zip(cells, values, strict=True)]
    return areas, state
