"""Sea distances that go around land: a coarse grid of sea cells and shortest paths over it.

The land is the Natural Earth 1:50m countries shipped as ``forcegen/data/world_land.npz``
(outer rings; see ``ATTRIBUTION.md``). For a set of points the grid covers their bounding box
plus a margin, in cells of ``res`` degrees; a cell is sea only if none of nine sample points
(centre, corners, edge middles) is on land and no land vertex lies inside it, so that a
straight move between two sea cells (diagonals only when both side cells are sea too) stays at
sea. Each point joins the grid at the sea cells around it (a port on the coastline, inside the
land polygon at this scale, joins its nearest sea cell: the harbour approach). Distances run
over the grid with ``scipy.sparse.csgraph.dijkstra``; each path is then pulled tight (a corner
is skipped wherever the straight line to a later corner is clear of land), and a pair whose
straight line is already clear gets the great-circle distance. Straits narrower than a cell
(Bosphorus, Dardanelles: :mod:`forcegen.network._straits`) are sailed along their fairway.

Longitudes are unwrapped at the widest gap between the points, so a patrol across the
antimeridian (Fiji, Tonga, Samoa) is one connected grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from forcegen.network._land import (
    _clear,
    _cut,
    _gc_nm,
    _Land,
    _unwrap,
    land_rings,
    on_land,
)
from forcegen.network._straits import straits_in

__all__ = ["SeaLegs", "SeaRoutes", "land_rings", "on_land", "sea_routes"]

MAX_CELLS = 300  # cells along the longer side of the grid (keeps Dijkstra well under a second)
MAX_GRID = 1_000_000  # cells at most, whatever grid size a file asks for


@dataclass(frozen=True)
class SeaRoutes:
    """Sea distances (nautical miles) and paths (lon/lat) between the given points."""

    points: np.ndarray
    nm: np.ndarray
    paths: dict[tuple[int, int], np.ndarray]
    res: float
    on_land: np.ndarray
    #: Nautical miles from each point to the nearest sea cell (0 for points at sea).
    inland_nm: np.ndarray

    def path(self, i: int, j: int) -> np.ndarray:
        """The (n, 2) lon/lat polyline from point i to point j (longitudes as given)."""
        if i == j:
            return self.points[[i]]
        p = self.paths[(min(i, j), max(i, j))]
        return p if i < j else p[::-1]


@dataclass
class _Grid:
    """Sea cells of ``res`` degrees from ``lo`` (unwrapped lon, lat): the graph's nodes."""

    lo: np.ndarray
    res: float
    wet: np.ndarray  # (ny, nx): True for a sea cell
    node: np.ndarray  # (ny, nx): graph node of each sea cell, -1 on land
    cx: np.ndarray  # centre longitude of each column
    cy: np.ndarray  # centre latitude of each row

    def cell_of(self, pt: np.ndarray) -> tuple[int, int]:
        """(row, column) of the cell holding ``pt``, clipped to the grid."""
        ny, nx = self.wet.shape
        px = int(np.clip((pt[0] - self.lo[0]) // self.res, 0, nx - 1))
        py = int(np.clip((pt[1] - self.lo[1]) // self.res, 0, ny - 1))
        return py, px


def _grid_box(pts: np.ndarray, res: float | None, margin: float | None
              ) -> tuple[np.ndarray, np.ndarray, float]:
    """Lower and upper corners of the grid around ``pts`` and its cell size in degrees."""
    n = len(pts)
    if margin is None:
        span = float(np.max(np.ptp(pts, axis=0))) if n else 0.0
        margin = float(np.clip(0.5 * span, 0.5, 4.0))
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    lo[1], hi[1] = max(lo[1], -85.0), min(hi[1], 85.0)
    if res is None:
        res = float(np.clip(max(hi - lo) / MAX_CELLS, 0.02, 0.5))
    # A finer grid than asked for is never needed; a coarser one keeps memory bounded.
    res = max(float(res), float(np.sqrt((hi[0] - lo[0]) * (hi[1] - lo[1]) / MAX_GRID)))
    return lo, hi, res


def _sea_grid(land: _Land, lo: np.ndarray, hi: np.ndarray, res: float) -> _Grid:
    """A cell is land if any of its 9 sample points is, or a land vertex lies inside it."""
    nx, ny = math.ceil((hi[0] - lo[0]) / res), math.ceil((hi[1] - lo[1]) / res)
    gx, gy = np.meshgrid(np.arange(2 * nx + 1), np.arange(2 * ny + 1))
    fine = land.contains(np.column_stack([lo[0] + gx.ravel() * res / 2,
                                          lo[1] + gy.ravel() * res / 2])).reshape(gy.shape)
    wet = np.ones((ny, nx), dtype=bool)
    for dy in range(3):
        for dx in range(3):
            wet &= ~fine[dy:dy + 2 * ny:2, dx:dx + 2 * nx:2]
    for v in land.vertices:
        ix, iy = np.floor((v[:, 0] - lo[0]) / res).astype(int), np.floor((v[:, 1] - lo[1]) / res
                                                                          ).astype(int)
        ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        wet[iy[ok], ix[ok]] = False
    cx, cy = lo[0] + (np.arange(nx) + 0.5) * res, lo[1] + (np.arange(ny) + 0.5) * res
    node = np.full((ny, nx), -1)
    node[wet] = np.arange(int(wet.sum()))
    return _Grid(lo, res, wet, node, cx, cy)


def _cell_edges(grid: _Grid, edges: tuple[list, list, list]) -> None:
    """Moves between neighbouring sea cells, both ways, weighted by great-circle miles."""
    rows, cols, w = edges
    wet, node, cx, cy = grid.wet, grid.node, grid.cx, grid.cy
    ny, nx = wet.shape
    ys, xs = np.nonzero(wet)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        y2, x2 = ys + dy, xs + dx
        ok = (y2 < ny) & (x2 >= 0) & (x2 < nx)
        ok[ok] &= wet[y2[ok], x2[ok]]
        if dy and dx:  # a diagonal only between two sea side cells: no corner cutting
            ok[ok] &= wet[ys[ok], x2[ok]] & wet[y2[ok], xs[ok]]
        a, b = node[ys[ok], xs[ok]], node[y2[ok], x2[ok]]
        rows += [a, b]
        cols += [b, a]
        d = _gc_nm(cx[xs[ok]], cy[ys[ok]], cx[x2[ok]], cy[y2[ok]])
        w += [d, d]


def _point_edges(land: _Land, grid: _Grid, pts: np.ndarray, approach: np.ndarray,
                 nearest: tuple[np.ndarray, np.ndarray] | None,
                 edges: tuple[list, list, list], first: int | None = None) -> None:
    """Join each point to the grid (point p is node ``first + p``, by default n_cells + p).

    Each point joins the sea cells of its 5x5 neighbourhood in clear sight, and its nearest
    sea cell whatever lies between (a port inside the coastline polygon).
    """
    rows, cols, w = edges
    wet, node, cx, cy, res = grid.wet, grid.node, grid.cx, grid.cy, grid.res
    ny, nx = wet.shape
    n_cells = int(wet.sum())
    for p in range(len(pts)):
        py, px = grid.cell_of(pts[p])
        yy, xx = np.mgrid[max(0, py - 2):min(ny, py + 3), max(0, px - 2):min(nx, px + 3)]
        yy, xx = yy[wet[yy, xx]], xx[wet[yy, xx]]
        if yy.size:
            cells = np.column_stack([cx[xx], cy[yy]])
            ok = _clear(land, np.repeat(pts[[p]], len(cells), 0), cells, res / 8,
                        np.full(len(cells), approach[p]), np.zeros(len(cells)))
            yy, xx = yy[ok], xx[ok]
        if nearest is not None:
            iy_n, ix_n = nearest
            yy = np.append(yy, iy_n[py, px])
            xx = np.append(xx, ix_n[py, px])
        d = _gc_nm(np.full(len(xx), pts[p, 0]), np.full(len(xx), pts[p, 1]), cx[xx], cy[yy])
        pn = np.full(len(xx), (n_cells if first is None else first) + p)
        rows += [pn, node[yy, xx]]
        cols += [node[yy, xx], pn]
        w += [d, d]


def _pair_routes(land: _Land, grid: _Grid, g: csr_matrix, pts: np.ndarray, raw: np.ndarray,
                 approach: np.ndarray, fairways: np.ndarray
                 ) -> tuple[np.ndarray, dict[tuple[int, int], np.ndarray]]:
    """Miles and sailed line of each pair: straight when clear of land, else over the grid."""
    n = len(pts)
    n_cells = int(grid.wet.sum())
    ii, jj = np.triu_indices(n, 1)
    direct = _clear(land, pts[ii], pts[jj], grid.res / 8, approach[ii], approach[jj])
    nm = np.zeros((n, n))
    gc = _gc_nm(pts[ii, 0], pts[ii, 1], pts[jj, 0], pts[jj, 1])
    paths: dict[tuple[int, int], np.ndarray] = {}
    need = sorted(set(ii[~direct].tolist()))
    pred = dist = None
    if need:
        dist, pred = dijkstra(g, indices=[n_cells + p for p in need], return_predecessors=True)
    ys, xs = np.nonzero(grid.wet)
    coords = np.concatenate([np.column_stack([grid.cx[xs], grid.cy[ys]]), pts, fairways])
    for k, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
        if direct[k]:
            nm[i, j] = gc[k]
            paths[(i, j)] = raw[[i, j]]
            continue
        row = need.index(i)
        assert dist is not None and pred is not None
        if not np.isfinite(dist[row, n_cells + j]):
            nm[i, j] = math.inf
            paths[(i, j)] = raw[[i, j]]
            continue
        seq = [n_cells + j]
        while seq[-1] != n_cells + i:
            seq.append(int(pred[row, seq[-1]]))
        poly = _pull(land, coords[seq[::-1]], grid.res, approach[i], approach[j])
        nm[i, j] = float(_gc_nm(poly[:-1, 0], poly[:-1, 1], poly[1:, 0], poly[1:, 1]).sum())
        out = poly.copy()
        out[:, 0] = np.where(out[:, 0] > 180.0, out[:, 0] - 360.0, out[:, 0])
        out[0], out[-1] = raw[i], raw[j]
        paths[(i, j)] = out
    return nm + nm.T, paths


def sea_routes(points: np.ndarray, *, res: float | None = None, margin: float | None = None
               ) -> SeaRoutes:
    """Shortest sea distances and paths between every pair of (n, 2) lon/lat ``points``.

    ``margin`` (degrees around the points' box, room to sail round land) defaults to half the
    box's longer side, between 0.5 and 4: a harbour approach needs no ocean around it.
    """
    raw = np.asarray(points, dtype=float).reshape(-1, 2)
    n = len(raw)
    cut = _cut(raw[:, 0]) if n else 0.0
    pts = np.column_stack([_unwrap(raw[:, 0], cut), raw[:, 1]])
    lo, hi, res = _grid_box(pts, res, margin)
    land = _Land(cut, (lo[0] - res, hi[0] + res, lo[1] - res, hi[1] + res))
    grid = _sea_grid(land, lo, hi, res)
    edges: tuple[list, list, list] = ([], [], [])
    _cell_edges(grid, edges)
    n_cells = int(grid.wet.sum())
    landed = land.contains(pts) if n else np.zeros(0, dtype=bool)
    approach = np.where(landed, 3 * res, 0.0)
    nearest = None
    if n_cells:
        _, (iy_n, ix_n) = ndimage.distance_transform_edt(~grid.wet, return_indices=True)
        nearest = (iy_n, ix_n)
    _point_edges(land, grid, pts, approach, nearest, edges)
    fairways = _strait_edges(land, grid, straits_in(lo, hi, lambda x: _unwrap(x, cut)),
                             nearest, n_cells + n, edges)
    rows, cols, w = edges
    size = n_cells + n + len(fairways)
    g = coo_matrix((np.concatenate(w) if w else np.zeros(0),
                    (np.concatenate(rows) if rows else np.zeros(0, int),
                     np.concatenate(cols) if cols else np.zeros(0, int))),
                   shape=(size, size)).tocsr()
    nm, paths = _pair_routes(land, grid, g, pts, raw, approach, fairways)
    inland = np.zeros(n)
    if nearest is not None:
        for q in np.flatnonzero(landed).tolist():
            p = int(q)
            py, px = grid.cell_of(pts[p])
            inland[p] = float(_gc_nm(pts[p, 0], pts[p, 1], grid.cx[nearest[1][py, px]],
                                     grid.cy[nearest[0][py, px]]))
    return SeaRoutes(raw, nm, paths, float(res), landed, inland)


def _strait_edges(land: _Land, grid: _Grid, ways: list[np.ndarray],
                  nearest: tuple[np.ndarray, np.ndarray] | None, first: int,
                  edges: tuple[list, list, list]) -> np.ndarray:
    """Chain each fairway's points (nodes from ``first`` on) and join its ends to the grid."""
    rows, cols, w = edges
    node = first
    for way in ways:
        a = np.arange(node, node + len(way) - 1)
        d = _gc_nm(way[:-1, 0], way[:-1, 1], way[1:, 0], way[1:, 1])
        rows += [a, a + 1]
        cols += [a + 1, a]
        w += [d, d]
        for end in (0, len(way) - 1):
            _point_edges(land, grid, way[[end]], np.zeros(1), nearest, edges, node + end)
        node += len(way)
    return np.concatenate(ways) if ways else np.zeros((0, 2))


def _pull(land: _Land, poly: np.ndarray, res: float, skip_first: float, skip_last: float
          ) -> np.ndarray:
    """Drop corners of a grid path wherever the straight line to a later corner is at sea."""
    out, i, last = [poly[0]], 0, len(poly) - 1
    while i < last:
        # At most 48 candidates (always the next corner): enough to pull a path tight in a
        # few steps without testing every corner.
        js = np.unique(np.round(np.linspace(i + 1, last, min(48, last - i))).astype(int))[::-1]
        a = np.repeat(poly[[i]], len(js), 0)
        skip_a = np.full(len(js), skip_first if i == 0 else 0.0)
        skip_b = np.where(js == last, skip_last, 0.0)
        ok = _clear(land, a, poly[js], res / 8, skip_a, skip_b)
        ok[js == i + 1] = True  # grid moves are at sea by construction of the sea cells
        i = int(js[int(np.argmax(ok))])
        out.append(poly[i])
    return np.array(out)


@dataclass(frozen=True)
class SeaLegs:
    """Distances and drawn lines between named coordinates, by sea or straight."""

    index: dict[tuple[float, float], int]
    routes: SeaRoutes | None

    @classmethod
    def between(cls, points: list[tuple[float, float]], *, res: float | None = None,
                sea: bool = True) -> SeaLegs:
        """Legs between ``points``: by sea over a grid of ``res`` degrees, or straight."""
        index = {p: i for i, p in enumerate(points)}
        return cls(index, sea_routes(np.array(points), res=res) if sea and points else None)

    def nm(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Nautical miles from ``a`` to ``b`` (both among the points given)."""
        if self.routes is None:
            return float(_gc_nm(*(np.array([x]) for x in (a[0], a[1], b[0], b[1])))[0])
        return float(self.routes.nm[self.index[_key(a)], self.index[_key(b)]])

    def polyline(self, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
        """The line a ship sails from a to b: the sea path, or the straight leg."""
        ka, kb = _key(a), _key(b)
        if self.routes is None or ka not in self.index or kb not in self.index:
            return np.array([a, b], dtype=float)
        return self.routes.path(self.index[ka], self.index[kb])


def _key(p: tuple[float, float]) -> tuple[float, float]:
    return (float(p[0]), float(p[1]))
