"""``forcegen patrol --xlsx``: the workbook's figures re-derived from the raw patrol file."""

from __future__ import annotations

from collections import defaultdict

import openpyxl
import pytest
from _patrol_oracle import brute_force, random_instance, route_hours, write_patrol
from typer.testing import CliRunner

from forcegen.cli.main import app


def _instance(seed: int):
    """Six areas with windows and a caveat, plus one area too far and one no vessel may enter."""
    patrol, legs = random_instance(seed, 6, 2, windows=True, caveats=True)
    for v in patrol["vessels"]:
        v.setdefault("zones", ["Z0", "Z1"])
    patrol["areas"] += [{"id": "FAR", "value": 50, "zone": "Z0"},
                        {"id": "CAV", "value": 40, "zone": "ZX"}]
    places = {a for pair in legs for a in pair}
    for p in places:
        legs[(p, "FAR")] = legs[("FAR", p)] = 1000.0
        legs[(p, "CAV")] = legs[("CAV", p)] = 0.5
    legs[("FAR", "CAV")] = legs[("CAV", "FAR")] = 1000.0
    reachable = {**patrol, "areas": patrol["areas"][:-2]}
    return patrol, legs, brute_force(reachable, legs)


def _table(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("seed", [3, 11])
def test_workbook_totals_match_the_routes_recomputed(tmp_path, seed):
    patrol, legs, best = _instance(seed)
    path = write_patrol(tmp_path, patrol, legs)
    out = tmp_path / "plan.xlsx"
    res = CliRunner().invoke(app, ["patrol", str(path), "--xlsx", str(out), "--time-limit", "5",
                                   "--drop-unreachable"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["summary", "routes", "areas", "vessels"]
    for ws in wb:  # bold frozen header with a filter over the table
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert all(c.font.bold for c in ws[1] if c.value is not None)
    summary = {r["Item"]: r["Value"] for r in _table(wb["summary"])}
    value = {a["id"]: a["value"] for a in patrol["areas"]}
    vessel = {v["id"]: v for v in patrol["vessels"]}

    stops: dict[str, list[str]] = defaultdict(list)
    for r in _table(wb["routes"]):
        assert r["Leg"] == len(stops[r["Vessel"]]) + 1  # legs in order, from 1
        assert r["Value"] == value[r["Area"]]
        assert r["Leave h"] >= r["Arrive h"]
        stops[r["Vessel"]].append(r["Area"])
    covered = [a for s in stops.values() for a in s]
    assert len(covered) == len(set(covered))  # shared areas count once
    total = sum(value[a] for a in covered)
    assert summary["Value covered"] == total
    assert summary["Best bound known"] >= best >= total
    if summary["Status"] == "proven best":
        assert total == best
    else:
        assert summary["Status"].startswith("best found")

    for r in _table(wb["vessels"]):  # endurance used, re-timed from the raw legs
        hours = route_hours(patrol, legs, vessel[r["Vessel"]], stops[r["Vessel"]])
        assert hours is not None, f"{r['Vessel']} route infeasible"
        assert r["Hours used"] == pytest.approx(hours if stops[r["Vessel"]] else 0.0)
        assert r["Endurance used"] == pytest.approx(r["Hours used"] / r["Endurance h"])
        assert r["Value"] == sum(value[a] for a in stops[r["Vessel"]])

    areas = {r["Area"]: r for r in _table(wb["areas"])}
    assert set(areas) == set(value)
    assert {a for a, r in areas.items() if r["Status"] == "covered"} == set(covered)
    assert areas["FAR"]["Status"] == "out of reach"
    assert areas["CAV"]["Status"] == "caveat"
    for a in set(value) - set(covered) - {"FAR", "CAV"}:  # reach re-checked from the raw file
        alone = any(route_hours(patrol, legs, v, [a]) is not None for v in patrol["vessels"])
        assert areas[a]["Status"] == ("not worth the time" if alone else "out of reach")
        assert areas[a]["Why"]
    windowed = [a for a in patrol["areas"] if "window" in a]
    assert all(areas[a["id"]]["Window"] for a in windowed)


def test_xlsx_wrong_suffix_exit_2_nothing_written(tmp_path):
    patrol, legs, _ = _instance(3)
    path = write_patrol(tmp_path, patrol, legs)
    res = CliRunner().invoke(app, ["patrol", str(path), "--xlsx", str(tmp_path / "plan.csv"),
                                   "--drop-unreachable"])
    assert res.exit_code == 2
    assert "--xlsx" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "plan.csv").exists()
