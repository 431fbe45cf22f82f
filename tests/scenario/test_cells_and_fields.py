"""Cells and fields: formula neutralisation, field maxima, control characters, first-contact bugs
(issue 8 Low, issue 9 section 6). Each test failed on the code before the fix."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from forcegen.exceptions import Problem, ScenarioError
from forcegen.report.plan_xlsx import write_plan_xlsx
from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario
from forcegen.scenario._tables import escape_formula, unescape_formula
from forcegen.scenario.limits import MAX_PRIORITY, MAX_QUANTITY
from forcegen.sourcing.solver import Sourcer

from ._factory import doc

FORMULAS = ['=HYPERLINK("http://x.test","click")', "=cmd|' /C calc'!A0", "+1+2", "-2+3",
            "@SUM(A1)", "-cmd", "'=already quoted", "''+two quotes"]


def _problems(make: Any) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        make()
    return info.value.problems


def _as_folder(d: dict[str, Any], folder: Path, table: str | None = None) -> Path:
    """``d`` as a scenario folder, section ``table`` as ``<table>.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    d = dict(d)
    if table is not None:
        s = scenario_from_dict(d)
        s.layout = {table: f"{table}.csv"}
        return write_scenario(s, folder, overwrite=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    return folder


def _formula_doc() -> dict[str, Any]:
    d = doc()
    base = d["pledges"][0]
    d["pledges"] = [dict(base, id=f"P-{i}", name=f) for i, f in enumerate(FORMULAS)]
    d["pledges"].append(dict(base, id="=P-EVIL", name="negative lon", home=[-3.7, 40.4]))
    d["requirements"][0]["name"] = "=1+1"
    return d


# --------------------------------------------------------------------------- formulas
def test_csv_export_neutralises_formulas_and_round_trips(tmp_path: Path) -> None:
    s = scenario_from_dict(_formula_doc())
    s.layout = {"pledges": "pledges.csv"}
    out = write_scenario(s, tmp_path / "out")
    with (out / "pledges.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row, want in zip(rows, FORMULAS, strict=False):
        assert row["name"] == "'" + want  # a spreadsheet shows text, runs nothing
    evil = rows[-1]
    assert evil["id"] == "'=P-EVIL"
    assert evil["home"] == "-3.7;40.4"  # numbers stay numbers (no quote)
    assert load_scenario(out).data == s.data  # the reader undoes the quote: lossless


def test_hand_written_quotes_are_kept(tmp_path: Path) -> None:
    d = doc()
    d["pledges"][0]["name"] = "'t Hooft"
    s = scenario_from_dict(d)
    s.layout = {"pledges": "pledges.csv"}
    out = write_scenario(s, tmp_path / "out")
    assert "'t Hooft" in (out / "pledges.csv").read_text()
    assert load_scenario(out).pledges[0].name == "'t Hooft"


def test_xlsx_export_writes_text_not_formulas(tmp_path: Path) -> None:
    s = scenario_from_dict(_formula_doc())
    book = write_scenario(s, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(book)  # not data_only: formulas would show as data_type "f"
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = {c.value for c in cells if c.data_type == "s"}
    # Every formula-like text is behind a quote, on every sheet (a user retyping the cell
    # still gets text) ...
    assert {"'" + f for f in FORMULAS} <= names and "'=P-EVIL" in names and "'=1+1" in names
    # (a coordinate pair "-3.7;40.4" is numbers, not a formula: left as it is)
    assert [v for v in names if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == ["-3.7;40.4"]
    # ... and comes back exactly, quotes already in the data included.
    back = load_scenario(book)
    assert back.data == s.data
    assert [p.name for p in back.pledges][: len(FORMULAS)] == FORMULAS
    assert back.requirements[0].name == "=1+1"


def test_plan_workbook_writes_text_not_formulas(tmp_path: Path) -> None:
    d = doc()
    d["pledges"][0]["id"] = "=HYPERLINK(\"http://x.test\")"
    d["requirements"][0]["id"] = "@SUM(A1)"
    plan = Sourcer(scenario_from_dict(d)).solve()
    path = write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert "'" + d["pledges"][0]["id"] in texts and "'@SUM(A1)" in texts
    # Numbers are still numbers (units, personnel, cost).
    assert any(c.data_type == "n" and c.value == 1 for c in wb["assignments"]["F"])


@pytest.mark.parametrize("text", ["\tx", "\rx", "=x", "'=x", "''@x", "+x", "-x", "@x"])
def test_escape_round_trips_every_trigger(text: str) -> None:
    # Fields are stripped, so tab and CR can only start a cell of a raw table; cover them here.
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize("text", ["-3", "+4.5", "-3.7;40.4", "1e-3", "'t Hooft", "a=b", ""])
def test_escape_leaves_numbers_and_plain_text(text: str) -> None:
    assert escape_formula(text) == text == unescape_formula(text)


# --------------------------------------------------------------------------- field bounds
@pytest.mark.parametrize(("section", "field", "value"), [
    ("pledges", "quantity", 10**30),
    ("pledges", "quantity", MAX_QUANTITY + 1),
    ("pledges", "personnel", 2**63),
    ("requirements", "priority", 2**40),
    ("requirements", "priority", MAX_PRIORITY + 1),
    ("requirements", "months", 10**9),
    ("pledges", "notice_days", 1e300),
    ("pledges", "cost", 1e300),
    ("pledges", "name", "x" * 201),
    ("requirements", "name", "a\x00b"),
    ("pledges", "name", "bell\x07"),
    ("pledges", "name", "two\nlines"),
    ("pledges", "id", "tab\tid"),
    ("sectors", "name", "esc\x1b[31m"),
])
def test_field_bounds_name_row_and_field(
    tmp_path: Path, section: str, field: str, value: Any
) -> None:
    d = doc()
    d[section][0][field] = value
    folder = _as_folder(d, tmp_path / "s")
    text = (folder / "scenario.yaml").read_text()
    (p,) = [p for p in _problems(lambda: load_scenario(folder)) if p.field == field]
    assert p.file.endswith("scenario.yaml") and p.line is not None
    assert text.splitlines()[p.line - 1].lstrip(" -").startswith(f"{field}:")


def test_control_characters_in_extensions_are_refused() -> None:
    d = doc()
    d["pledges"][1]["x-note"] = "nul\x00here"
    (p,) = _problems(lambda: scenario_from_dict(d))
    assert "x-note" in p.message and "U+0000" in p.message


def test_description_may_have_newlines_but_no_controls() -> None:
    d = doc()
    d["catalog"] = [{"code": "X-1", "name": "x", "category": "land", "role": "combat",
                     "description": "line one\nline two\ttabbed"}]
    assert scenario_from_dict(d).catalog["X-1"].description == "line one\nline two\ttabbed"
    d["catalog"][0]["description"] = "form\x0cfeed"
    assert _problems(lambda: scenario_from_dict(d))[0].field == "description"


# --------------------------------------------------------------------------- first contact
def test_csv_first_row_is_line_2(tmp_path: Path) -> None:
    d = doc()
    d["pledges"][0]["nation"] = "DEU"  # not listed under nations
    folder = _as_folder(doc(), tmp_path / "s", table="pledges")
    rows = (folder / "pledges.csv").read_text().splitlines()
    rows[1] = rows[1].replace(",FRA,", ",DEU,")
    (folder / "pledges.csv").write_text("\n".join(rows) + "\n")
    (p,) = _problems(lambda: load_scenario(folder))
    assert p.file.endswith("pledges.csv") and p.field == "nation" and p.line == 2


def test_csv_export_writes_whole_numbers_as_integers(tmp_path: Path) -> None:
    s = scenario_from_dict(doc())
    s.layout = {"pledges": "pledges.csv", "requirements": "requirements.csv"}
    out = write_scenario(s, tmp_path / "out")
    text = (out / "pledges.csv").read_text() + (out / "requirements.csv").read_text()
    assert "25000000" in text and "25000000.0" not in text
    assert ",10," in text and "10.0" not in text  # notice_days
    assert "2.35;48.85" in text  # real fractions stay
    again = load_scenario(out)
    assert again.data == s.data and isinstance(again.pledges[0].cost, float)


def test_lowercase_nation_codes_are_read_as_upper_case(tmp_path: Path) -> None:
    d = doc()
    d["nations"][0]["code"] = "fra"
    d["pledges"][0]["nation"] = " fra"
    d["currency"] = "eur"
    s = load_scenario(_as_folder(d, tmp_path / "s"))
    assert s.nations[0].code == "FRA" and s.pledges[0].nation == "FRA" and s.data.currency == "EUR"


def test_lowercase_duplicate_nation_is_still_a_duplicate() -> None:
    d = doc()
    d["nations"].append({"code": "fra"})
    assert any("duplicate" in p.message for p in _problems(lambda: scenario_from_dict(d)))


def test_a_national_ceiling_may_exceed_one_unit_but_stays_bounded() -> None:
    """A ceiling sums a nation's pledges (a large synthetic coalition reaches 10^7): allowed up
    to the workspace column's range, refused above it with the field named."""
    d = doc()
    d["nations"][0]["ceiling"] = {"personnel": 20_000_000}
    scenario_from_dict(d)
    d["nations"][0]["ceiling"] = {"personnel": 2**40}
    (p,) = _problems(lambda: scenario_from_dict(d))
    assert p.field == "ceiling.personnel"
