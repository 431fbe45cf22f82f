"""Hostile scenario files (issue 8): names that point outside the folder, parse bombs, floods.

Every test here failed on the code before the fix: the reader attached or read files by any
name, the writer wrote wherever a name pointed, YAML aliases expanded without bound.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import (
    Scenario,
    _sources,
    _xlsx,
    _yaml,
    load_scenario,
    scenario_from_dict,
    write_scenario,
)

from ._factory import doc


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def _evil_workbook(tmp_path: Path, key: str, name: str) -> Path:
    """An exported workbook plus a ``key | name`` row and a sheet ``key`` (issue 8, critical)."""
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "in" / "evil.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["scenario"].append([key, name])
    ws = wb.create_sheet(key)
    for row in (["site", "sector", "cost"], ["pwned", "north", "1"]):
        ws.append(row)
    wb.save(book)
    return book


def _escape_names(tmp_path: Path) -> list[str]:
    victim = tmp_path / "victim.csv"
    return [f"nodir/../../{victim}", str(victim), "nodir/../../victim.csv",
            "..\\victim.csv", "C:victim.csv"]


@pytest.mark.parametrize("key", ["costs", "network"])
@pytest.mark.parametrize("which", range(5))
def test_workbook_side_sheet_name_is_refused(tmp_path: Path, key: str, which: int) -> None:
    name = _escape_names(tmp_path)[which]
    book = _evil_workbook(tmp_path, key, name)
    problems = _problems(book)
    hit = [p for p in problems if p.field == key]
    assert hit, [str(p) for p in problems]
    # Names the sheet, its row (the row appended last: header + 3 meta rows + this one)...
    assert hit[0].file.endswith("evil.xlsx[scenario]")
    assert hit[0].line == openpyxl.load_workbook(book)["scenario"].max_row
    # ... and says what is expected.
    assert "plain file name" in hit[0].message
    assert not list(tmp_path.rglob("victim.csv"))


def test_cli_export_of_evil_workbook_writes_nothing_outside(tmp_path: Path) -> None:
    name = f"nodir/../../{tmp_path / 'victim.csv'}"
    book = _evil_workbook(tmp_path, "costs", name)
    r = CliRunner().invoke(app, ["export", str(book), "--to", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "plain file name" in r.output and "costs" in r.output
    assert not list(tmp_path.rglob("victim.csv"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("key", ["network", "nodes", "costs", "pledges"])
@pytest.mark.parametrize("kind", ["parent", "absolute", "subfolder", "backslash", "drive"])
def test_yaml_file_names_stay_in_the_folder(tmp_path: Path, key: str, kind: str) -> None:
    # The target exists (outside the scenario's folder), so only the name can be refused.
    outside = tmp_path / "outside.csv"
    outside.write_text("id,nation\n")
    (tmp_path / "s" / "sub").mkdir(parents=True)
    (tmp_path / "s" / "sub" / "x.csv").write_text("id,nation\n")
    name = {"parent": "../outside.csv", "absolute": str(outside), "subfolder": "sub/x.csv",
            "backslash": "sub\\x.csv", "drive": "C:outside.csv"}[kind]
    d = doc()
    d[key] = name
    text = yaml.safe_dump(d, sort_keys=False)
    (tmp_path / "s" / "scenario.yaml").write_text(text)
    hit = [p for p in _problems(tmp_path / "s") if p.field == key]
    assert len(hit) == 1, hit
    assert hit[0].file.endswith("scenario.yaml")
    assert hit[0].line == next(i for i, t in enumerate(text.splitlines(), 1)
                               if t.startswith(f"{key}:"))
    assert "plain file name" in hit[0].message


def test_export_writes_only_fixed_names(tmp_path: Path) -> None:
    # A Scenario whose layout names files outside (as a forged one could): the writer ignores
    # names from data and writes pledges.csv and scenario.yaml inside the output folder only.
    s = scenario_from_dict(doc())
    forged = Scenario(data=s.data, catalog=s.catalog, layout={"pledges": "../../evil.csv"})
    out = write_scenario(forged, tmp_path / "a" / "out")
    assert sorted(p.name for p in out.iterdir()) == ["pledges.csv", "scenario.yaml"]
    assert not list(tmp_path.rglob("evil.csv"))
    assert load_scenario(out).data == s.data


def test_export_renames_side_tables_to_their_key(tmp_path: Path) -> None:
    d = doc()
    d["costs"] = "my costs.csv"
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "scenario.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    (tmp_path / "s" / "my costs.csv").write_text("site,sector,cost\n")
    out = write_scenario(load_scenario(tmp_path / "s"), tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["costs.csv", "scenario.yaml"]
    assert load_scenario(out).data.costs == "costs.csv"


def test_path_of_refuses_a_path(tmp_path: Path) -> None:
    s = scenario_from_dict(doc())
    s.root = tmp_path
    with pytest.raises(ScenarioError):
        s.path_of("../x.csv")


# --------------------------------------------------------------------------- YAML bombs
def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "scenario.yaml"
    p.write_text(text)
    return p


def test_nested_alias_bomb_is_refused(tmp_path: Path) -> None:
    # Six levels of ten aliases: 10^6 values from a few hundred bytes (the file had
    # seven levels, 10^7 values, and ran past 20 s and 1.5 GB).
    lines = ["forcegen: 1", "x-a: &a [" + ",".join(["lol"] * 10) + "]"]
    for prev, cur in zip("abcde", "bcdef", strict=True):
        lines.append(f"x-{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size < 500
    (p,) = _problems(path)
    assert "parse limit" in p.message and "alias" in p.message
    assert p.line is not None and p.file.endswith("scenario.yaml")


def test_self_referencing_alias_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (p,) = _problems(_write(tmp_path, "forcegen: 1\nname: &a [*a]\n"))
    assert "parse limit" in p.message and p.line == 2


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    (p,) = _problems(_write(tmp_path, "forcegen: 1\nx-deep: " + "[" * 60 + "]" * 60 + "\n"))
    assert "nested more than" in p.message and p.line == 2


def test_aliases_within_limits_still_work(tmp_path: Path) -> None:
    d = doc()
    text = yaml.safe_dump(d, sort_keys=False)
    # Two pledges share one caveats block through an anchor.
    text = text.replace("  caveats:\n    sectors:\n    - north\n    max_months: 6",
                        "  caveats: &cv\n    sectors:\n    - north\n    max_months: 6")
    text = text.replace("  caveats:\n    roles:\n    - service-support", "  caveats: *cv")
    assert "*cv" in text
    s = load_scenario(_write(tmp_path, text))
    assert s.pledges[1].caveats == s.pledges[0].caveats


def test_read_without_lines_gives_the_same_records(tmp_path: Path) -> None:
    # load_scenario reads a YAML file without its line map first (faster) and again with it
    # only to report problems: both reads must give the same records.
    text = yaml.safe_dump(doc(), sort_keys=False).replace(
        "  caveats:\n    sectors:\n    - north\n    max_months: 6",
        "  caveats: &cv\n    sectors:\n    - north\n    max_months: 6", 1)
    text += "x-when: 2024-05-01\nx-hex: 0x1F\nx-list: [1, 2.5, .inf, yes, ~, '7']\nx-ref: *cv\n"
    path = _write(tmp_path, text)
    with_lines, lines = _sources.read_yaml(path)
    without, none = _sources.read_yaml(path, lines=False)
    assert without == with_lines and none == {} and lines["pledges.0.caveats"] > 1
    # The loader's own tag resolution and number parsing agree with PyYAML's safe loader.
    numbers = "".join(f"x-n{i}: {v}\n" for i, v in enumerate(
        ["0", "010", "12", "-3", "+4", "1_000", "0o17", "1:30", "1.5", "-2.5", "1.5e+3", ".5",
         "!!float 2", "!!int '12'", "'5'", "~", "", "null", "True", "no", ".NaN", "2024-01-02"]))
    (tmp_path / "n.yaml").write_text(text + numbers)
    got, _ = _sources.read_yaml(tmp_path / "n.yaml", lines=False)
    want = yaml.safe_load(text + numbers)
    nan = got.pop("x-n20"), want.pop("x-n20")
    assert got == want and all(v != v for v in nan)
    assert [type(got[f"x-n{i}"]) for i in (0, 2, 8, 12)] == [int, int, float, float]


# --------------------------------------------------------------------------- table floods
def test_problems_are_capped(tmp_path: Path) -> None:
    d = doc()
    base = d["pledges"][0]
    d["pledges"] = [dict(base, id=f"P-{i}", quantity=0) for i in range(250)]
    problems = _problems(_write(tmp_path, yaml.safe_dump(d, sort_keys=False)))
    assert len(problems) == 201
    assert "and 50 more problems" in problems[-1].message


def test_workbook_rows_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "s.xlsx")
    monkeypatch.setattr(_xlsx, "MAX_TABLE_ROWS", 1)
    hit = [p for p in _problems(book) if p.file.endswith("[requirements]")]
    assert hit and "more than 1 rows" in hit[0].message and hit[0].line == 3


def test_workbook_columns_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "s.xlsx")
    monkeypatch.setattr(_xlsx, "MAX_TABLE_COLUMNS", 3)
    hit = [p for p in _problems(book) if "columns" in p.message]
    assert hit and hit[0].line == 1


def test_workbook_unpacked_size_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "s.xlsx")
    monkeypatch.setattr(_xlsx, "MAX_XLSX_UNPACKED_BYTES", 1000)
    (p,) = _problems(book)
    assert "unpacks to" in p.message


def test_csv_rows_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = doc()
    pledges = d.pop("pledges")
    d["pledges"] = "pledges.csv"
    _write(tmp_path, yaml.safe_dump(d, sort_keys=False))
    with (tmp_path / "pledges.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "nation", "capability", "quantity", "personnel", "notice_days"])
        for p in pledges:
            w.writerow([p["id"], p["nation"], p["capability"], 1, 1, 1])
    monkeypatch.setattr(_sources, "MAX_TABLE_ROWS", 1)
    hit = [p for p in _problems(tmp_path) if "rows" in p.message]
    assert hit and hit[0].file.endswith("pledges.csv") and hit[0].line == 3


def test_oversized_csv_field_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    # csv refuses a field over its limit (131,072 characters) with csv.Error.
    d = doc()
    d["pledges"] = "pledges.csv"
    _write(tmp_path, yaml.safe_dump(d, sort_keys=False))
    (tmp_path / "pledges.csv").write_text('id,nation\nP-1,"' + "x" * 200_000 + '"\n')
    (p,) = [p for p in _problems(tmp_path) if p.file.endswith("pledges.csv")]
    assert "not valid CSV" in p.message and p.line == 2


@pytest.mark.parametrize("lines", [False, True], ids=["without-lines", "with-lines"])
def test_value_limit_counts_the_values_of_flat_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: bool
) -> None:
    # The read without lines takes the scalar values of a mapping in line (not one walk call
    # each): it must count them against the limit exactly as the read with lines does.
    monkeypatch.setattr(_yaml, "MAX_YAML_NODES", 50)
    records = "".join(f"- {{id: P-{i}, quantity: {i}, status: approved}}\n" for i in range(20))
    path = tmp_path / "flat.yaml"
    path.write_text("pledges:\n" + records)
    with pytest.raises(ScenarioError) as info:
        _sources.read_yaml(path, lines=lines)
    (p,) = info.value.problems
    # Root, list and 12 records of 1 + 3 values make 50: the 13th record (line 14) is the 51st.
    assert "more than 50 values" in p.message and p.line == 14
    path.write_text("pledges:\n" + records.replace("P-", "P").split("- {id: P12", 1)[0])
    data, _ = _sources.read_yaml(path, lines=lines)
    assert len(data["pledges"]) == 12
