"""The web map: roads of the scenario's network coloured by hours from the nearest depot (the
bands recomputed here by brute force), sector fill from a plan, zoom controls, offline SVG."""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict

import numpy as np

from forcegen.web.roads import BANDS, road_layer
from forcegen.workspace.database import session_scope
from forcegen.workspace.reference import WorkspaceMeta

from .conftest import EXAMPLE, Web
from .test_whatif_compare_web import _start

NETWORK = (EXAMPLE / "network.csv").read_text(encoding="utf-8")
NODES = (EXAMPLE / "nodes.csv").read_text(encoding="utf-8")


def _store_network(web: Web) -> None:
    with session_scope(web.factory) as db:
        for key, value in (("network", "network.csv"), ("nodes", "nodes.csv"),
                           ("files", {"network.csv": NETWORK, "nodes.csv": NODES})):
            row = db.get(WorkspaceMeta, key)
            if row is None:
                db.add(WorkspaceMeta(key=key, value=value))
            else:
                row.value = value


def _dijkstra_oracle(
    n: int, edges: list[tuple[int, int, float]], sources: list[int]
) -> list[float]:
    adj: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, h in edges:
        adj[a].append((b, h))
        adj[b].append((a, h))
    dist = [math.inf] * n
    heap = [(0.0, s) for s in sources]
    for s in sources:
        dist[s] = 0.0
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, h in adj[u]:
            if d + h < dist[v]:
                dist[v] = d + h
                heapq.heappush(heap, (d + h, v))
    return dist


def test_travel_time_bands_match_a_plain_dijkstra() -> None:
    depots = [(22.02, 50.11), (24.03, 49.84)]
    layer = road_layer(NETWORK, NODES, depots)
    assert layer is not None and layer.depots_snapped == 2
    # The oracle: plain Python Dijkstra from the nodes nearest to the depots.
    n = len(layer.lon)
    k = math.cos(math.radians(float(np.mean(layer.lat))))
    sources = [int(np.argmin((layer.lon * k - x * k) ** 2 + (layer.lat - y) ** 2))
               for x, y in depots]
    ids = {}
    for i, line in enumerate(NODES.splitlines()[1:]):
        ids[line.split(",")[0]] = i
    edges = []
    for line in NETWORK.splitlines()[1:]:
        a, b, hours, mode = line.split(",")[:4]
        if mode == "road" and a in ids and b in ids and a != b:
            edges.append((ids[a], ids[b], float(hours)))
    dist = _dijkstra_oracle(n, edges, sources)
    limits = [b for b, _ in BANDS]
    for arc in range(0, len(layer.src), 37):
        slower = max(dist[layer.src[arc]], dist[layer.dst[arc]])
        want = -1 if math.isinf(slower) else next(i for i, b in enumerate(limits) if slower <= b)
        assert layer.band[arc] == want
    assert {int(b) for b in layer.band} >= {0, 1, 2, 3}


def test_bad_rows_are_skipped_and_no_network_draws_no_roads() -> None:
    assert road_layer(None, NODES, []) is None
    nodes = "id,lon,lat\nA,20,50\nB,21,50\nC,x,50\nD,200,50\n"
    network = "from,to,hours,mode\nA,B,2,road\nA,C,1,road\nB,D,1,road\nA,B,1,sea\nA,B,nan,road\n"
    layer = road_layer(network, nodes, [(20.0, 50.0)])
    assert layer is not None and len(layer.src) == 1 and list(layer.band) == [0]


def test_map_draws_roads_bands_and_sector_fill(web: Web) -> None:
    _store_network(web)
    c = web.signed_in("observer_fra")
    page = c.get("/map").text
    assert 'class="road b0"' in page and 'data-testid="map-bands"' in page
    assert 'data-zoom="on"' in page and 'data-map-zoom="in"' in page
    assert "mapbadge" not in page  # no plan yet
    run_id = _start(web, {})
    page = c.get("/map").text
    badges = re.findall(r'class="mapbadge"[^>]*><title>[^<]*</title>(\d+)/(\d+) units<', page)
    assert badges and all(int(a) <= int(b) for a, b in badges)
    assert c.get(f"/map?run={run_id}").status_code == 200
    # The sector's tooltip names the units per nation the reader may see: FRA only.
    tips = re.findall(r"  ([A-Z]{3}): \d+ unit\(s\)", page)
    assert tips and set(tips) == {"FRA"}
    lead = web.signed_in("lead").get("/map").text
    assert len(set(re.findall(r"  ([A-Z]{3}): \d+ unit\(s\)", lead))) > 3
    assert c.get("/map?run=999999").status_code == 404
    assert "<script" not in page.split("</head>")[1] and "style=" not in page
