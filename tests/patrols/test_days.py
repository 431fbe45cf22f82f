"""Daily sorties (``days:``): one route a day, each back by its endurance, windows counted from
the first day's start; a daily sortie longer than a day is bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _patrol_oracle import write_patrol

from forcegen.exceptions import ScenarioError
from forcegen.patrols import load_patrol, plan_patrols

LEGS = {("port", "A"): 2.0, ("port", "B"): 2.0, ("A", "B"): 3.0, ("port", "C"): 4.5,
        ("A", "C"): 5.0, ("B", "C"): 5.0}


def _patrol(days: int, endurance: float = 10.0) -> dict:
    return {"areas": [{"id": "A", "value": 3, "hours": 1, "window": [0, 5]},
                      {"id": "B", "value": 5, "hours": 1, "window": [24, 30]},
                      {"id": "C", "value": 1, "hours": 1}],
            "vessels": [{"id": "V1", "nation": "NZL", "start": "port", "end": "port",
                         "endurance": endurance, "days": days}]}


def _retime(route: dict, windows: dict, station: dict) -> float:
    """Hours of a daily sortie from the raw legs: leaves at 24 h x (day - 1), waits for windows."""
    off = 24.0 * (route["day"] - 1)
    t, prev = off, "port"
    for s in route["stops"]:
        t = max(t + LEGS.get((prev, s), LEGS.get((s, prev), 0.0)), windows[s][0])
        assert t <= windows[s][1] + 1e-9, (route, s)
        t += station[s]
        prev = s
    return t + LEGS.get((prev, "port"), LEGS.get(("port", prev), 0.0)) - off


@pytest.mark.parametrize("method", ["auto", "heuristic", "exact"])
def test_two_days_reach_both_windows(tmp_path, method):
    prob = load_patrol(write_patrol(tmp_path, _patrol(2), LEGS))
    doc = plan_patrols(prob, time_limit=10, method=method).to_dict()
    windows = {"A": (0, 5), "B": (24, 30), "C": (0, float("inf"))}
    station = {"A": 1.0, "B": 1.0, "C": 1.0}
    assert [r["day"] for r in doc["routes"]] == [1, 2]
    for r in doc["routes"]:
        if r["stops"]:
            assert _retime(r, windows, station) <= 10.0 + 1e-9
    stops = {r["day"]: r["stops"] for r in doc["routes"]}
    assert "A" in stops[1] and "B" in stops[2]
    assert doc["total"] == 8  # A on day 1, B on day 2; C alone fills a whole sortie


def test_one_day_cannot_wait_for_the_second_window(tmp_path):
    with pytest.raises(ScenarioError, match=r"'B' cannot be patrolled"):
        load_patrol(write_patrol(tmp_path, _patrol(1), LEGS))
    prob = load_patrol(write_patrol(tmp_path, _patrol(1), LEGS), drop_unreachable=True)
    doc = plan_patrols(prob, time_limit=5).to_dict()
    assert "day" not in doc["routes"][0]
    assert doc["unreachable"][0]["area"] == "B"


def test_daily_sortie_longer_than_a_day_exits_2_naming_it(tmp_path):
    path = write_patrol(tmp_path, _patrol(3, endurance=30), LEGS)
    out = subprocess.run([sys.executable, "-m", "forcegen", "patrol", str(path), "--json",
                          "--xlsx", str(tmp_path / "plan.xlsx")],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2
    assert out.stdout == ""
    assert "vessels.0.endurance" in out.stderr and "V1" in out.stderr
    assert "within the day" in out.stderr
    assert not (tmp_path / "plan.xlsx").exists()


def test_days_in_json_from_cli(tmp_path):
    path = write_patrol(tmp_path, _patrol(2), LEGS)
    out = subprocess.run([sys.executable, "-m", "forcegen", "patrol", str(path), "--json",
                          "--time-limit", "5"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert [(r["vessel"], r["day"]) for r in doc["routes"]] == [("V1", 1), ("V1", 2)]
    b = next(s for r in doc["routes"] for s in r["timetable"] if s["area"] == "B")
    assert b["arrive"] >= 24


OCEAN = {"ports": [{"id": "base", "at": [-140.0, -30.0]}],
         "areas": [{"id": "A", "at": [-140.0, -31.0], "value": 3, "hours": 1, "window": [0, 12]},
                   {"id": "B", "at": [-139.0, -30.0], "value": 5, "hours": 1,
                    "window": [24, 40]}],
         "vessels": [{"id": "V1", "nation": "NZL", "start": "base", "end": "base",
                      "endurance": 20, "speed": 12, "days": 2}]}


def test_map_draws_and_labels_each_day(tmp_path):
    """Two days of one vessel are two lines, each labelled with its day; the title gives days."""
    from forcegen.patrols.chart import plot_patrol_map

    plan = plan_patrols(load_patrol(write_patrol(tmp_path, OCEAN)), time_limit=5)
    lines = plot_patrol_map(plan, tmp_path / "map.svg")
    assert set(lines) == {"V1 day 1", "V1 day 2"}
    # Day 1 reaches A (south of the base), day 2 B (east of it): different lines.
    assert lines["V1 day 1"][:, 1].min() < -30.9 and lines["V1 day 2"][:, 0].max() > -139.1
    text = (tmp_path / "map.svg").read_text()
    assert "V1 day 1 (NZL)" in text and "V1 day 2 (NZL)" in text and "days 1-2" in text


def test_workbook_has_the_day_of_each_route(tmp_path):
    import openpyxl

    from forcegen.patrols.workbook import write_patrol_xlsx

    plan = plan_patrols(load_patrol(write_patrol(tmp_path, OCEAN)), time_limit=5)
    wb = openpyxl.load_workbook(write_patrol_xlsx(plan, tmp_path / "plan.xlsx"))
    rows = list(wb["routes"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Vessel", "Day", "Nation", "Leg")
    assert sorted((r[0], r[1], r[4]) for r in rows[1:]) == [("V1", 1, "A"), ("V1", 2, "B")]
    vessels = list(wb["vessels"].iter_rows(values_only=True))
    assert [(r[0], r[1], r[5]) for r in vessels[1:]] == [("V1", 1, 1), ("V1", 2, 1)]
    summary = dict(list(wb["summary"].iter_rows(values_only=True))[1:])
    assert summary["Vessels"] == 1 and summary["Days"] == 2
    assert summary["Routes sailed (vessel-days)"] == 2
