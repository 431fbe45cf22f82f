"""The scenario workbook opens on a summary sheet, which reading the workbook back ignores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from forcegen.exceptions import ScenarioError
from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
from forcegen.sourcing.digest import scenario_digest

from ._factory import doc


def _summary(book: Path) -> tuple[list[str], dict[str, object]]:
    wb = openpyxl.load_workbook(book)
    ws = wb["summary"]
    assert [c.value for c in ws[1]] == ["item", "value"]
    rows = {str(r[0]).strip(): r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    return wb.sheetnames, rows


def test_summary_is_first_and_counts_the_records(example_path: Path, tmp_path: Path) -> None:
    s = load_scenario(example_path)
    sheets, rows = _summary(write_scenario(s, tmp_path / "book.xlsx"))
    assert sheets[:2] == ["summary", "scenario"]
    assert rows["scenario"] == s.data.name
    assert rows["nations"] == len(s.data.nations) > 0
    assert rows["pledges"] == len(s.data.pledges)
    statuses = Counter(p.status for p in s.data.pledges)
    for status in ("offered", "provisional", "approved", "withdrawn"):
        assert rows[f"pledges {status}"] == statuses.get(status, 0)
    assert sum(rows[f"pledges {st}"] for st in statuses) == len(s.data.pledges)  # type: ignore[misc]
    by_priority = Counter(r.priority for r in s.data.requirements)
    assert len(by_priority) > 1  # the example has several priorities to count apart
    for priority, n in by_priority.items():
        assert rows[f"lines of priority {priority}"] == n
        assert rows[f"units required at priority {priority}"] == sum(
            r.quantity for r in s.data.requirements if r.priority == priority)
    assert rows["capability lines (requirements)"] == len(s.data.requirements)
    # The same digest as the plan's input hash is built from.
    assert rows["scenario digest (SHA-256 of the content)"] == scenario_digest(s)
    assert "ignored on import" in str(rows["how to read this workbook"])


def test_round_trip_stays_lossless_with_the_summary(tmp_path: Path) -> None:
    s = scenario_from_dict(doc())
    book = write_scenario(s, tmp_path / "a.xlsx")
    # A planner's edit to the summary changes nothing: it is not read.
    wb = openpyxl.load_workbook(book)
    wb["summary"]["B2"] = "renamed in the summary only"
    wb["summary"].append(["pledges", 999])
    wb.save(book)
    again = load_scenario(book)
    assert again.data == s.data
    assert _summary(write_scenario(again, tmp_path / "b.xlsx"))[1]["scenario"] == s.data.name


def test_formula_like_name_is_text_in_the_summary(tmp_path: Path) -> None:
    d = doc()
    d["name"] = "=HYPERLINK(\"http://x\")"
    s = scenario_from_dict(d)
    book = write_scenario(s, tmp_path / "f.xlsx")
    cell = openpyxl.load_workbook(book)["summary"]["B2"]
    assert cell.data_type == "s" and not str(cell.value).startswith("=")
    assert load_scenario(book).data.name == s.data.name


def test_other_unknown_sheets_are_still_refused(tmp_path: Path) -> None:
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "u.xlsx")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("summaries")
    wb.save(book)
    with pytest.raises(ScenarioError, match="unknown sheet 'summaries'"):
        load_scenario(book)
