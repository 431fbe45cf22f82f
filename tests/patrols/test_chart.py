"""Patrol maps: drawn offline, each route along its sea legs, clear errors when undrawable."""

from __future__ import annotations

import numpy as np
from _patrol_oracle import write_patrol
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.patrols import load_patrol, plan_patrols
from forcegen.patrols.chart import plot_patrol_map

NZ = {"ports": [{"id": "taranaki", "at": [172.5, -38.5]}],
      "areas": [{"id": "gisborne", "at": [179.0, -38.5], "value": 3, "hours": 1},
                {"id": "tasman", "at": [170.0, -40.0], "value": 1, "hours": 1}],
      "vessels": [{"id": "V1", "nation": "NZL", "start": "taranaki", "end": "taranaki",
                   "endurance": 200, "speed": 12}]}


def test_route_drawn_along_sea_legs_png_and_svg(tmp_path):
    plan = plan_patrols(load_patrol(write_patrol(tmp_path, NZ)), time_limit=2, method="exact")
    lines = plot_patrol_map(plan, tmp_path / "map.png")
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = lines["V1"]
    assert tuple(line[0]) == (172.5, -38.5) and tuple(line[-1]) == (172.5, -38.5)
    # Round North Island (through Cook Strait): the line bends south of both end points.
    assert line[:, 1].min() < -40.5
    svg_lines = plot_patrol_map(plan, tmp_path / "map.svg")
    text = (tmp_path / "map.svg").read_text()
    assert "gisborne" in text and "V1 (NZL)" in text and " nm" in text
    assert np.array_equal(svg_lines["V1"], line)


def test_cli_map_and_its_errors(tmp_path):
    path = write_patrol(tmp_path, NZ)
    r = CliRunner().invoke(app, ["patrol", str(path), "--json", "--time-limit", "1", "--map",
                                 str(tmp_path / "m.png")])
    assert r.exit_code == 0 and (tmp_path / "m.png").stat().st_size > 10_000
    r = CliRunner().invoke(app, ["patrol", str(path), "--map", str(tmp_path / "m.pdf")])
    assert r.exit_code == 2 and "png or .svg" in r.output and not (tmp_path / "m.pdf").exists()
    legs_only = {"areas": [{"id": "A", "value": 1}],
                 "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                              "endurance": 5}]}
    (tmp_path / "b").mkdir()
    p2 = write_patrol(tmp_path / "b", legs_only, {("P", "A"): 1.0})
    r = CliRunner().invoke(app, ["patrol", str(p2), "--map", str(tmp_path / "b" / "m.png")])
    assert r.exit_code == 2 and "no coordinates" in r.output and "A" in r.output
    assert not (tmp_path / "b" / "m.png").exists()


def test_map_errors_name_the_path_argument_and_the_cli_map_flag(tmp_path):
    """``plot_patrol_map`` speaks of its ``path``; the CLI, where it is ``--map``, of the flag."""
    import pytest

    from forcegen.exceptions import OptionError

    legs_only = {"areas": [{"id": "A", "value": 1}],
                 "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                              "endurance": 5}]}
    p = write_patrol(tmp_path, legs_only, {("P", "A"): 1.0})
    plan = plan_patrols(load_patrol(p), time_limit=1)
    with pytest.raises(OptionError) as exc:
        plot_patrol_map(plan, tmp_path / "m.png")
    assert str(exc.value).startswith("path: no coordinates") and "--" not in str(exc.value)
    r = CliRunner().invoke(app, ["patrol", str(p), "--map", str(tmp_path / "m.png")])
    assert r.exit_code == 2 and "--map: no coordinates" in r.stderr


def test_area_window_written_beside_its_label(tmp_path):
    nz = {**NZ, "areas": [{**NZ["areas"][0], "window": [12, 300]},
                          {**NZ["areas"][1], "window": [5, 400]},
                          {"id": "bight", "at": [173.5, -39.5], "value": 1}]}
    prob = load_patrol(write_patrol(tmp_path, nz))
    assert [prob.window_text(i) for i in range(3)] == ["12-300 h", "5-400 h", ""]
    plot_patrol_map(plan_patrols(prob, time_limit=2, method="exact"), tmp_path / "map.svg")
    text = (tmp_path / "map.svg").read_text()
    # matplotlib keeps each label's text as a comment beside its glyphs
    assert "gisborne\n12-300 h" in text or ("gisborne" in text and "12-300 h" in text)
    assert "5-400 h" in text and "bight" in text and "bight\n" not in text
