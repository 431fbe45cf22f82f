"""Lines asking ``certified: [...]`` take only pledges holding those certifications in time
(``x-certified``: certification -> date earned, or true), and say so when short."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
from forcegen.sourcing import solve


def _scenario(held: dict[str, Any] | None, certified: list[str] | None) -> dict[str, Any]:
    pledge: dict[str, Any] = {"id": "P-1", "nation": "GBR", "capability": "INF-LIGHT-BN",
                              "quantity": 1, "personnel": 500, "notice_days": 5,
                              "status": "approved"}
    if held is not None:
        pledge["x-certified"] = held
    line: dict[str, Any] = {"id": "R-1", "capability": "INF-LIGHT-BN", "quantity": 1,
                            "sector": "s", "notice_days": 30, "start": dt.date(2027, 6, 7)}
    if certified is not None:
        line["certified"] = certified
    return {"forcegen": 1, "nations": [{"code": "GBR"}], "sectors": [{"id": "s"}],
            "requirements": [line], "pledges": [pledge]}


@pytest.mark.parametrize("held, certified, filled", [
    (None, None, 1),                                  # no certification asked
    (None, ["NRF"], 0),                               # asked, not held
    ({"NRF": True}, ["NRF"], 1),                      # held already
    ({"NRF": "2027-06-07"}, ["NRF"], 1),              # earned on the day the line starts
    ({"NRF": "2027-06-08"}, ["NRF"], 0),              # earned a day late
    ({"NRF": "2027-01-01"}, ["NRF", "MED"], 0),       # one of two
    ({"OTHER": True}, ["NRF"], 0),
])
def test_certification_filters_pairs(held: Any, certified: Any, filled: int) -> None:
    plan = solve(scenario_from_dict(_scenario(held, certified))).to_dict()
    assert sum(a["units"] for a in plan["assignments"]) == filled
    if not filled:
        reasons = plan["shortfalls"][0]["reasons"]
        assert [r["code"] for r in reasons] == ["not-certified"]
        assert reasons[0]["pledges"] == ["P-1"]


def test_certified_round_trips_through_export(tmp_path: Any) -> None:
    sc = scenario_from_dict(_scenario({"NRF": "2027-01-01"}, ["NRF"]))
    write_scenario(sc, tmp_path / "out")
    back = load_scenario(tmp_path / "out")
    assert back.requirements[0].certified == ["NRF"]
    assert solve(back).to_dict()["assignments"][0]["units"] == 1


def test_certified_round_trips_through_a_workbook(tmp_path: Any) -> None:
    sc = scenario_from_dict(_scenario(None, ["NRF", "MED"]))
    write_scenario(sc, tmp_path / "s.xlsx")
    assert load_scenario(tmp_path / "s.xlsx").requirements[0].certified == ["NRF", "MED"]
