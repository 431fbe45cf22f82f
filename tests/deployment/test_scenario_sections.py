"""A scenario carrying deployment sections still validates, sources and exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment
from forcegen.exceptions import OptionError
from forcegen.scenario import load_scenario, write_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "deployment"


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


def test_xlsx_export_refuses_clearly(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match=r"cannot be exported to \.xlsx yet"):
        write_scenario(load_scenario(DATA / "small.yaml"), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
