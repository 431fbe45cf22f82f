"""The programme read from a scenario workbook as from YAML; bad cells named by sheet and row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import ScenarioError
from forcegen.exercises import load_programme, plan_exercises
from forcegen.scenario import load_scenario, write_scenario

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "bng-nzl-exercises"


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    out = tmp_path / "programme.xlsx"
    write_scenario(load_scenario(EX), out)
    return out


def test_workbook_programme_equals_the_yaml_one(book: Path) -> None:
    a, b = load_programme(EX), load_programme(book)
    # ``area: [x]`` and ``area: x`` mean the same; a cell holds the id alone.
    assert [{**e.model_dump(), "area": e.areas} for e in a.exercises] == \
        [{**e.model_dump(), "area": e.areas} for e in b.exercises]
    assert [x.model_dump() for x in a.areas] == [x.model_dump() for x in b.areas]
    assert [u.model_dump() for u in a.unavailable] == [u.model_dump() for u in b.unavailable]
    assert a.standby == b.standby and a.standby is not None
    assert (a.start, a.rest_weeks, a.units) == (b.start, b.rest_weeks, b.units)
    ra, rb = plan_exercises(a, time_limit=20), plan_exercises(b, time_limit=20)
    assert ra.plan.value == rb.plan.value and ra.plan.status == rb.plan.status == "optimal"


def _cell(book: Path, sheet: str, ex_id: str, column: str, value: object) -> int:
    """Set one cell of the record ``ex_id``; its row."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    col = header.index(column) + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == ex_id)
    ws.cell(row, col).value = value
    wb.save(book)
    return row


@pytest.mark.parametrize("sheet, rec, column, value, field, words", [
    ("exercises", "EX-03", "area", "salisbury;moor", "area", "unknown training area 'moor'"),
    ("exercises", "EX-04", "needs", "INF-LIGHT-BN:two", "exercises.needs.0.quantity", ""),
    ("exercises", "EX-02", "after", "EX-99", "after", "unknown exercise 'EX-99'"),
    ("exercises", "EX-05", "window", "2027-04-05;2027-04-07", "window", "shorter than"),
    ("training_areas", "otterburn", "capacity", 0, "training_areas.capacity", ""),
])
def test_bad_cell_names_sheet_row_and_field(book: Path, sheet: str, rec: str, column: str,
                                            value: object, field: str, words: str) -> None:
    row = _cell(book, sheet, rec, column, value)
    with pytest.raises(ScenarioError) as err:
        load_programme(book)
    probs = [p for p in err.value.problems if p.field == field]
    assert probs, [str(p) for p in err.value.problems]
    assert probs[0].file.endswith(f"programme.xlsx[{sheet}]")
    assert probs[0].line == row and words in probs[0].message
    res = CliRunner().invoke(app, ["exercises", str(book)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"[{sheet}]" in res.output


def test_bad_standby_in_the_scenario_sheet_names_its_row(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["scenario"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "standby")
    ws.cell(row, 2).value = '{"start": "2027-04-01", "requires": []}'
    wb.save(book)
    with pytest.raises(ScenarioError) as err:
        load_programme(book)
    probs = [p for p in err.value.problems if (p.field or "").startswith("standby")]
    assert probs and probs[0].line == row and probs[0].file.endswith("[scenario]")
