"""Briefing maps: labelled places, a legend entry for routes, routes along roads, scale bar,
north arrow, attribution outside the map frame, A4 (checked on matplotlib objects)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest

from forcegen.readiness.response import analyze_response
from forcegen.report._furniture import A4_LANDSCAPE, nice_km
from forcegen.report.maps import response_map_figure
from forcegen.scenario import load_scenario
from forcegen.sourcing import Sourcer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


@pytest.fixture(scope="module")
def drawn() -> Any:
    scenario = load_scenario(EXAMPLE)
    plan = Sourcer(scenario).solve()
    result = analyze_response(scenario, [(a.pledge, a.requirement, a.units)
                                         for a in plan.assignments],
                              prepositioned={"P-POL-01": "rzeszow"}
                              if any(d.id == "rzeszow" for d in scenario.depot_sites) else None)
    names = {s.id: s.name or s.id for s in scenario.sectors}
    fig = response_map_figure(result, names=names)
    yield scenario, result, names, fig
    plt.close(fig)


def test_places_are_labelled(drawn: Any) -> None:
    _, result, names, fig = drawn
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert set(names.values()) <= texts  # every sector by name
    assert all(f"depot {d}" in texts for d in result.depot_nodes)
    # Every home base on the map is labelled (pledges at one place share a label).
    G = result.graph
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    on_map = {n for n in result.homes.values() if x0 <= G.lon[n] <= x1 and y0 <= G.lat[n] <= y1}
    bases = [t for t in texts if t.startswith("P-")]
    assert 10 < len(bases) <= len(on_map)
    # ... unless it would be written over another label: no base label overlaps any other.
    fig.canvas.draw()
    labels = [t for t in ax.texts if t.get_gid() != "north-arrow"]
    boxes = [(t.get_text(), t.get_window_extent()) for t in labels]
    assert not [(a, b) for i, (a, ab) in enumerate(boxes) for b, bb in boxes[i + 1:]
                if (a.startswith("P-") or b.startswith("P-")) and ab.overlaps(bb)]


def test_legend_scale_bar_north_arrow_and_attribution_off_the_map(drawn: Any) -> None:
    _, _, _, fig = drawn
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "routes (along the roads used)" in legend
    assert {"sectors", "home bases"} <= set(legend)
    assert [a for a in ax.artists if a.get_gid() == "scale-bar"]
    assert [t for t in ax.texts if t.get_gid() == "north-arrow" and t.get_text() == "N"]
    attribution = [t for t in fig.texts if t.get_gid() == "attribution"]
    assert len(attribution) == 1 and "Natural Earth" in attribution[0].get_text()
    assert not [t for t in ax.texts if "Natural Earth" in t.get_text()]  # not on the data
    fig.canvas.draw()
    below = attribution[0].get_window_extent().y1
    assert below <= ax.get_window_extent().y0 + 1  # entirely under the map frame
    assert tuple(fig.get_size_inches()) == pytest.approx(A4_LANDSCAPE)
    # Readable on paper: no text on the map smaller than 7 pt.
    assert min(t.get_fontsize() for t in [*ax.texts, *fig.texts]) >= 7


def test_routes_follow_the_roads(drawn: Any) -> None:
    _, result, _, fig = drawn
    ax = fig.axes[0]
    G = result.graph.restrict(("road", "rail", "sea"))
    edges = {(int(a), int(b)) for a, b in zip(G.tail, G.head, strict=True)}
    where = {(round(float(x), 6), round(float(y), 6)): i
             for i, (x, y) in enumerate(zip(G.lon, G.lat, strict=True))}
    lines = [ln for ln in ax.get_lines() if ln.get_color() == "#3b3bb3"]
    assert lines
    for ln in lines:
        xs, ys = ln.get_xdata(), ln.get_ydata()
        assert len(xs) > 2  # a road path, not a straight line between two places
        nodes = [where[(round(float(x), 6), round(float(y), 6))] for x, y in zip(xs, ys,
                                                                               strict=True)]
        assert all((a, b) in edges or (b, a) in edges
                   for a, b in itertools.pairwise(nodes))


def test_scale_bar_lengths_are_round() -> None:
    assert [nice_km(x) for x in (2000, 900, 60, 4)] == [200, 100, 10, 1]
    assert nice_km(2600) == 500


def test_cli_map_is_written_offline(cli: Any, example_path: Path, tmp_path: Path) -> None:
    from forcegen.cli.main import app

    r = cli.invoke(app, ["respond", str(example_path), "--map", str(tmp_path / "m.png"),
                         "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["files"]["map"].endswith("m.png")
    data = (tmp_path / "m.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.frombuffer(data[16:24], ">u4").tolist()[0] > 1000  # width in pixels


def _km_along(xs: Any, ys: Any) -> float:
    """Length of a lon/lat polyline (great circle per segment, written out here)."""
    x, y = np.radians(np.asarray(xs, float)), np.radians(np.asarray(ys, float))
    a = (np.sin(np.diff(y) / 2) ** 2
         + np.cos(y[:-1]) * np.cos(y[1:]) * np.sin(np.diff(x) / 2) ** 2)
    return float(np.sum(2 * 6371.0088 * np.arcsin(np.sqrt(a))))


def test_ships_sail_around_the_coast_on_the_map(drawn: Any) -> None:
    from forcegen.network import DEFAULT_SPEEDS
    from forcegen.network.sea import on_land

    scenario, result, _, fig = drawn
    ax = fig.axes[0]
    assert "ships' sea legs (around the coast)" in [
        t.get_text() for t in ax.get_legend().get_texts()]
    ships = {a.pledge: a for a in result.arrivals if a.via == "sea"}
    assert ships, "the example sources ships"
    lines = [ln for ln in ax.get_lines() if ln.get_color() == "#0b6e99"]
    assert len(lines) == len({(tuple(p[0]), s) for (_, s), (p, _) in result.sea_paths.items()})
    sectors = {s.id: s.at for s in scenario.sectors}
    for (pid, sector), (path, found) in result.sea_paths.items():
        assert found, pid  # the shipped coastline has a passage for every example ship
        home = scenario.pledge_by_id[pid].home
        assert tuple(path[0]) == pytest.approx(tuple(home))  # from the ship's home port
        assert tuple(path[-1]) == pytest.approx(tuple(sectors[sector]))  # to its sector
        assert len(path) > 4  # along the sea, not one straight line
        # Its turning points between the home port and the port of arrival are at sea ...
        assert not on_land(path[1:-2]).any(), pid
        # ... where the straight line would cross land (Thrace, for the Turkish ships).
        if pid.startswith("P-TUR"):
            t = np.linspace(0, 1, 50)[:, None]
            chord = path[0] + t * (path[-2] - path[0])
            assert on_land(chord[1:-1]).any(), pid
        # The line drawn is the leg that was timed: its length gives the sailing hours.
        arr = next(a for a in result.arrivals if (a.pledge, a.sector) == (pid, sector))
        hours = _km_along(path[:, 0], path[:, 1]) / DEFAULT_SPEEDS.sea_kmh
        assert hours + DEFAULT_SPEEDS.sea_handling_hours == pytest.approx(arr.move_hours,
                                                                          rel=0.1), pid
