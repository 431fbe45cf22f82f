"""Search theory: closed forms of random search, Bayes' rule, Koopman's optimal allocation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _patrol_oracle import write_patrol
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import ScenarioError
from forcegen.patrols import load_patrol
from forcegen.patrols.rounds import plan_search_rounds
from forcegen.patrols.search import (
    SearchState,
    coverage,
    optimal_effort,
    pod,
    posterior,
    probability_of_success,
)


def test_random_search_pod_is_one_minus_exp_of_coverage():
    # W = 2 nm, L = 10 nm, A = 20 nm^2: coverage 1, POD = 1 - 1/e.
    c = coverage(2.0, np.array([10.0, 0.0, 40.0]), np.array([20.0, 20.0, 20.0]))
    assert c.tolist() == [1.0, 0.0, 4.0]
    assert pod(c) == pytest.approx([1 - math.exp(-1), 0.0, 1 - math.exp(-4)])


def test_bayes_update_after_a_failed_search():
    poc, pods = np.array([0.5, 0.3]), np.array([0.8, 0.0])  # 0.2 outside the grid
    pos = probability_of_success(poc, pods)
    assert pos == pytest.approx(0.4)
    post, outside = posterior(poc, pods)
    # P(cell 1 | not found) = 0.5*0.2/0.6, P(cell 2 | not found) = 0.3/0.6, outside 0.2/0.6.
    assert post == pytest.approx([0.1 / 0.6, 0.3 / 0.6])
    assert outside == pytest.approx(0.2 / 0.6)
    assert post.sum() + outside == pytest.approx(1.0)


def test_koopman_allocation_matches_closed_form_and_brute_force():
    poc, area, w = np.array([0.6, 0.3, 0.1]), np.array([10.0, 10.0, 10.0]), 1.0
    effort = 12.0
    track = optimal_effort(poc, area, w, effort)
    assert track.sum() == pytest.approx(effort)
    # Equal areas: searched cells end with equal posterior density, so their coverages differ
    # by ln of the POC ratio (c1 - c2 = ln 2 here), and the third cell is left alone when its
    # density is below that level.
    c = coverage(w, track, area)
    assert c[0] - c[1] == pytest.approx(math.log(2.0))
    assert track[2] == 0.0 and 0.3 * math.exp(-c[1]) >= 0.1
    best = probability_of_success(poc, pod(c))
    grid = np.linspace(0, effort, 241)
    brute = max(probability_of_success(poc, pod(coverage(w, np.array([a, b, effort - a - b]),
                                                         area)))
                for a in grid for b in grid if a + b <= effort + 1e-9)
    assert best >= brute - 1e-9 and best - brute < 1e-3


def test_search_state_cumulative_success():
    s = SearchState.start(["a", "b"], np.array([0.7, 0.3]), np.array([4.0, 4.0]), 1.0,
                          np.array([4.0, 4.0]))  # coverage 1 each: POD 1 - 1/e
    p = 1 - math.exp(-1)
    pos1, s = s.searched([0])
    assert pos1 == pytest.approx(0.7 * p)
    pos2, s = s.searched([0])
    # Second look at the same cell: 0.7(1-p)p found now; given failure, divide by 1 - 0.7p.
    assert pos2 == pytest.approx(0.7 * (1 - p) * p / (1 - 0.7 * p))
    assert s.cumulative_pos() == pytest.approx(0.7 * (1 - (1 - p) ** 2))


def _search_patrol(cells, **search):
    return {"ports": [{"id": "P", "at": [30.8, 46.4]}],
            "search": {"cells": cells, "sweep_width": 0.5, "speed": 6.0, "hours": 2.0,
                       "cell_size": 0.05, **search},
            "vessels": [{"id": "M1", "nation": "GBR", "start": "P", "end": "P",
                         "endurance": 7.5, "speed": 10.0}],
            "routing": "great-circle"}


def test_patrol_search_rounds_maximise_success_and_update(tmp_path):
    cells = [{"id": f"c{i}", "at": [31.0 + 0.05 * i, 46.3], "probability": p}
             for i, p in enumerate([0.4, 0.3, 0.2, 0.1])]
    prob = load_patrol(write_patrol(tmp_path, _search_patrol(cells)))
    area = (0.05 * 60) ** 2 * math.cos(math.radians(46.3))
    p = 1 - math.exp(-0.5 * 12.0 / area)
    assert prob.values == pytest.approx([c["probability"] * p for c in cells])
    plans = plan_search_rounds(prob, 2, time_limit=3.0, method="exact", seed=0)
    first, second = plans
    visited = {prob.area_ids[a] for r in first.routes for a in r}
    # Endurance (7.5 h: 2 h per cell, about 1 h each way) fits two cells: the most likely.
    assert visited == {"c0", "c1"}
    assert first.search["probability_of_success"] == pytest.approx((0.4 + 0.3) * p)
    post = {c["id"]: c["probability"] * ((1 - p) if c["id"] in visited else 1.0)
            / (1 - 0.7 * p) for c in cells}
    assert first.search["containment_after"] == pytest.approx(post)
    assert second.problem.values == pytest.approx([post[c["id"]] * p for c in cells])
    assert {prob.area_ids[a] for r in second.routes for a in r} == {"c2", "c0"}
    assert second.search["cumulative_probability_of_success"] == pytest.approx(
        1 - (1 - 0.7 * p) * (1 - second.search["probability_of_success"]))


def test_cells_over_one_and_missing_size_are_errors(tmp_path):
    cells = [{"id": "a", "at": [31.0, 46.3], "probability": 0.7},
             {"id": "b", "at": [31.1, 46.3], "probability": 0.6}]
    with pytest.raises(ScenarioError) as exc:
        load_patrol(write_patrol(tmp_path, _search_patrol(cells, cell_size=None)))
    msgs = " | ".join(p.message for p in exc.value.problems)
    assert "sum to 1.3" in msgs and "no area" in msgs


def test_cells_csv_bad_row_and_cli_rounds(tmp_path):
    (tmp_path / "cells.csv").write_text("id,lon,lat,probability\nc0,31.0,46.3,0.5\n"
                                        "c1,31.05,46.3,-0.1\n")
    with pytest.raises(ScenarioError) as exc:
        load_patrol(write_patrol(tmp_path, _search_patrol("cells.csv")))
    (bad,) = exc.value.problems
    assert bad.line == 3 and "probability" in bad.message and "cells.csv" in bad.file
    (tmp_path / "cells.csv").write_text("id,lon,lat,probability\nc0,31.0,46.3,0.5\n"
                                        "c1,31.05,46.3,0.1\n")
    res = CliRunner().invoke(app, ["patrol", str(tmp_path), "--json", "--search-rounds", "3",
                                   "--time-limit", "1"])
    assert res.exit_code == 0, res.output
    import json
    doc = json.loads(res.stdout)
    rounds = [doc["search"], *(d["search"] for d in doc["next_rounds"])]
    cum = [r["cumulative_probability_of_success"] for r in rounds]
    assert [r["round"] for r in rounds] == [1, 2, 3] and cum == sorted(cum) and cum[-1] < 0.6


def test_drift_raster_as_cells(tmp_path):
    # 3 x 2 grid of 0.1 degree, north row first; NODATA and 0 are not searched.
    (tmp_path / "drift.asc").write_text(
        "ncols 3\nnrows 2\nxllcorner 31.0\nyllcorner 46.0\ncellsize 0.1\nNODATA_value -9999\n"
        "1 3 0\n-9999 4 2\n")
    prob = load_patrol(write_patrol(tmp_path, _search_patrol("drift.asc", containment=0.8,
                                                             cell_size=None)),
                       drop_unreachable=True)
    state, index = prob.search
    assert state.ids == ["r0c0", "r0c1", "r1c1", "r1c2"]
    assert state.prior == pytest.approx([0.8 * w / 10 for w in (1, 3, 4, 2)])
    at = prob.geo.area_at
    assert at[index[0]] == pytest.approx((31.05, 46.15)) and at[index[2]] == pytest.approx(
        (31.15, 46.05))
    assert state.area_nm2[0] == pytest.approx(36 * math.cos(math.radians(46.15)))
    (tmp_path / "drift.asc").write_text("ncols 2\nnrows 1\nxllcorner 31\nyllcorner 46\n"
                                        "cellsize 0.1\n1 x\n")
    with pytest.raises(ScenarioError) as exc:
        load_patrol(tmp_path / "patrol.yaml")
    assert exc.value.problems[0].line == 6 and "drift.asc" in exc.value.problems[0].file
