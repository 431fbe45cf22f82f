"""Travel-time engine on :mod:`scipy.sparse.csgraph`: matrices, nearest facility, routes.

Signatures follow networkx: the graph first, then the nodes, then ``weight`` and ``cutoff``.
Nodes are given by id (``str``) or position (``int``). Unreachable pairs and pairs beyond the
cutoff are ``inf`` in the results, never dropped, so callers can report them.
"""

from __future__ import annotations

import itertools
import mmap
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from forcegen.exceptions import NetworkInputError
from forcegen.network._graph import NodeRef, TransportGraph
from forcegen.network._reduce import Reduction, reduce_graph

__all__ = ["Route", "nearest_facility", "route", "travel_times"]

# Below this many nodes, or with few sources, plain Dijkstra is already fast and the reduction
# would only add overhead.
_CONTRACT_MIN_NODES = 20_000
_CONTRACT_MIN_SOURCES = 8
# The reduction pays only if the core is clearly smaller than the graph: the fill-in is one
# extra pass over the output, which costs more than it saves above about half the nodes.
_CONTRACT_MAX_RATIO = 0.5

Nodes = NodeRef | Iterable[NodeRef] | NDArray[Any]

# What the jobs below work on: set in this process before the worker processes are forked, so
# they inherit it (matrices, and output arrays in shared memory) without any pickling.
_WORKER: dict[str, Any] = {}


def _dijkstra_job(span: tuple[int, int]) -> None:
    """Distances from sources ``lo:hi``: node-major core block, or source-major output rows."""
    lo, hi = span
    w = _WORKER
    d = dijkstra(w["matrix"], directed=True, indices=w["src"][lo:hi], limit=w["limit"])
    if w["red"] is not None:
        w["dct"][:, lo:hi] = d.T
    else:
        w["out"][lo:hi] = d if w["cols"] is None else d[:, w["cols"]]


def _expand_job(span: tuple[int, int]) -> None:
    """Output rows ``lo:hi`` (targets) from the core distances."""
    lo, hi = span
    w = _WORKER
    red: Reduction = w["red"]
    red.expand(w["dct"], w["rows"][lo:hi], w["out"][lo:hi], w["cutoff"])


def _shared(shape: tuple[int, int]) -> NDArray[np.float64]:
    """A float array in anonymous shared memory: written by forked workers, seen here.

    The array keeps the mapping alive and releases it when garbage-collected.
    """
    buf = mmap.mmap(-1, max(8, shape[0] * shape[1] * 8))
    return np.frombuffer(buf, dtype=np.float64, count=shape[0] * shape[1]).reshape(shape)


def _spans(size: int, parts: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, size, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges.tolist()) if b > a]


