"""`TransportGraph`: nodes with coordinates and directed arcs with travel hours.

The graph is stored as flat numpy arrays (one entry per arc), and the sparse matrices the
algorithms need are built from them on demand and cached. Nodes are never renumbered: removing
arcs (a cut bridge, a closed airfield) keeps every node index valid, so results of a disrupted
graph line up with the intact one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from forcegen.exceptions import NetworkInputError
from forcegen.network._geo import chord_to_km, unit_vectors

__all__ = ["NodeRef", "TransportGraph"]

#: A node given by its id (``str``) or by its integer position in the graph.
NodeRef = str | int | np.integer[Any]


def _min_csr(
    tail: NDArray[np.int64], head: NDArray[np.int64], w: NDArray[np.float64], n: int
) -> sp.csr_array:
    """CSR matrix keeping the *smallest* weight of parallel arcs (scipy would add them up)."""
    if tail.size == 0:
        return sp.csr_array((n, n), dtype=np.float64)
    key = tail * n + head
    order = np.lexsort((w, key))
    key, w = key[order], w[order]
    first = np.r_[True, key[1:] != key[:-1]]
    key, w = key[first], w[first]  # sorted by weight inside each key: first one is the minimum
    rows, cols = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    # csgraph treats explicit zeros in sparse input as real (zero-hour) arcs, which is what we want.
    return sp.csr_array((w, cols, indptr), shape=(n, n))


@dataclass(frozen=True, eq=False)
class TransportGraph:
    """A multimodal transport network.

    Parameters
    ----------
    ids
        Node ids, one per node (strings, unique).
    lon, lat
        Node coordinates in degrees (WGS84).
    tail, head
        Arc ends as node positions. An undirected edge is two arcs.
    hours
        Travel time of each arc in hours (>= 0).
    mode
        Mode of each arc: ``road``, ``rail``, ``air`` or ``sea``.
    edge
        For each arc, the row of the edge it came from (both arcs of an undirected edge share it),
        so that a cut edge removes both directions.
    km
        Optional length of each arc in km (for ``weight="km"``).

    Examples
    --------
    >>> G = TransportGraph.from_edges(
    ...     ["a", "b", "c"], [0.0, 1.0, 2.0], [50.0, 50.0, 50.0],
    ...     ["a", "b"], ["b", "c"], [1.5, 2.0])
    >>> G.n_nodes, G.n_edges, G.n_arcs
    (3, 2, 4)
    >>> G.matrix()[0, 1]
    np.float64(1.5)
    """

    ids: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    hours: NDArray[np.float64]
    mode: NDArray[np.str_]
    edge: NDArray[np.int64]
    km: NDArray[np.float64] | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_edges(
        cls,
        ids: Sequence[str] | NDArray[Any],
        lon: ArrayLike,
        lat: ArrayLike,
        source: Sequence[NodeRef] | NDArray[Any],
        target: Sequence[NodeRef] | NDArray[Any],
        hours: ArrayLike,
        *,
        mode: Sequence[str] | NDArray[Any] | str = "road",
        oneway: ArrayLike | bool = False,
        km: ArrayLike | None = None,
    ) -> TransportGraph:
        """Build a graph from edge lists (undirected unless ``oneway``).

        ``source`` and ``target`` are node ids or positions. Raises
        :class:`~forcegen.exceptions.NetworkInputError` for unknown ids or negative hours.
        """
        node_ids = np.asarray([str(i) for i in ids], dtype=np.str_)
        if len(set(node_ids.tolist())) != node_ids.size:
            raise NetworkInputError("node ids are not unique")
        lon_a = np.asarray(lon, dtype=float).reshape(-1)
        lat_a = np.asarray(lat, dtype=float).reshape(-1)
        if lon_a.size != node_ids.size or lat_a.size != node_ids.size:
            raise NetworkInputError("lon and lat need one value per node id")
        probe = cls(node_ids, lon_a, lat_a, *(np.zeros(0, np.int64),) * 2, np.zeros(0),
                    np.zeros(0, np.str_), np.zeros(0, np.int64))
        s = probe.indices(source)
        t = probe.indices(target)
        m = s.size
        h = np.broadcast_to(np.asarray(hours, dtype=float), (m,)).copy()
        if np.any(~np.isfinite(h)) or np.any(h < 0):
            bad = int(np.flatnonzero(~np.isfinite(h) | (h < 0))[0])
            raise NetworkInputError(f"edge {bad}: hours must be a finite number >= 0, got {h[bad]}")
        md = np.broadcast_to(np.asarray(mode, dtype=np.str_), (m,))
        ow = np.broadcast_to(np.asarray(oneway, dtype=bool), (m,))
        k = None if km is None else np.broadcast_to(np.asarray(km, dtype=float), (m,))
        back = ~ow
        eid = np.arange(m, dtype=np.int64)
        return cls(
            ids=node_ids,
            lon=lon_a,
            lat=lat_a,
            tail=np.r_[s, t[back]].astype(np.int64),
            head=np.r_[t, s[back]].astype(np.int64),
            hours=np.r_[h, h[back]],
            mode=np.r_[md, md[back]].astype(np.str_),
            edge=np.r_[eid, eid[back]],
            km=None if k is None else np.r_[k, k[back]],
        )

    # ------------------------------------------------------------------ sizes and lookup
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.ids.size)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs (an undirected edge counts twice)."""
        return int(self.tail.size)

    @property
    def n_edges(self) -> int:
        """Number of distinct edges (rows of the edge table still present)."""
        return int(np.unique(self.edge).size)

    @cached_property
    def index(self) -> dict[str, int]:
        """Node id to position."""
        return {str(k): i for i, k in enumerate(self.ids.tolist())}

    def indices(self, nodes: NodeRef | Iterable[NodeRef] | NDArray[Any]) -> NDArray[np.int64]:
        """Positions of nodes given by id (``str``) or position (``int``), as an int array.

        Raises
        ------
        NetworkInputError
            For an unknown id or a position out of range (the message names it).
        """
        if isinstance(nodes, str | int | np.integer):
            nodes = [nodes]
        arr = np.asarray(list(nodes) if not isinstance(nodes, np.ndarray) else nodes)
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        if arr.dtype.kind in "iu":
            out = arr.astype(np.int64).reshape(-1)
            bad = (out < 0) | (out >= self.n_nodes)
            if bad.any():
                raise NetworkInputError(f"node position {int(out[bad][0])} is out of range "
                                        f"(the graph has {self.n_nodes} nodes)")
            return out
        idx = self.index
        try:
            return np.fromiter((idx[str(x)] for x in arr.reshape(-1)), dtype=np.int64,
                               count=arr.size)
        except KeyError as exc:
            raise NetworkInputError(f"unknown node id {exc.args[0]!r}") from None

    # ------------------------------------------------------------------ matrices
    def weights(self, weight: str = "hours") -> NDArray[np.float64]:
        """Arc weights by name: ``"hours"`` or ``"km"``."""
        if weight == "hours":
            return self.hours
        if weight == "km":
            if self.km is None:
                raise NetworkInputError("this network has no lengths in km; use weight='hours'")
            return self.km
        raise NetworkInputError(f"unknown weight {weight!r}; expected 'hours' or 'km'")

    def matrix(self, weight: str = "hours") -> sp.csr_array:
        """Sparse ``n x n`` matrix of arc weights (smallest of parallel arcs), cached."""
        key = ("matrix", weight)
        if key not in self._cache:
            self._cache[key] = _min_csr(self.tail, self.head, self.weights(weight), self.n_nodes)
        return self._cache[key]

    # ------------------------------------------------------------------ derived graphs
    def _keep(self, keep: NDArray[np.bool_]) -> TransportGraph:
        return TransportGraph(
            ids=self.ids, lon=self.lon, lat=self.lat, tail=self.tail[keep], head=self.head[keep],
            hours=self.hours[keep], mode=self.mode[keep], edge=self.edge[keep],
            km=None if self.km is None else self.km[keep],
        )

    def restrict(self, modes: Iterable[str]) -> TransportGraph:
        """The same nodes with only the arcs of the given modes (e.g. ``{"road"}``)."""
        return self._keep(np.isin(self.mode, np.asarray(list(modes), dtype=np.str_)))

    def without(
        self,
        *,
        nodes: Iterable[NodeRef] | NDArray[Any] | None = None,
        edges: Iterable[int] | NDArray[Any] | None = None,
    ) -> TransportGraph:
        """The graph with the arcs touching ``nodes`` and the arcs of ``edges`` removed.

        Node positions are unchanged (removed nodes stay, isolated), so distance matrices of the
        disrupted graph align with the intact one.

        Examples
        --------
        >>> G = TransportGraph.from_edges(["a", "b"], [0, 1], [0, 0], ["a"], ["b"], [1.0])
        >>> G.without(edges=[0]).n_arcs
        0
        """
        keep = np.ones(self.n_arcs, dtype=bool)
        if nodes is not None:
            gone = np.zeros(self.n_nodes, dtype=bool)
            gone[self.indices(nodes)] = True
            keep &= ~(gone[self.tail] | gone[self.head])
        if edges is not None:
            keep &= ~np.isin(self.edge, np.asarray(list(edges), dtype=np.int64))
        return self._keep(keep)

    def with_arcs(
        self,
        tail: ArrayLike,
        head: ArrayLike,
        hours: ArrayLike,
        mode: str,
        *,
        km: ArrayLike | None = None,
        new_ids: Sequence[str] = (),
        new_lon: ArrayLike = (),
        new_lat: ArrayLike = (),
    ) -> TransportGraph:
        """A new graph with extra nodes appended and extra (directed) arcs added.

        ``tail`` and ``head`` are positions in the *new* graph (new nodes come after the old).
        Edge numbers of the added arcs continue after the largest existing one, one per arc.
        """
        ids = np.r_[self.ids, np.asarray(list(new_ids), dtype=np.str_)].astype(np.str_)
        t = np.asarray(tail, dtype=np.int64).reshape(-1)
        m = t.size
        h = np.broadcast_to(np.asarray(hours, dtype=float), (m,))
        start = int(self.edge.max()) + 1 if self.edge.size else 0
        if self.km is not None or km is not None:
            old_km = self.km if self.km is not None else np.full(self.n_arcs, np.nan)
            new_km = np.full(m, np.nan) if km is None else np.broadcast_to(
                np.asarray(km, dtype=float), (m,))
            km_all: NDArray[np.float64] | None = np.r_[old_km, new_km]
        else:
            km_all = None
        return TransportGraph(
            ids=ids,
            lon=np.r_[self.lon, np.asarray(new_lon, dtype=float)],
            lat=np.r_[self.lat, np.asarray(new_lat, dtype=float)],
            tail=np.r_[self.tail, t],
            head=np.r_[self.head, np.asarray(head, dtype=np.int64).reshape(-1)],
            hours=np.r_[self.hours, h],
            mode=np.r_[self.mode, np.asarray([mode] * m, dtype=np.str_)].astype(np.str_),
            edge=np.r_[self.edge, np.arange(start, start + m, dtype=np.int64)],
            km=km_all,
        )

    # ------------------------------------------------------------------ geometry
    def nodes_with_modes(self, modes: Iterable[str]) -> NDArray[np.int64]:
        """Positions of nodes touched by at least one arc of the given modes."""
        sel = np.isin(self.mode, np.asarray(list(modes), dtype=np.str_))
        return np.unique(np.r_[self.tail[sel], self.head[sel]])

    def _tree(self, modes: tuple[str, ...] | None) -> tuple[cKDTree, NDArray[np.int64]]:
        key = ("tree", modes)
        if key not in self._cache:
            cand = (np.arange(self.n_nodes, dtype=np.int64) if modes is None
                    else self.nodes_with_modes(modes))
            # Nodes without coordinates (a network.csv without nodes.csv) cannot be snapped to.
            cand = cand[np.isfinite(self.lon[cand]) & np.isfinite(self.lat[cand])]
            self._cache[key] = (cKDTree(unit_vectors(self.lon[cand], self.lat[cand])), cand)
        return self._cache[key]

    def nearest_nodes(
        self, lon: ArrayLike, lat: ArrayLike, *, modes: Iterable[str] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest node to each point, and the great-circle distance to it in km.

        ``modes`` limits the candidates to nodes on arcs of those modes (``{"road"}`` snaps a
        sector to a road, never to an airfield). Vectorized: one k-d tree query for all points.
        """
        key = None if modes is None else tuple(sorted(set(modes)))
        tree, cand = self._tree(key)
        if cand.size == 0:
            raise NetworkInputError("the network has no node to snap to"
                                    + ("" if key is None else f" for modes {', '.join(key)}"))
        chord, pos = tree.query(unit_vectors(lon, lat))
        return cand[np.asarray(pos, dtype=np.int64)], chord_to_km(np.asarray(chord, dtype=float))

    def nearest_node(
        self, lon: float, lat: float, *, modes: Iterable[str] | None = None
    ) -> tuple[int, float]:
        """Nearest node position to one point and the distance in km.

        Examples
        --------
        >>> G = TransportGraph.from_edges(["a", "b"], [20.0, 21.0], [50.0, 50.0],
        ...                               ["a"], ["b"], [1.0])
        >>> i, km = G.nearest_node(20.9, 50.0)
        >>> str(G.ids[i]), round(km, 1)
        ('b', 7.1)
        """
        idx, km = self.nearest_nodes([lon], [lat], modes=modes)
        return int(idx[0]), float(km[0])

    def __repr__(self) -> str:
        modes = ", ".join(f"{m}={c}" for m, c in zip(*np.unique(self.mode, return_counts=True),
                                                      strict=True))
        return f"TransportGraph({self.n_nodes} nodes, {self.n_arcs} arcs: {modes or 'none'})"
