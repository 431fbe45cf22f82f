"""The third objective: least travel among plans of the same value and lines certified in time,
checked against brute force; skipped, with the reason, when the scenario has no coordinates."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exercises.cpsat import solve_cpsat
from forcegen.exercises.problem import ExerciseProblem, Schedule
from forcegen.exercises.travel import schedule_travel

from ._check import lines_in_time, random_problem, violations
from .test_programme import BASE
from .test_schedule import _options


def brute_force(p: ExerciseProblem) -> tuple[int, int, int]:
    """Best (value, lines certified in time, -travel) over every feasible assignment."""
    assert p.travel_km is not None
    km = p.travel_km
    best = (0, 0, -(10**9))
    start = np.full(p.n, -1, dtype=np.int64)
    area = np.full(p.n, -1, dtype=np.int64)
    units: list[list[list[int]]] = [[] for _ in range(p.n)]

    def rec(e: int) -> None:
        nonlocal best
        if e == p.n:
            s = Schedule(start.copy(), area.copy(), [list(x) for x in units])
            best = max(best, (int(p.value[start >= 0].sum()), lines_in_time(p, s),
                              -schedule_travel(km, s.start, s.area, s.units)))
            return
        rec(e + 1)
        for t, a, pick in _options(p, e):
            start[e], area[e], units[e] = t, a, pick
            part = Schedule(np.where(np.arange(p.n) <= e, start, -1), area, units)
            if not violations(p, part):
                rec(e + 1)
            start[e], area[e], units[e] = -1, -1, []

    rec(0)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_least_travel_among_equally_good_plans_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    p = random_problem(rng, n=3, areas=3)
    p = dataclasses.replace(p, travel_km=rng.integers(0, 60, (len(p.unit_ids), 3)))
    plan = solve_cpsat(p, time_limit=10)
    s = plan.schedule
    assert violations(p, s) == []
    assert plan.status == "optimal" and plan.travel_status == "optimal"
    got = (plan.value, lines_in_time(p, s), -schedule_travel(p.travel_km, s.start, s.area,
                                                              s.units))
    assert got == brute_force(p)
    assert plan.travel == plan.travel_bound == -got[2]


def test_travel_decides_between_areas_and_units() -> None:
    """Two areas and two units equally good for value and lines: the nearer pair is chosen,
    although the canonical tie-break alone would take the lowest ids (area 0, unit 0)."""
    rng = np.random.default_rng(0)
    p = random_problem(rng, n=1, units=2, areas=2, caps=1)
    p = dataclasses.replace(p, needs=[[(1, [0, 1])]], areas=[[0, 1]], preds=[[]],
                            blocked=np.zeros_like(p.blocked), lines=[], line_ids=[],
                            travel_km=np.array([[90, 50], [40, 5]], dtype=np.int64))
    plan = solve_cpsat(p, time_limit=10)
    assert (int(plan.schedule.area[0]), plan.schedule.units[0]) == (1, [[1]])
    assert plan.travel == 5


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_no_coordinates_skips_travel_and_says_why(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["exercises", str(_write(tmp_path, BASE)), "--json"])
    assert r.exit_code == 0, r.output
    travel = json.loads(r.stdout)["travel"]
    assert travel["status"] == "skipped" and travel["km"] is None
    assert "no unit's pledge has a home" in travel["note"]


def test_travel_reported_in_json_and_table(tmp_path: Path) -> None:
    text = BASE.replace("status: approved}", "status: approved, home: [0.0, 0.0]}", 1).replace(
        "{id: plain, capacity: 1}", "{id: plain, capacity: 1, at: [0.0, 1.0]}")
    folder = _write(tmp_path, text)
    doc = json.loads(CliRunner().invoke(app, ["exercises", str(folder), "--json"]).stdout)
    travel = doc["travel"]
    legs = [u for e in doc["exercises"] if e["held"] for u in e["units"]
            if u.startswith("P-GBR-1")]
    assert travel["status"] == "optimal" and travel["km"] == 111 * len(legs)  # 1 degree
    assert "1 unit(s) without a home" in travel["note"]
    assert sum(e.get("travel_km", 0) for e in doc["exercises"]) == travel["km"]
    out = CliRunner().invoke(app, ["exercises", str(folder)]).stdout
    assert f"{travel['km']:,} km, the least possible (proven)" in out


def _road_case(tmp_path: Path, area_at: str, edges: str) -> dict:
    text = BASE.replace("status: approved}", "status: approved, home: [0.0, 0.0]}", 1).replace(
        "{id: plain, capacity: 1}", "{id: plain, capacity: 1, at: " + area_at + "}")
    text = text.replace("sectors:", "network: network.csv\nnodes: nodes.csv\nsectors:", 1)
    (tmp_path / "nodes.csv").write_text("id,lon,lat\na,0,0\nm,1,0.5\nb,0,1\nz,5,5\n")
    (tmp_path / "network.csv").write_text("from,to,hours,mode,km\n" + edges)
    folder = _write(tmp_path, text)
    r = CliRunner().invoke(app, ["exercises", str(folder), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _gbr_legs(doc: dict) -> int:
    return sum(1 for e in doc["exercises"] if e["held"] for u in e["units"]
               if u.startswith("P-GBR-1"))


def test_travel_follows_the_roads_where_they_cover_the_leg(tmp_path: Path) -> None:
    """Home at a, area at b; the only road goes round by m (2 x 100 km), not the 111 km line."""
    doc = _road_case(tmp_path, "[0.0, 1.0]", "a,m,2,road,100\nm,b,2,road,100\nz,m,9,road,700\n")
    legs = _gbr_legs(doc)
    assert legs and doc["travel"]["km"] == 200 * legs
    assert "along the road network for 1 home-to-area pair" in doc["travel"]["note"]


def test_travel_falls_back_to_the_great_circle_off_the_roads(tmp_path: Path) -> None:
    """No road joins a and b (only a-m): the leg counts the great circle, and the note says so."""
    doc = _road_case(tmp_path, "[0.0, 1.0]", "a,m,2,road,100\nz,b,9,road,700\n")
    assert doc["travel"]["km"] == 111 * _gbr_legs(doc)
    assert "1 pair(s) the roads do not cover" in doc["travel"]["note"]
    far = _road_case(tmp_path, "[0.0, 3.0]", "a,m,2,road,100\nm,b,2,road,100\n")  # 222 km off
    assert far["travel"]["km"] == 334 * _gbr_legs(far)  # great circle 0,0 -> 0,3