def _run(m: sp.csr_array, src: NDArray[np.int64], cols: NDArray[np.int64] | None,
         ncols: int, cutoff: float | None, workers: int, red: Reduction | None
         ) -> NDArray[np.float64]:
    """``(sources, targets)`` distances, with or without a reduction, on 1 or more processes.

    With a reduction the work is two passes: Dijkstra on the core (sources split between the
    processes), then the fill-in of every target (targets split between them). The output is
    node-major there because gathering whole rows is several times faster than columns.
    """
    parallel = workers > 1 and src.size >= 2 * workers and os.name == "posix"
    alloc = _shared if parallel else (lambda shape: np.empty(shape))
    limit = np.inf if cutoff is None else float(cutoff)
    if red is None and not parallel:
        d = dijkstra(m, directed=True, indices=src, limit=limit)
        return np.asarray(d if cols is None else d[:, cols], dtype=float)
    job: dict[str, Any] = {"matrix": m, "src": src, "limit": limit, "cutoff": cutoff,
                           "red": red, "cols": cols}
    if red is not None:
        job["dct"] = alloc((red.core.size, int(src.size)))
        job["rows"] = np.arange(ncols, dtype=np.int64) if cols is None else cols
        job["out"] = alloc((ncols, int(src.size)))
    else:
        job["out"] = alloc((int(src.size), ncols))
    _WORKER.update(job)
    try:
        if not parallel:
            _dijkstra_job((0, int(src.size)))
            _expand_job((0, ncols))
        else:
            # fork shares the matrices and the shared output with the workers
            with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as ex:
                # without a reduction each job's Dijkstra output is a full-width block:
                # small jobs keep that temporary memory small and the two processes balanced
                parts = workers if red is not None else max(workers, -(-int(src.size) // 64))
                list(ex.map(_dijkstra_job, _spans(int(src.size), parts)))
                if red is not None:
                    list(ex.map(_expand_job, _spans(ncols, workers)))
    finally:
        _WORKER.clear()
    out: NDArray[np.float64] = job["out"]
    return out.T if red is not None else out


def travel_times(
    G: TransportGraph,
    sources: Nodes,
    targets: Nodes | None = None,
    *,
    weight: str = "hours",
    cutoff: float | None = None,
    workers: int = 1,
) -> NDArray[np.float64]:
    """Shortest travel times from each source to each target.

    Parameters
    ----------
    G
        The network.
    sources
        Node ids or positions (one or many).
    targets
        Node ids or positions; ``None`` means every node of ``G`` in position order.
    weight
        ``"hours"`` (default) or ``"km"``.
    cutoff
        Stop searching beyond this value; farther pairs are ``inf``.
    workers
        Processes to share the work (``1``: this process only; more needs ``fork``, so
        other platforms use one).

    Returns
    -------
    numpy.ndarray
        ``(len(sources), len(targets))`` array (``n_nodes`` columns without targets); ``inf``
        where a target cannot be reached (within ``cutoff``).

    Notes
    -----
    Large graphs with many sources are first reduced to their core: chains of degree-2 nodes
    become single edges and trees hanging off the core are peeled
    (:mod:`forcegen.network._reduce`); Dijkstra runs on the core only and every other node
    gets its time from its chain ends or tree root. The answer is exact either way, with or
    without ``cutoff``.

    Examples
    --------
    >>> G = TransportGraph.from_edges(["a", "b", "c", "d"], [0, 1, 2, 3], [0, 0, 0, 0],
    ...                               ["a", "b", "c"], ["b", "c", "a"], [1.0, 2.0, 5.0])
    >>> travel_times(G, ["a"], ["b", "c", "d"])
    array([[ 1.,  3., inf]])
    >>> travel_times(G, ["a"], cutoff=2.0)
    array([[ 0.,  1., inf, inf]])
    """
    src = G.indices(sources)
    tgt = None if targets is None else G.indices(targets)
    if cutoff is not None and not cutoff >= 0:
        raise NetworkInputError(f"cutoff must be >= 0, got {cutoff}")
    m = G.matrix(weight)
    n = G.n_nodes
    if src.size == 0:
        return np.zeros((0, n if tgt is None else int(tgt.size)))
    ncols = n if tgt is None else int(tgt.size)
    if n >= _CONTRACT_MIN_NODES and src.size >= _CONTRACT_MIN_SOURCES:
        red = reduce_graph(m, np.unique(src), give_up_above=_CONTRACT_MAX_RATIO + 0.2)
        if red is not None and red.ratio <= _CONTRACT_MAX_RATIO:
            return _run(red.matrix, red.core_pos[src], tgt, ncols, cutoff, workers, red)
    return _run(m, src, tgt, ncols, cutoff, workers, None)


def nearest_facility(
    G: TransportGraph,
    facilities: Nodes,
    *,
    weight: str = "hours",
    cutoff: float | None = None,
    direction: str = "from",
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Time from the nearest facility to every node, and which facility it is.

    One multi-source Dijkstra (``min_only``), whatever the number of facilities.

    Parameters
    ----------
    G
        The network.
    facilities
        Node ids or positions of the facilities (depots, airfields).
    weight, cutoff
        As in :func:`travel_times`.
    direction
        ``"from"``: travel from the facility to the node (supplying a sector from a depot);
        ``"to"``: from the node to the facility (reaching the nearest airfield).

    Returns
    -------
    hours : numpy.ndarray
        Per node, the time to/from its nearest facility (``inf`` if none within reach).
    which : numpy.ndarray
        Per node, the index *into* ``facilities`` of that facility, ``-1`` if none.

    Examples
    --------
    >>> G = TransportGraph.from_edges(["a", "b", "c"], [0, 1, 2], [0, 0, 0],
    ...                               ["a", "b"], ["b", "c"], [1.0, 3.0])
    >>> hours, which = nearest_facility(G, ["a", "c"])
    >>> hours.tolist(), which.tolist()
    ([0.0, 1.0, 0.0], [0, 0, 1])
    """
    fac = G.indices(facilities)
    if direction not in ("from", "to"):
        raise NetworkInputError(f"direction must be 'from' or 'to', got {direction!r}")
    n = G.n_nodes
    if fac.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    m = G.matrix(weight)
    if direction == "to":
        m = sp.csr_array(m.T)
    d, _, s = dijkstra(m, directed=True, indices=fac, min_only=True, return_predecessors=True,
                       limit=np.inf if cutoff is None else float(cutoff))
    # Map the source node back to its place in ``facilities`` (first one if listed twice).
    slot = np.full(n, -1, dtype=np.int64)
    slot[fac[::-1]] = np.arange(fac.size - 1, -1, -1)
    which = np.where(s >= 0, slot[np.maximum(s, 0)], -1)
    return np.asarray(d, dtype=float), which


@dataclass(frozen=True)
class Route:
    """A shortest route: its nodes in order, their coordinates, and the time of each leg."""

    nodes: list[str]
    positions: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    leg_hours: NDArray[np.float64]
    leg_modes: list[str]

    @property
    def hours(self) -> float:
        """Total travel time."""
        return float(self.leg_hours.sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "hours": self.hours,
            "nodes": self.nodes,
            "coordinates": np.column_stack([self.lon, self.lat]).round(5).tolist(),
            "leg_hours": self.leg_hours.round(4).tolist(),
            "leg_modes": self.leg_modes,
        }


def route(
    G: TransportGraph, source: NodeRef, target: NodeRef, *, weight: str = "hours"
) -> Route:
    """The shortest route from ``source`` to ``target``.

    Parameters
    ----------
    G
        The network.
    source, target
        Node ids or node indices.
    weight
        ``"hours"`` (quickest) or ``"km"`` (shortest).

    Returns
    -------
    Route
        The nodes passed, hours and km in total, and the mode of each leg.

    Raises
    ------
    NetworkInputError
        If the target cannot be reached from the source (the message names both).

    Examples
    --------
    >>> G = TransportGraph.from_edges(["a", "b", "c"], [0, 1, 2], [0, 0, 0],
    ...                               ["a", "b", "a"], ["b", "c", "c"], [1.0, 1.0, 5.0])
    >>> r = route(G, "a", "c")
    >>> r.nodes, r.hours, r.leg_modes
    (['a', 'b', 'c'], 2.0, ['road', 'road'])
    """
    s = int(G.indices(source)[0])
    t = int(G.indices(target)[0])
    m = G.matrix(weight)
    d, pred = dijkstra(m, directed=True, indices=s, return_predecessors=True)
    if not np.isfinite(d[t]):
        raise NetworkInputError(f"no route from {G.ids[s]!s} to {G.ids[t]!s}")
    path = [t]
    while path[-1] != s:  # walks the route only, not the graph
        path.append(int(pred[path[-1]]))
    pos = np.asarray(path[::-1], dtype=np.int64)
    legs = _leg_arcs(G, pos[:-1], pos[1:], weight)
    w = G.weights(weight)
    return Route(
        nodes=[str(x) for x in G.ids[pos]],
        positions=pos,
        lon=G.lon[pos],
        lat=G.lat[pos],
        leg_hours=G.hours[legs] if weight == "hours" else w[legs],
        leg_modes=[str(x) for x in G.mode[legs]],
    )


def _leg_arcs(
    G: TransportGraph, a: NDArray[np.int64], b: NDArray[np.int64], weight: str
) -> NDArray[np.int64]:
    """For each leg a->b, the arc used (the cheapest of parallel arcs)."""
    n = G.n_nodes
    w = G.weights(weight)
    key = G.tail * n + G.head
    order = np.lexsort((w, key))
    skey = key[order]
    return order[np.searchsorted(skey, a * n + b)]
