"""Bad patrol input: exit 2, a message naming file, line, field and item; nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _patrol_oracle import write_patrol
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import OptionError, ScenarioError
from forcegen.patrols import load_patrol

LEGS = {("P", "A"): 2.0, ("P", "B"): 3.0, ("A", "B"): 2.0, ("P", "Q"): 1.0, ("A", "Q"): 2.0,
        ("B", "Q"): 3.0}


def _patrol(**changes) -> dict:
    p = {"areas": [{"id": "A", "value": 5, "hours": 1, "zone": "Z1"},
                   {"id": "B", "value": 3, "zone": "Z2"}],
         "vessels": [{"id": "V1", "nation": "NZL", "start": "P", "end": "P", "endurance": 10},
                     {"id": "V2", "nation": "GBR", "start": "Q", "end": "Q", "endurance": 10}]}
    for key, value in changes.items():
        kind, idx, field = key.split("__")
        p[kind][int(idx)][field] = value
    return p


def _problems(tmp_path: Path, patrol: dict, legs=LEGS, **kw) -> list:
    with pytest.raises(ScenarioError) as exc:
        load_patrol(write_patrol(tmp_path, patrol, legs), **kw)
    return exc.value.problems


def _line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if text in ln)


def test_valid_file_loads(tmp_path):
    prob = load_patrol(write_patrol(tmp_path, _patrol(), LEGS))
    assert prob.area_ids == ["A", "B"]
    assert prob.t_start[1, 0] == 2.0  # Q -> A from the table's A,Q row (either direction)


def test_negative_value_names_line_and_field(tmp_path):
    probs = _problems(tmp_path, _patrol(areas__1__value=-1))
    path = tmp_path / "patrol.yaml"
    assert [(p.field, p.line) for p in probs] == [("patrol.areas.1.value",
                                                   _line_of(path, "value: -1"))]
    assert "greater than or equal to 0" in probs[0].message


def test_negative_endurance_and_station_hours(tmp_path):
    probs = _problems(tmp_path, _patrol(vessels__0__endurance=-5, areas__0__hours=-1))
    assert {p.field for p in probs} == {"patrol.vessels.0.endurance", "patrol.areas.0.hours"}


def test_unknown_port(tmp_path):
    probs = _problems(tmp_path, _patrol(vessels__1__end="Atlantis"))
    assert len(probs) == 1
    assert probs[0].field == "vessels.1.end" and "unknown port 'Atlantis'" in probs[0].message
    assert probs[0].line == _line_of(tmp_path / "patrol.yaml", "end: Atlantis")


def test_unreachable_area_is_listed_not_dropped(tmp_path):
    legs = {**LEGS, ("P", "B"): 30.0, ("B", "Q"): 30.0}
    probs = _problems(tmp_path, _patrol(), legs)
    assert len(probs) == 1 and "area 'B' cannot be patrolled" in probs[0].message
    assert "60.0 h" in probs[0].message
    # Asked to, the planner goes on without it and lists it.
    prob = load_patrol(tmp_path / "patrol.yaml", drop_unreachable=True)
    assert [prob.area_ids[i] for i, _ in prob.dropped] == ["B"]


def test_caveat_makes_area_unreachable(tmp_path):
    patrol = _patrol(vessels__0__zones=["Z1"], vessels__1__zones=["Z1"])
    probs = _problems(tmp_path, patrol)
    assert "no vessel may enter zone 'Z2'" in probs[0].message


def test_caveat_naming_unknown_zone(tmp_path):
    probs = _problems(tmp_path, _patrol(vessels__0__zones=["Z9"]))
    assert probs[0].field == "vessels.0.zones" and "'Z9'" in probs[0].message


def test_leg_table_missing_pairs(tmp_path):
    legs = {k: v for k, v in LEGS.items() if k != ("A", "B")}
    probs = _problems(tmp_path, _patrol(), legs)
    assert len(probs) == 2  # both vessels need A-B
    assert "lacks A-B, B-A" in probs[0].message


def test_bad_leg_row_names_csv_line(tmp_path):
    path = write_patrol(tmp_path, _patrol(), LEGS)
    legs = tmp_path / "legs.csv"
    legs.write_text(legs.read_text() + "A,P,-3\nB,P,soon\n")
    with pytest.raises(ScenarioError) as exc:
        load_patrol(path)
    assert [(p.line, p.field) for p in exc.value.problems] == [(8, "hours"), (9, "hours")]
    assert all(p.file.endswith("legs.csv") for p in exc.value.problems)


def test_window_closing_before_it_opens(tmp_path):
    probs = _problems(tmp_path, _patrol(areas__0__window=[5, 2]))
    assert "opens after it closes" in probs[0].message


def test_typo_in_key(tmp_path):
    probs = _problems(tmp_path, _patrol(vessels__0__endurence=5))
    assert "unknown field" in probs[0].message


def test_cli_bad_input_exit_2_nothing_on_stdout(tmp_path):
    write_patrol(tmp_path, _patrol(areas__0__value=-2), LEGS)
    r = CliRunner().invoke(app, ["patrol", str(tmp_path), "--json"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "patrol.yaml" in r.stderr and "value" in r.stderr


def test_cli_unknown_vessel_to_withdraw(tmp_path):
    write_patrol(tmp_path, _patrol(), LEGS)
    r = CliRunner().invoke(app, ["patrol", str(tmp_path), "--withdraw-vessel", "V9"])
    assert r.exit_code == 2 and "unknown vessel 'V9'" in r.stderr
    with pytest.raises(OptionError):
        load_patrol(tmp_path, close_ports=("nowhere",))


def test_cli_json_and_what_ifs(tmp_path):
    write_patrol(tmp_path, _patrol(), LEGS)
    run = CliRunner().invoke(app, ["patrol", str(tmp_path), "--json", "--time-limit", "2"])
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)  # exactly one JSON document
    assert {"status", "total", "bound", "gap", "routes"} <= set(doc)
    assert doc["total"] == 8 and doc["status"] == "optimal"
    assert {r["vessel"] for r in doc["routes"]} == {"V1", "V2"}
    withdrawn = json.loads(CliRunner().invoke(
        app, ["patrol", str(tmp_path), "--json", "--withdraw-vessel", "V1"]).stdout)
    assert [r["vessel"] for r in withdrawn["routes"]] == ["V2"]
    assert "vessel V1 withdrawn" in withdrawn["notes"]
    closed = json.loads(CliRunner().invoke(
        app, ["patrol", str(tmp_path), "--json", "--close-port", "Q"]).stdout)
    assert [r["vessel"] for r in closed["routes"]] == ["V1"]
    assert any("port Q is closed" in n for n in closed["notes"])


def test_example_plans_and_respects_caveat():
    root = Path(__file__).parents[2] / "examples/pacific-patrols"
    r = CliRunner().invoke(app, ["patrol", str(root), "--json", "--time-limit", "4"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    raw = yaml.safe_load((root / "patrol.yaml").read_text())["patrol"]
    zone = {a["id"]: a["zone"] for a in raw["areas"]}
    spey = next(v for v in raw["vessels"] if v["id"] == "HMS-Spey")
    route = next(r for r in doc["routes"] if r["vessel"] == "HMS-Spey")
    assert all(zone[s] in spey["zones"] for s in route["stops"])
    assert sum(doc["value_by_nation"].values()) == pytest.approx(doc["total"])
    assert doc["bound"] >= doc["total"]


def test_great_circle_legs_at_vessel_speed(tmp_path):
    # No legs table: one degree of latitude along a meridian is 60.04 nm (R = 3440.065 nm);
    # at 12 knots that is 5.003 h each way, plus 2 h on station.
    patrol = {"ports": [{"id": "P", "at": [170.0, -20.0]}],
              "areas": [{"id": "A", "at": [170.0, -19.0], "value": 1, "hours": 2}],
              "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                           "endurance": 20, "speed": 12}]}
    prob = load_patrol(write_patrol(tmp_path, patrol))
    expected = 3440.065 * 3.141592653589793 / 180 / 12
    assert prob.t_start[0, 0] == pytest.approx(expected)
    assert prob.timetable(0, [0])[0] == pytest.approx(2 * expected + 2)


def test_no_speed_and_no_legs_is_an_error(tmp_path):
    patrol = {"ports": [{"id": "P", "at": [170.0, -20.0]}],
              "areas": [{"id": "A", "at": [170.0, -19.0], "value": 1}],
              "vessels": [{"id": "V", "nation": "NZL", "start": "P", "end": "P",
                           "endurance": 20}]}
    probs = _problems(tmp_path, patrol, legs=None)
    assert "lacks P-A" in probs[0].message and probs[0].field == "vessels.0"


def test_unreachable_area_names_the_argument_and_the_cli_its_flag(tmp_path):
    """The library tells an API caller to set ``drop_unreachable``; the CLI says the flag."""
    legs = {**LEGS, ("P", "B"): 30.0, ("B", "Q"): 30.0}
    (msg,) = [p.message for p in _problems(tmp_path, _patrol(), legs)]
    assert "drop_unreachable" in msg and "--" not in msg
    r = CliRunner().invoke(app, ["patrol", str(tmp_path)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "--drop-unreachable" in r.stderr and "drop_unreachable" not in r.stderr
