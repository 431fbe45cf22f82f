"""Bad input: every problem named by file, line and field, all in one pass, nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import yaml

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario

from ._factory import doc


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def _find(problems: list[Problem], field: str) -> Problem:
    hits = [p for p in problems if p.field == field]
    assert hits, f"no problem for field {field!r} in {[str(p) for p in problems]}"
    return hits[0]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("forcegen: 1\nnations:\n  - code: FRA\n   bad: [\n")
    (p,) = _problems(tmp_path)
    assert p.file.endswith("scenario.yaml") and p.line in (3, 4, 5)
    assert "malformed YAML" in p.message


def test_all_problems_in_one_pass_with_lines(tmp_path: Path) -> None:
    d = doc()
    d["nations"].append({"code": "XXX"})  # not ISO 3166
    d["requirements"][0]["quantity"] = -1  # negative
    del d["requirements"][1]["notice_days"]  # missing
    d["pledges"][0]["capability"] = "NO-SUCH-CAP"  # dangling
    d["pledges"][1]["nation"] = "DEU"  # not listed
    d["pledges"][1]["caveats"]["sectors"] = ["west"]  # dangling sector in caveat
    d["requirements"].append(dict(d["requirements"][0], quantity=1))  # duplicate id
    d["sectors"][0]["colour"] = "red"  # unknown field (typo)
    text = yaml.safe_dump(d, sort_keys=False)
    (tmp_path / "scenario.yaml").write_text(text)
    problems = _problems(tmp_path)
    iso = next(p for p in problems if "ISO 3166" in p.message)
    assert iso.field == "code" and iso.line == _line_of(text, "code: XXX")
    q = _find(problems, "quantity")
    assert q.line == _line_of(text, "quantity: -1") and "greater than or equal to 1" in q.message
    n = _find(problems, "notice_days")
    assert "missing" in n.message
    assert "NO-SUCH-CAP" in _find(problems, "capability").message
    assert "DEU" in _find(problems, "nation").message
    assert "west" in _find(problems, "caveats.sectors").message
    assert any("duplicate id 'R-1'" in p.message for p in problems)
    assert any("colour" in p.message for p in problems)
    assert len(problems) >= 8


@pytest.mark.parametrize(
    ("field", "value", "expect"),
    [
        ("quantity", "two", "valid integer"),
        ("personnel", "-5", "greater than or equal to 0"),
        ("status", "maybe", "'offered', 'provisional', 'approved' or 'withdrawn'"),
        ("home", "abc;def", "home"),
        ("notice_days", "", "missing"),
    ],
)
def test_wrong_csv_cells_name_file_line_field(
    tmp_path: Path, field: str, value: str, expect: str
) -> None:
    d = doc()
    pledges = d.pop("pledges")
    d["pledges"] = "pledges.csv"
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    cols = ["id", "nation", "capability", "quantity", "personnel", "notice_days", "status",
            "cost", "home", "caveats.sectors"]
    with (tmp_path / "pledges.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for p in pledges:
            row = {**p, "home": "2.35;48.85",
                   "caveats.sectors": ";".join((p.get("caveats") or {}).get("sectors", []))}
            w.writerow([row.get(c, "") for c in cols])
        bad = {**pledges[0], "id": "P-9", "home": "2.35;48.85", field: value}
        w.writerow([bad.get(c, "") for c in cols])
    problems = _problems(tmp_path)
    hit = [p for p in problems if p.file.endswith("pledges.csv") and p.line == 4]
    assert hit, [str(p) for p in problems]
    assert hit[0].field is not None and hit[0].field.startswith(field)
    assert expect in hit[0].message or expect in (hit[0].field or "")


def test_wrong_excel_cell_names_sheet_row_field(tmp_path: Path) -> None:
    s = scenario_from_dict(doc())
    book = write_scenario(s, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["requirements"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("priority") + 1, value="high")
    ws.cell(row=2, column=header.index("sector") + 1, value="nowhere")
    wb.save(book)
    problems = _problems(book)
    pr = _find(problems, "priority")
    assert pr.file.endswith("[requirements]") and pr.line == 3 and "integer" in pr.message
    se = _find(problems, "sector")
    assert se.line == 2 and "nowhere" in se.message


def test_not_a_workbook(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    (p,) = _problems(bad)
    assert "not a readable .xlsx" in p.message


def test_missing_table_file_and_folder(tmp_path: Path) -> None:
    d = doc()
    d["pledges"] = "missing.csv"
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    problems = _problems(tmp_path)
    assert _find(problems, "pledges").line is not None
    assert "missing.csv" in problems[0].message
    (p,) = _problems(tmp_path / "nope")
    assert "no such file" in p.message


def test_wrong_format_version(tmp_path: Path) -> None:
    d = doc()
    d["forcegen"] = 2
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    p = _find(_problems(tmp_path), "forcegen")
    assert p.line == 1


def test_failed_export_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = scenario_from_dict(doc())
    import forcegen.scenario.writer as writer

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_write_folder", boom)
    with pytest.raises(RuntimeError):
        write_scenario(s, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_unknown_sector_names_the_record_and_lists_the_valid_sectors() -> None:
    """A liaison's typo ('kiev') must say whose pledge it is and what would have been right."""
    d = doc()
    d["pledges"][0]["caveats"]["sectors"] = ["kiev"]
    d["requirements"][1]["sector"] = "sud"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(d)
    caveat = _find(info.value.problems, "caveats.sectors")
    assert "P-1" in caveat.message and "FRA" in caveat.message and "'kiev'" in caveat.message
    assert "one of: north, south" in caveat.message
    sector = _find(info.value.problems, "sector")
    assert "R-2" in sector.message and "one of: north, south" in sector.message
