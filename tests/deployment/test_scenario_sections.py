"""A scenario carrying deployment sections still validates, sources and exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment
from forcegen.scenario import load_scenario, scenario_to_bytes, write_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "deployment"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def test_validate_accepts_deployment_sections() -> None:
    res = CliRunner().invoke(app, ["validate", str(DATA / "small.yaml")])
    assert res.exit_code == 0, res.output


def test_folder_export_keeps_them(tmp_path: Path) -> None:
    out = write_scenario(load_scenario(DATA / "small.yaml"), tmp_path / "copy")
    before, after = load_deployment(DATA / "small.yaml"), load_deployment(out)
    assert after.c_day == before.c_day
    assert after.movements == before.movements and after.lift == before.lift
    assert after.ports == before.ports


def test_csv_movements_are_copied_on_export(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "scenario.yaml").write_text(
        "forcegen: 1\nlift:\n  - {id: C17, mode: air, capacity: 4}\nmovements: moves.csv\n")
    (src / "moves.csv").write_text("id,days,lift.C17,after\nA,2,3,\nB,1,1,A\n")
    dep = load_deployment(src)
    assert [m.after for m in dep.movements] == [[], ["A"]]
    out = write_scenario(load_scenario(src), tmp_path / "copy")
    assert load_deployment(out).movements == dep.movements


def test_xlsx_round_trips_small_deployment(tmp_path: Path) -> None:
    original = load_scenario(DATA / "small.yaml")
    again = load_scenario(write_scenario(original, tmp_path / "x.xlsx"))
    assert again.data == original.data
    assert again.data.lift and again.data.ports and again.data.movements


def _example_with_sections(tmp_path: Path) -> Path:
    """The example with its deployment sections in scenario.yaml, movements explicit."""
    src = tmp_path / "src"
    shutil.copytree(EXAMPLE, src)
    derived = load_deployment(EXAMPLE).movements
    data = yaml.safe_load((src / "scenario.yaml").read_text())
    data.update(yaml.safe_load((src / "deployment.yaml").read_text()))
    (src / "deployment.yaml").unlink()
    moves = [m.model_dump(mode="json", exclude_defaults=True) for m in derived]
    # Lists, places as ids and as coordinates, and x- mappings all occur.
    moves[0]["x-certified"] = {"NRF": True, "since": "2026-01"}
    data["movements"] = moves
    data["ports"][0]["sectors"] = ["kyiv", "lviv"]
    (src / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return src


def test_xlsx_round_trips_the_example_deployment(tmp_path: Path) -> None:
    original = load_scenario(_example_with_sections(tmp_path))
    moves = original.data.movements
    assert isinstance(moves, list) and len(moves) > 100
    assert any(m.get("after") for m in moves) and any(isinstance(m.get("origin"), list)
                                                      for m in moves)
    assert any(isinstance(m.get("destination"), str) for m in moves)
    book = write_scenario(original, tmp_path / "book.xlsx")
    again = load_scenario(book)
    assert again.data == original.data
    assert load_scenario(write_scenario(again, tmp_path / "book2.xlsx")).data == original.data
    # Each section is a sheet a planner can read: one row per record, ';' lists, lon;lat places.
    wb = openpyxl.load_workbook(book)
    assert {"lift", "ports", "movements"} <= set(wb.sheetnames)
    head = [c.value for c in wb["movements"][1]]
    assert "lift.RAIL-DEU" in head or any(str(h).startswith("lift.") for h in head)
    assert wb["movements"].max_row == len(moves) + 1
    assert wb["ports"]["A1"].value == "id"
    # and the workbook's sections, written back to a folder, plan the same deployment
    folder = write_scenario(again, tmp_path / "folder")
    assert load_deployment(folder).movements == load_deployment(tmp_path / "src").movements


def test_xlsx_keeps_csv_named_sections_as_side_sheets(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "scenario.yaml").write_text(
        "forcegen: 1\nlift:\n  - {id: C17, mode: air, capacity: 4}\nmovements: moves.csv\n")
    text = "id,days,lift.C17,after\nA,2,3,\nB,1,1,A\n"
    (src / "moves.csv").write_text(text)
    original = load_scenario(src)
    book = write_scenario(original, tmp_path / "out" / "x.xlsx")
    again = load_scenario(book)
    assert again.data == original.data and again.data.movements == "moves.csv"
    got = again.table_text("moves.csv")
    assert got is not None and got.splitlines() == text.splitlines()
    assert load_deployment(write_scenario(again, tmp_path / "copy")).movements == \
        load_deployment(src).movements


def test_xlsx_export_keeps_exercises(tmp_path: Path) -> None:
    """The exercise sections travel as sheets (``needs`` as ``CAP:2;CAP``) and read back."""
    scen = load_scenario(EXAMPLE.parent / "bng-nzl-exercises")
    book = write_scenario(scen, tmp_path / "x.xlsx")
    again = load_scenario(book)
    assert [e["id"] for e in again.data.exercises or []] == \
        [e["id"] for e in scen.data.exercises or []]
    assert again.data.standby is not None
    assert scenario_to_bytes(scen, "xlsx")[:2] == b"PK"
