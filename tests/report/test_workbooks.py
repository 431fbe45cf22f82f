"""The plan and scenario workbooks opened as a planner would: every property checked on the file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from forcegen.report.plan_xlsx import write_plan_xlsx
from forcegen.scenario import load_scenario, write_scenario
from forcegen.scenario.names import scenario_names
from forcegen.scenario.xlsx_style import INTEGER, MONEY, PERCENT
from forcegen.sourcing import Sourcer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("books")
    scenario = load_scenario(EXAMPLE)
    plan = Sourcer(scenario).solve()
    return {"scenario": scenario, "plan": plan,
            "plan_book": write_plan_xlsx(plan, tmp / "plan.xlsx", scenario_names(scenario)),
            "scenario_book": write_scenario(scenario, tmp / "scenario.xlsx")}


def _header(ws: Any) -> list[str]:
    return [c.value for c in ws[1]]


def _column(ws: Any, name: str) -> list[Any]:
    col = _header(ws).index(name) + 1
    return [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]


def _is_table_sheet(ws: Any) -> None:
    """Bold frozen header, an autofilter over exactly the table, widths fitted."""
    last = openpyxl.utils.get_column_letter(ws.max_column)
    assert ws.freeze_panes == "A2", ws.title
    assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", ws.title
    assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
    assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width >= 6
               for i in range(1, ws.max_column + 1)), ws.title


def test_plan_workbook_summary_first_in_plain_words(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["plan_book"])
    plan = books["plan"]
    assert wb.sheetnames[0] == "summary"
    facts = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, max_row=11, values_only=True)}
    assert facts["Status"] == "proven best" == plan.status_text
    assert facts["Input hash (SHA-256)"] == plan.input_hash
    assert facts["Units filled"] == plan.fill and facts["Units required"] == plan.required
    lines = wb["lines"]
    short = [(c.value, q.value - f.value) for c, q, f in zip(
        _column(lines, "Requirement"), _column(lines, "Needed"), _column(lines, "Filled"),
        strict=True) if q.value > f.value]
    assert facts["Short lines"] == len(short)
    assert facts["Units missing"] == sum(m for _, m in short)
    # Fill by priority and by sector are Excel tables (own filters) that add up to the lines.
    ws = wb["summary"]
    assert set(ws.tables) == {"FillByPriority", "FillBySector"}
    for name, key in (("FillByPriority", "Priority"), ("FillBySector", "Sector")):
        rows = list(ws[ws.tables[name].ref])
        assert rows[0][0].value == key
        assert sum(r[2].value for r in rows[1:]) == plan.fill
        assert all(r[3].number_format == PERCENT for r in rows[1:])
    assert ws["B6"].number_format == PERCENT and ws["B9"].number_format == MONEY
    assert len(ws._charts) == 1 and len(wb["burden"]._charts) == 1


def test_every_table_is_filtered_frozen_and_formatted(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["plan_book"])
    for name in ("lines", "assignments", "shortfalls", "burden", "options", "details"):
        _is_table_sheet(wb[name])
    cost = f"Cost ({books['plan'].currency})"
    assert {c.number_format for c in _column(wb["assignments"], cost)} == {MONEY}
    assert {c.number_format for c in _column(wb["assignments"], "Units")} == {INTEGER}
    assert {c.number_format for c in _column(wb["lines"], "Fill")} == {PERCENT}
    assert {c.number_format for c in _column(wb["burden"], "Personnel share")} == {PERCENT}
    assert all(c.data_type == "n" for c in _column(wb["burden"], cost))
    # Fill colours: green / amber / red rules on the fill column of the lines sheet.
    rules = [r for cf in wb["lines"].conditional_formatting for r in cf.rules]
    assert len(rules) == 3 and all(r.dxf.fill is not None for r in rules)
    # Options are rows a planner reads, not a dict printout.
    values = [str(v) for _, v in wb["options"].iter_rows(min_row=2, values_only=True)]
    assert values and not any(v.startswith("{") for v in values)


def test_names_beside_ids(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["plan_book"])
    named = {r.id: r.name for r in books["scenario"].requirements if r.name}
    assert named
    for sheet, id_col, name_col in (("lines", "Requirement", "Name"),
                                    ("assignments", "Requirement", "Requirement name"),
                                    ("shortfalls", "Requirement", "Name")):
        ws = wb[sheet]
        pairs = list(zip(_column(ws, id_col), _column(ws, name_col), strict=True))
        assert pairs
        assert all(n.value == named[i.value] for i, n in pairs if i.value in named)


def test_one_row_per_short_line_and_missing_sums_true(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["plan_book"])
    ws = wb["shortfalls"]
    ids = [c.value for c in _column(ws, "Requirement")]
    assert len(ids) == len(set(ids))
    missing = sum(c.value for c in _column(ws, "Missing"))
    # Independently: needed minus filled over the lines of the plan.
    assert missing == sum(x.quantity - x.filled for x in books["plan"].lines) > 0
    # Reasons in readable columns: a caveat column holding the caveat's words.
    assert "Caveat" in _header(ws)
    assert any("caveat" in (c.value or "") for c in _column(ws, "Caveat"))
    assert not any(h in _header(ws) for h in ("reason", "code", "caveat"))


def test_scenario_workbook_tables_and_numbers(books: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(books["scenario_book"])
    assert wb.sheetnames[:2] == ["summary", "scenario"]  # the overview first
    # No empty sheet: every section sheet holds rows (the example has no catalog of its own).
    assert all(wb[n].max_row > 1 for n in wb.sheetnames), wb.sheetnames
    for ws in wb.worksheets:
        _is_table_sheet(ws)
    nodes = wb["nodes"]
    assert all(c.data_type == "n" for c in _column(nodes, "lon"))
    hours = _column(wb["network"], "hours")
    assert all(c.data_type == "n" and c.number_format == "0.000" for c in hours)
    personnel = _column(wb["pledges"], "personnel")
    assert all(c.data_type == "n" and c.number_format == INTEGER for c in personnel)
    # The network sheet reproduces the CSV file exactly when read back.
    back = load_scenario(books["scenario_book"])
    assert back.data == books["scenario"].data
    for key in ("network", "nodes"):
        assert (back.table_text(back.data.__getattribute__(key)).replace("\r\n", "\n")
                == (EXAMPLE / f"{key}.csv").read_text().replace("\r\n", "\n"))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_both_workbooks_to_pdf(books: dict[str, Any], tmp_path: Path) -> None:
    profile = (tmp_path / "profile").as_uri()  # own profile: parallel runs do not collide
    for book in (books["plan_book"], books["scenario_book"]):
        r = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                           capture_output=True, text=True, timeout=300)
        pdf = tmp_path / (Path(book).stem + ".pdf")
        assert r.returncode == 0 and pdf.is_file(), r.stderr
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
