"""Disruption models of a scenario: named losses and random link / airfield failures.

Named scenarios
---------------
``--scenario NAME`` is resolved, in order, as:

1. an entry of the scenario's ``x-disruptions`` list, e.g.::

       x-disruptions:
         - name: Rzeszów airfield closed
           nodes: [EPRZ]                # network nodes closed (an airfield, a junction)
           depots: [rzeszow]            # depot sites lost
           links: [[e100030, e100177]]  # edges cut (both directions)

2. ``depot:ID``, ``node:ID`` or ``link:FROM,TO``;
3. a depot site id or name; 4. a network node id.

Anything else is an :class:`~forcegen.exceptions.OptionError` listing the known names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forcegen.exceptions import NetworkInputError, OptionError
from forcegen.readiness._distances import CostTable, cost_table
from forcegen.readiness.robustness import DisruptionModel

__all__ = ["Losses", "disruption_model", "resolve_named"]


@dataclass
class Losses:
    """What a set of named scenarios takes away (ids as in the scenario / network)."""

    depots: set[str] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    links: set[tuple[str, str]] = field(default_factory=set)
    names: list[str] = field(default_factory=list)


def _entries(scenario: Any) -> list[dict[str, Any]]:
    raw = scenario.data.extensions().get("x-disruptions") or []
    if not isinstance(raw, list) or not all(isinstance(e, dict) and "name" in e for e in raw):
        raise OptionError("x-disruptions must be a list of {name, depots, nodes, links}")
    return raw


def resolve_named(scenario: Any, names: Sequence[str], graph: Any = None) -> Losses:
    """Turn ``--scenario`` names into the depots, nodes and links they take away."""
    out = Losses()
    entries = {str(e["name"]).casefold(): e for e in _entries(scenario)}
    sites = {s.id: s.id for s in scenario.depot_sites}
    sites.update({s.name: s.id for s in scenario.depot_sites if s.name})
    for name in names:
        key = name.strip()
        out.names.append(key)
        if key.casefold() in entries:
            e = entries[key.casefold()]
            out.depots |= {str(d) for d in e.get("depots", [])}
            out.nodes |= {str(n) for n in e.get("nodes", [])}
            out.links |= {(str(a), str(b)) for a, b in e.get("links", [])}
        elif key.startswith("depot:"):
            out.depots.add(key[6:])
        elif key.startswith("node:"):
            out.nodes.add(key[5:])
        elif key.startswith("link:") and key.count(",") == 1:
            a, b = key[5:].split(",")
            out.links.add((a.strip(), b.strip()))
        elif key in sites:
            out.depots.add(sites[key])
        elif graph is not None and key in graph.index:
            out.nodes.add(key)
        else:
            known = ", ".join(repr(e["name"]) for e in entries.values()) or "none defined"
            raise OptionError(
                f"unknown disruption scenario {key!r}; x-disruptions in the scenario: {known}; "
                "or use depot:ID, node:ID, link:FROM,TO"
            )
    unknown = sorted(out.depots - set(sites.values()))
    if unknown:
        raise OptionError(f"disruption names unknown depot site(s): {', '.join(unknown)}")
    if (out.nodes or out.links) and graph is None:
        raise OptionError("closing nodes or links needs a transport network in the scenario")
    return out


def _edge_ids(graph: Any, links: set[tuple[str, str]]) -> np.ndarray:
    ids = []
    for a, b in sorted(links):
        ia, ib = graph.indices([a, b])
        hit = ((graph.tail == ia) & (graph.head == ib)) | ((graph.tail == ib) & (graph.head == ia))
        if not hit.any():
            raise NetworkInputError(f"no link between nodes {a!r} and {b!r}")
        ids.extend(np.unique(graph.edge[hit]).tolist())
    return np.asarray(ids, dtype=np.int64)


def disruption_model(
    scenario: Any,
    *,
    depots: Sequence[str] | None = None,
    fail_prob: float = 0.0,
    link_prob: float = 0.0,
    airfield_prob: float = 0.0,
    named: Sequence[str] = (),
    link_patterns: int = 32,
    seed: int = 0,
    table: CostTable | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DisruptionModel:
    """Build the Monte Carlo model of a scenario.

    Parameters
    ----------
    scenario
        A :class:`forcegen.scenario.Scenario`.
    depots
        Site ids of the depot plan to test (default: every depot site).
    fail_prob, link_prob, airfield_prob
        Independent loss probabilities of each depot, each network edge (road, rail, sea),
        and each airfield (node with air arcs).
    named
        Named scenarios applied in every sample (:func:`resolve_named`).
    link_patterns
        ``K``, the number of link / airfield failure patterns drawn (module text of
        :mod:`forcegen.readiness.robustness`).
    seed
        Seed for the patterns.
    table
        Precomputed :class:`CostTable`.
    progress
        ``progress(done, total)`` while patterns are computed.
    """
    for label, v in (("{fail_prob}", fail_prob), ("link probability", link_prob),
                     ("airfield probability", airfield_prob)):
        if not 0.0 <= v <= 1.0:
            raise OptionError(f"{label} must be between 0 and 1, got {v}", "fail_prob")
    if link_patterns < 1:
        raise OptionError("link_patterns must be >= 1")
    table = table or cost_table(scenario)
    chosen = list(table.site_ids) if depots is None else list(depots)
    unknown = sorted(set(chosen) - set(table.site_ids))
    if unknown:
        raise OptionError(f"unknown depot site(s): {', '.join(unknown)}")
    rows = np.array([table.site_ids.index(d) for d in chosen], dtype=np.intp)
    g = table.graph
    losses = resolve_named(scenario, named, g)
    demand = np.array([s.demand for s in scenario.sectors], dtype=float)
    notes = [f"distances: {table.source}"]
    if losses.names:
        notes.append("named: " + "; ".join(losses.names))
    base = table.cost[rows]
    wants_net = link_prob > 0 or airfield_prob > 0 or losses.nodes or losses.links
    if g is None or not wants_net:
        if wants_net:
            notes.append("no transport network: only depot losses are modelled")
        mats = base[None]
    else:
        given = np.zeros(base.shape, dtype=bool)
        if table.source.startswith("costs.csv"):
            # Pairs fixed by costs.csv are not travel times; link cuts leave them unchanged.
            given = np.isfinite(base) & ~np.isin(table.source, ["network"])
        g0 = g.without(nodes=sorted(losses.nodes) or None,
                       edges=_edge_ids(g, losses.links) if losses.links else None)
        k = link_patterns if (link_prob > 0 or airfield_prob > 0) else 1
        rng = np.random.default_rng(seed)
        edges = np.unique(g0.edge[g0.mode != "air"])
        fields = g0.nodes_with_modes({"air"})
        mats = np.empty((k, len(rows), base.shape[1]))
        assert table.site_nodes is not None and table.sector_nodes is not None
        from forcegen.network import travel_times

        for p in range(k):
            cut = edges[rng.random(edges.size) < link_prob] if link_prob > 0 else None
            shut = fields[rng.random(fields.size) < airfield_prob] if airfield_prob > 0 else None
            gk = g0 if cut is None and shut is None else g0.without(nodes=shut, edges=cut)
            tt = travel_times(gk, table.site_nodes[rows], table.sector_nodes)
            mats[p] = np.where(given, base, tt)
            if progress is not None:
                progress(p + 1, k)
        if k > 1:
            notes.append(f"link/airfield failures: {k} sampled patterns "
                         f"(edge p={link_prob:g}, airfield p={airfield_prob:g})")
    return DisruptionModel(
        depot_ids=chosen,
        sector_ids=list(table.sector_ids),
        demand=demand,
        matrices=mats,
        fail_prob=np.full(len(rows), float(fail_prob)),
        lost=np.isin(chosen, sorted(losses.depots)),
        notes=notes,
    )
