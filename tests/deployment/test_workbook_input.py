"""``forcegen deploy`` reads a scenario workbook (.xlsx) as it reads YAML: sections as sheets.

Bad input names the workbook, sheet, row and field; the command exits 2 and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import load_scenario, write_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "deployment"
SMALL = DATA / "small.yaml"


def _book(tmp_path: Path) -> Path:
    return write_scenario(load_scenario(SMALL), tmp_path / "book.xlsx")


def _edit(book: Path, sheet: str, row: int, column: str, value: object) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    if column not in head:
        ws.cell(row=1, column=len(head) + 1, value=column)
        head.append(column)
    ws.cell(row=row, column=head.index(column) + 1, value=value)
    wb.save(book)


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_deployment(path)
    return info.value.problems


def test_workbook_reads_as_the_yaml_it_was_written_from(tmp_path: Path) -> None:
    book = _book(tmp_path)
    a, b = load_deployment(SMALL), load_deployment(book)
    assert b.movements == a.movements and b.lift == a.lift and b.ports == a.ports
    assert b.c_day == a.c_day and b.c_day is not None
    assert not b.derived and b.source == str(book)


def test_folder_holding_only_a_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    write_scenario(load_scenario(SMALL), folder / "scenario.xlsx")
    assert load_deployment(folder).movements == load_deployment(SMALL).movements


def test_cli_plans_the_same_from_workbook_and_yaml(tmp_path: Path) -> None:
    book = _book(tmp_path)
    runs = [
        CliRunner().invoke(app, ["deploy", str(p), "--json", "--time-limit", "10"])
        for p in (SMALL, book)
    ]
    assert [r.exit_code for r in runs] == [0, 0], runs[1].output
    docs = [json.loads(r.stdout) for r in runs]
    assert docs[0]["closure"] == docs[1]["closure"] == 15
    assert docs[0]["closure_date"] == docs[1]["closure_date"] == "2027-03-16"
    assert [m["id"] for m in docs[0]["movements"]] == [m["id"] for m in docs[1]["movements"]]


def test_unknown_lift_names_sheet_row_and_field(tmp_path: Path) -> None:
    book = _book(tmp_path)
    _edit(book, "movements", 4, "lift.A400M", 1)  # row 4: ULN-0003
    (p,) = _problems(book)
    assert p.file == f"{book}[movements]" and p.line == 4 and p.field == "lift.A400M"
    assert "unknown lift type 'A400M'" in p.message and "ULN-0003" in p.message


def test_bad_value_and_cycle_are_both_reported(tmp_path: Path) -> None:
    book = _book(tmp_path)
    _edit(book, "movements", 2, "after", "ULN-0002")  # ULN-0001 after ULN-0002 after ULN-0001
    _edit(book, "lift", 3, "capacity", "many")  # RORO
    problems = _problems(book)  # the record errors stop before the cross checks
    (p,) = problems
    assert (p.file, p.line, p.field) == (f"{book}[lift]", 3, "lift.capacity")
    _edit(book, "lift", 3, "capacity", 2)
    (p,) = _problems(book)
    assert p.file == f"{book}[movements]" and p.field == "after"
    assert "ULN-0001 -> ULN-0002 -> ULN-0001" in p.message


def test_more_lift_than_exists_and_latest_before_available(tmp_path: Path) -> None:
    book = _book(tmp_path)
    _edit(book, "movements", 5, "lift.TRAIN", 9)  # ULN-0004
    _edit(book, "movements", 6, "latest", 0)  # ULN-0005: 1 day in transit
    problems = {(p.line, p.field): p.message for p in _problems(book)}
    assert "needs 9 TRAIN each day but only 3 exist" in problems[(5, "lift.TRAIN")]
    assert "latest arrival day 0 is before" in problems[(6, "latest")]


def test_bad_c_day_row_is_named(tmp_path: Path) -> None:
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["scenario"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "c_day")
    ws.cell(row, 2, "the first of March")
    wb.save(book)
    (p,) = _problems(book)
    assert (p.file, p.line, p.field) == (f"{book}[scenario]", row, "c_day")


def test_side_sheet_named_in_scenario_sheet(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "scenario.yaml").write_text(
        "forcegen: 1\nlift:\n  - {id: C17, mode: air, capacity: 4}\nmovements: moves.csv\n"
    )
    (src / "moves.csv").write_text("id,days,lift.C17,after\nA,2,3,\nB,1,1,A\nC,1,1,Z\n")
    book = write_scenario(load_scenario(src), tmp_path / "out" / "book.xlsx")
    (p,) = _problems(book)
    # The side sheet's own row, under the workbook's name (not a temporary file's).
    assert (p.file, p.line, p.field) == (f"{book}[movements]", 4, "after")
    assert "unknown movement 'Z'" in p.message


def test_table_name_reaching_outside_the_folder_is_refused(tmp_path: Path) -> None:
    book = _book(tmp_path)
    wb = openpyxl.load_workbook(book)
    del wb["movements"]
    ws = wb["scenario"]
    ws.append(["movements", "../secret.csv"])
    wb.save(book)
    (tmp_path.parent / "secret.csv").write_text("id,days\nA,1\n")
    (p,) = _problems(book)
    assert p.field == "movements" and p.file == f"{book}[scenario]"


def test_cli_bad_workbook_exit_2_nothing_written(tmp_path: Path) -> None:
    book = _book(tmp_path)
    _edit(book, "movements", 3, "pod", "gdansk")  # ULN-0002
    out = tmp_path / "plan.xlsx"
    res = CliRunner().invoke(
        app,
        ["deploy", str(book), "--json", "--xlsx", str(out), "--csv", str(tmp_path / "plan.csv")],
    )
    assert res.exit_code == 2
    assert res.stdout == "" and "Traceback" not in res.output
    assert "book.xlsx[movements]:3 [pod]" in res.stderr and "unknown port 'gdansk'" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_not_a_workbook(tmp_path: Path) -> None:
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"not a zip")
    (p,) = _problems(f)
    assert "not a readable .xlsx workbook" in p.message


def test_command_rules_travel_in_the_scenario_sheet(tmp_path: Path) -> None:
    src = tmp_path / "scenario.yaml"
    src.write_text(SMALL.read_text() + "command:\n  - {nation: GBR, relationship: TACON}\n")
    book = write_scenario(load_scenario(src), tmp_path / "c.xlsx")
    assert load_scenario(book).data.command == [{"nation": "GBR", "relationship": "TACON"}]
    assert load_deployment(book).command == load_deployment(src).command
    wb = openpyxl.load_workbook(book)
    ws = wb["scenario"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "command")
    ws.cell(row, 2, '[{"nation": "GBR", "relationship": "COMMAND"}]')
    wb.save(book)
    (p,) = _problems(book)
    assert (p.file, p.line) == (f"{book}[scenario]", row)
    assert p.field is not None and p.field.startswith("command")
