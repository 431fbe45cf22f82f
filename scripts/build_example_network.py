#!/usr/bin/env python3
"""Build the example transport network and the shipped airfield/port/country data.

Reads ``../shared/data/networks`` and ``../shared/data/naturalearth`` (BUILD time only) and
writes, committed with the project:

- ``examples/reassurance-force/network.csv`` and ``nodes.csv``: a combined road network of
  Europe including Ukraine (ETISplus main roads with real road km, joined with the E-road network
  which carries the cross-border links and Moldova), plus a few ro-ro sea lanes;
- ``src/forcegen/data/airfields.csv``, ``ports.csv`` and ``europe_countries.json``.

Choices, all documented in ``forcegen.network.speeds`` and the data's ATTRIBUTION.md:

- Russia and Belarus are left out entirely: their borders are closed to coalition movement.
- ETISplus heuristic border connectors are kept only between countries with an open land border
  or a fixed link (bridge, tunnel); the rest (water gaps, closed borders) are dropped.
- Hours: road km / 55 km/h (main road), great-circle km x 1.25 where only the straight line is
  known; 2 h at a border crossing outside the Schengen area.

Usage: ``python scripts/build_example_network.py [--shared PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import airportsdata
import numpy as np

from forcegen.network import TransportGraph, haversine_km
from forcegen.network.speeds import DEFAULT_SPEEDS as SPEEDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "reassurance-force"
DATA = ROOT / "src" / "forcegen" / "data"

CLOSED = {"RU", "BY"}
SCHENGEN = {"AT", "BE", "BG", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
            "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI",
            "SK"}
# Land borders and fixed links between the countries in the data (unordered pairs).
_BORDERS = (
    "AT-CH AT-CZ AT-DE AT-HU AT-IT AT-SI AT-SK BE-DE BE-FR BE-LU BE-NL BG-GR BG-MK BG-RO BG-RS "
    "BG-TR CH-DE CH-FR CH-IT CZ-DE CZ-PL CZ-SK DE-DK DE-FR DE-LU DE-NL DE-PL DK-SE EE-LV ES-FR "
    "ES-PT FI-NO FI-SE FR-IT FR-LU GR-MK GR-TR HR-HU HR-SI HR-RS HU-RO HU-RS HU-SI HU-SK HU-UA "
    "LT-LV LT-PL MK-RS NO-SE PL-SK PL-UA RO-RS RO-UA SK-UA GB-IE GB-FR")
OPEN_BORDERS = {frozenset(p.split("-")) for p in _BORDERS.split()}
EUROPE = (-25.0, 33.0, 50.0, 72.0)  # lon0, lat0, lon1, lat1
UA_AIRSPACE_CLOSED = {"UA", "RU", "BY"}
# Airfields that matter for the eastern flank but are missing from Natural Earth's 10m layer
# (looked up by ICAO in airportsdata): logistics hubs and NATO air bases.
EXTRA_ICAO = ["EPRZ", "EPLB", "EPPW", "EPLK", "EPKS", "LZKZ", "LZSL", "LHDC", "LHPA", "LHKE",
              "LRSV", "LRIA", "LRBC", "LRCK", "LRTR", "LRCL", "LRSB", "ETAR", "ETAD", "ETNW",
              "ETHN", "EGVN", "EHEH", "LFOJ", "LFPO", "EBMB", "EKSP", "ENGM", "LUKK", "UKLL",
              "UKLN", "UKLR", "LBSF", "LBBG", "LBWN", "EYKA", "EVRA", "EETN", "LKPR", "LOWW"]
# (NE port name) pairs served by ro-ro shipping for reinforcement from the UK and the North Sea.
SEA_LANES = [("Southampton", "Antwerpen"), ("Southampton", "Bremerhaven"),
             ("Southampton", "Rotterdam"), ("Rotterdam", "Gdansk"), ("Bremerhaven", "Gdansk"),
             ("Bremerhaven", "Klaipeda"), ("Esbjerg", "Gdynia")]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _border_hours(a: str, b: str) -> float:
    if a == b or (a in SCHENGEN and b in SCHENGEN):
        return 0.0
    return SPEEDS.border_hours


def build_roads(shared: Path) -> tuple[list[tuple[str, float, float, str]], list[tuple]]:
    """Nodes (id, lon, lat, name) and edges (from, to, hours, mode, km)."""
    nodes: dict[str, tuple[float, float, str, str]] = {}  # id -> lon, lat, country, name
    edges: list[tuple[str, str, float, str, float]] = []
    et = shared / "networks" / "etisplus_highways"
    for r in _read(et / "nodes.csv"):
        if r["country_iso2"] not in CLOSED:
            nodes[f"e{r['node_id']}"] = (float(r["lon"]), float(r["lat"]), r["country_iso2"], "")
    for r in _read(et / "edges.csv"):
        a, b = f"e{r['node_a']}", f"e{r['node_b']}"
        if a in nodes and b in nodes:
            km = float(r["road_km"])
            edges.append((a, b, float(SPEEDS.road_hours(km, "main")), "road", km))
    kept = dropped = 0
    for r in _read(et / "border_connectors_heuristic.csv"):
        a, b = f"e{r['node_a']}", f"e{r['node_b']}"
        pair = frozenset((r["country_a"], r["country_b"]))
        if a in nodes and b in nodes and pair in OPEN_BORDERS:
            km = float(r["est_road_km_x1.2"])
            h = float(SPEEDS.road_hours(km, "main")) + _border_hours(r["country_a"],
                                                                     r["country_b"])
            edges.append((a, b, h, "road", km))
            kept += 1
        else:
            dropped += 1
    print(f"ETISplus: {len(nodes)} nodes, border connectors kept {kept}, dropped {dropped}")

    er = shared / "networks" / "euroroad"
    ernodes: dict[str, tuple[float, float, str, str]] = {}
    for r in _read(er / "nodes.csv"):
        lon, lat = float(r["lon"]), float(r["lat"])
        inside = EUROPE[0] <= lon <= EUROPE[2] and EUROPE[1] <= lat <= EUROPE[3]
        if r["country_iso2"] not in CLOSED and inside and r["qa_status"] != "placeholder":
            ernodes[f"r{r['id']}"] = (lon, lat, r["country_iso2"], r["name"])
    links = _read(er / "edges.csv") + _read(er / "supplement_links.csv")
    n_er = 0
    for r in links:
        a, b = f"r{r['source']}", f"r{r['target']}"
        if a not in ernodes or b not in ernodes:
            continue
        gc = float(r["length_km_greatcircle"])
        kind = r.get("kind", "")
        if kind.startswith("ferry ("):
            edges.append((a, b, float(SPEEDS.sea_hours(gc)), "sea", gc * SPEEDS.sea_route_factor))
        else:
            h = float(SPEEDS.road_hours_from_greatcircle(gc, "main"))
            h += _border_hours(ernodes[a][2], ernodes[b][2])
            edges.append((a, b, h, "road", gc * SPEEDS.road_factor))
        n_er += 1
    nodes.update(ernodes)
    print(f"E-road: {len(ernodes)} nodes, {n_er} links")

    # Join the two graphs: each E-road town to its nearest ETISplus node within 15 km.
    e_ids = [k for k in nodes if k.startswith("e")]
    r_ids = list(ernodes)
    g = TransportGraph.from_edges(e_ids, [nodes[k][0] for k in e_ids],
                                  [nodes[k][1] for k in e_ids], [], [], [])
    near, dist = g.nearest_nodes([nodes[k][0] for k in r_ids], [nodes[k][1] for k in r_ids])
    joins = 0
    for rid, j, d in zip(r_ids, near, dist, strict=True):
        if d <= 15.0:
            eid = e_ids[int(j)]
            h = float(SPEEDS.road_hours_from_greatcircle(d, "main"))
            h += _border_hours(nodes[rid][2], nodes[eid][2])
            edges.append((rid, eid, h, "road", float(d) * SPEEDS.road_factor))
            joins += 1
    print(f"joined {joins} E-road towns to the ETISplus graph")
    out_nodes = [(k, v[0], v[1], v[3]) for k, v in nodes.items()]
    return out_nodes, edges


def build_ports(shared: Path) -> list[tuple[str, float, float]]:
    doc = json.loads((shared / "naturalearth" / "ne_10m_ports.json").read_text())
    out = []
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"][:2]
        if EUROPE[0] <= lon <= EUROPE[2] and EUROPE[1] <= lat <= EUROPE[3]:
            out.append((f["properties"]["name"], round(lon, 5), round(lat, 5)))
    return sorted(set(out))


def build_airfields(shared: Path) -> list[dict[str, object]]:
    db = airportsdata.load("ICAO")
    doc = json.loads((shared / "naturalearth" / "ne_10m_airports.json").read_text())
    rows: dict[str, dict[str, object]] = {}
    for f in doc["features"]:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        icao = p.get("gps_code") or ""
        if not (EUROPE[0] <= lon <= EUROPE[2] and EUROPE[1] <= lat <= EUROPE[3]) or not icao:
            continue
        info = db.get(icao, {})
        country = str(info.get("country", ""))
        rows[icao] = {"icao": icao, "name": p["name"], "country": country,
                      "lon": round(lon, 5), "lat": round(lat, 5), "kind": p["type"],
                      "source": "naturalearth"}
    for icao in EXTRA_ICAO:
        if icao in rows or icao not in db:
            continue
        a = db[icao]
        rows[icao] = {"icao": icao, "name": a["name"], "country": a["country"],
                      "lon": round(float(a["lon"]), 5), "lat": round(float(a["lat"]), 5),
                      "kind": "military" if "Air Base" in a["name"] or icao.startswith("ET")
                      else "mid", "source": "airportsdata"}
    for r in rows.values():
        r["open"] = "false" if r["country"] in UA_AIRSPACE_CLOSED or not r["country"] else "true"
    return sorted(rows.values(), key=lambda r: str(r["icao"]))


def build_countries(shared: Path) -> dict[str, object]:
    doc = json.loads((shared / "naturalearth" / "ne_50m_admin_0_countries.json").read_text())

    def rnd(c: object) -> object:
        if isinstance(c, list) and c and isinstance(c[0], float | int):
            return [round(float(c[0]), 3), round(float(c[1]), 3)]
        return [rnd(x) for x in c] if isinstance(c, list) else c

    feats = []
    for f in doc["features"]:
        pts = np.asarray(_flatten(f["geometry"]["coordinates"]))
        if ((pts[:, 0] >= EUROPE[0] - 10) & (pts[:, 0] <= EUROPE[2] + 10)
                & (pts[:, 1] >= EUROPE[1] - 5) & (pts[:, 1] <= EUROPE[3] + 5)).any():
            p = f["properties"]
            feats.append({"type": "Feature",
                          "properties": {"NAME": p["NAME"], "ISO_A3": p["ISO_A3"],
                                         "ISO_A2": p["ISO_A2"]},
                          "geometry": {"type": f["geometry"]["type"],
                                       "coordinates": rnd(f["geometry"]["coordinates"])}})
    return {"type": "FeatureCollection", "features": feats}


def _flatten(c: object) -> list[list[float]]:
    if isinstance(c, list) and c and isinstance(c[0], float | int):
        return [[float(c[0]), float(c[1])]]
    out: list[list[float]] = []
    for x in c if isinstance(c, list) else []:
        out.extend(_flatten(x))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    shared: Path = args.shared

    nodes, edges = build_roads(shared)
    ports = build_ports(shared)
    # Sea lanes between named ports, each port joined to its nearest road node.
    coords = {n: (x, y) for n, x, y in ports}
    road = TransportGraph.from_edges([n[0] for n in nodes], [n[1] for n in nodes],
                                     [n[2] for n in nodes], [], [], [])
    used = sorted({p for lane in SEA_LANES for p in lane})
    near, dist = road.nearest_nodes([coords[p][0] for p in used], [coords[p][1] for p in used])
    for p, j, d in zip(used, near, dist, strict=True):
        nodes.append((f"sea:{p}", coords[p][0], coords[p][1], p))
        edges.append((f"sea:{p}", nodes[int(j)][0],
                      float(SPEEDS.road_hours_from_greatcircle(d, "main")), "road",
                      float(d) * SPEEDS.road_factor))
    for a, b in SEA_LANES:
        gc = float(haversine_km(*coords[a], *coords[b]))
        edges.append((f"sea:{a}", f"sea:{b}", float(SPEEDS.sea_hours(gc)), "sea",
                      gc * SPEEDS.sea_route_factor))

    EXAMPLE.mkdir(parents=True, exist_ok=True)
    with (EXAMPLE / "nodes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "lon", "lat", "name"])
        for nid, lon, lat, name in nodes:
            w.writerow([nid, f"{lon:.5f}", f"{lat:.5f}", name])
    with (EXAMPLE / "network.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["from", "to", "hours", "mode", "km"])
        for a, b, h, mode, km in edges:
            w.writerow([a, b, f"{h:.3f}", mode, f"{km:.1f}"])
    print(f"network: {len(nodes)} nodes, {len(edges)} edges")

    DATA.mkdir(parents=True, exist_ok=True)
    with (DATA / "ports.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "lon", "lat"])
        w.writerows(ports)
    fields = build_airfields(shared)
    with (DATA / "airfields.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["icao", "name", "country", "lon", "lat", "kind", "open",
                                "source"], lineterminator="\n")
        w.writeheader()
        w.writerows(fields)
    print(f"airfields: {len(fields)}, ports: {len(ports)}")
    countries = build_countries(shared)
    (DATA / "europe_countries.json").write_text(json.dumps(countries, separators=(",", ":")))
    print(f"countries: {len(countries['features'])}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
