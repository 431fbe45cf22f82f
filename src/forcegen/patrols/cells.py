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


_ASC_KEYS = ("ncols", "nrows", "xllcorner", "yllcorner", "cellsize")
MAX_RASTER_CELLS = 2500  # searchable cells read from a raster (each becomes a patrol area)


def _read_raster(folder: Path, name: str, src: str, line: int | None, containment: float
                 ) -> list[SearchCell]:
    """An ESRI ASCII grid of drift weights as cells, probabilities scaled to ``containment``.

    Header ``ncols, nrows, xllcorner, yllcorner, cellsize[, NODATA_value]`` (degrees), then
    ``nrows`` rows of ``ncols`` numbers, north row first. Cells with weight 0 or NODATA are
    not searched; the others share ``containment`` in proportion to their weight.
    """
    why = unsafe_file_name(name)
    path = folder / name
    if why is not None or not path.is_file():
        raise ScenarioError([Problem(src, why or f"raster {name!r} not found", line,
                                     "search.cells")])
    text = path.read_text(encoding="utf-8").splitlines()
    head: dict[str, float] = {}
    i = 0
    try:
        while i < len(text) and text[i].split() and text[i].split()[0].lower() in (
                *_ASC_KEYS, "nodata_value"):
            key, val = text[i].split()[:2]
            head[key.lower()] = float(val)
            i += 1
    except ValueError:
        raise ScenarioError([Problem(str(path), f"header: expected 'key number', got "
                                     f"{text[i]!r}", i + 1)]) from None
    missing = [k for k in _ASC_KEYS if k not in head]
    if missing:
        raise ScenarioError([Problem(str(path), "an ESRI ASCII grid header needs "
                                     + ", ".join(missing), i + 1)])
    nc, nr, size = int(head["ncols"]), int(head["nrows"]), head["cellsize"]
    nodata = head.get("nodata_value")
    rows = [ln.split() for ln in text[i:] if ln.strip()]
    if len(rows) != nr or any(len(r) != nc for r in rows):
        raise ScenarioError([Problem(str(path), f"expected {nr} rows of {nc} numbers after the "
                                     "header", i + 1)])
    try:
        grid = np.array(rows, dtype=float)
    except ValueError:
        bad = next(j for j, r in enumerate(rows) if not all(_isnum(x) for x in r))
        raise ScenarioError([Problem(str(path), "expected numbers", i + bad + 1)]) from None
    w = np.where((grid == nodata) if nodata is not None else False, 0.0, grid)
    if np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ScenarioError([Problem(str(path), "drift weights must be finite, >= 0 and not "
                                     "all 0", i + 1)])
    rr, cc = np.nonzero(w)
    if len(rr) > MAX_RASTER_CELLS:
        raise ScenarioError([Problem(str(path), f"{len(rr)} cells with a weight; at most "
                                     f"{MAX_RASTER_CELLS} (coarsen the raster)", i + 1)])
    prob = w[rr, cc] / w.sum() * containment
    lat0 = head["yllcorner"] + (nr - 0.5) * size  # centre of the north row
    out = []
    for r, c, p in zip(rr.tolist(), cc.tolist(), prob.tolist(), strict=True):
        lon, lat = head["xllcorner"] + (c + 0.5) * size, lat0 - r * size
        area = (size * NM_PER_DEG) ** 2 * math.cos(math.radians(lat))
        out.append(SearchCell(id=f"r{r}c{c}", at=(lon, lat), probability=p, area=area))
    return out


def _isnum(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def search_areas(search: Search, folder: Path, src: str, line_of: object
                 ) -> tuple[list[Area], SearchState]:
    """The cells as areas (value = POC x POD of one visit) and the search's starting state."""
    def where(field: str) -> int | None:
        return line_of(field) if callable(line_of) else None

    if isinstance(search.cells, str) and search.cells.lower().endswith(".asc"):
        cells = _read_raster(folder, search.cells, src, where("search.cells"),
                             search.containment)
    elif isinstance(search.cells, str):
        cells = _read_cells(folder, search.cells, src, where("search.cells"))
    else:
        cells = search.cells
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
