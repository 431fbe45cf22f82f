"""Scenarios in memory (for the web workspace): read uploads and build exports without folders."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from forcegen.exceptions import ScenarioError
from forcegen.scenario import (
    load_scenario,
    load_scenario_bytes,
    scenario_from_dict,
    scenario_to_bytes,
    write_scenario,
)

from ._factory import doc


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp directory of our own, to see whether anything was written to it."""
    d = tmp_path / "tmpdir"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def test_workbook_bytes_read_without_temp_files(
    example_path: Path, tmp_path: Path, private_tmp: Path
) -> None:
    original = load_scenario(example_path)
    content = scenario_to_bytes(original, "xlsx")
    assert list(private_tmp.iterdir()) == []  # the export wrote nothing either
    again = load_scenario_bytes(content, "upload.xlsx")
    assert list(private_tmp.iterdir()) == []
    assert again.data == original.data and again.root is None
    for key in ("network", "nodes"):
        name = getattr(again.data, key)
        text = again.table_text(name)
        assert text is not None
        assert text.splitlines() == (example_path / name).read_text().splitlines()


def test_evil_workbook_bytes_are_refused(tmp_path: Path) -> None:
    book = write_scenario(scenario_from_dict(doc()), tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["scenario"].append(["network", "/tmp/evil.csv"])
    wb.create_sheet("network").append(["from", "to", "hours"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ScenarioError) as info:
        load_scenario_bytes(buf.getvalue(), "evil.xlsx")
    (p,) = [p for p in info.value.problems if p.field == "network"]
    assert p.file == "evil.xlsx[scenario]" and "plain file name" in p.message


def test_zip_export_in_memory_uses_fixed_names(example_path: Path, private_tmp: Path) -> None:
    original = load_scenario(example_path)
    with zipfile.ZipFile(io.BytesIO(scenario_to_bytes(original, "zip"))) as zf:
        names = sorted(zf.namelist())
        files = {n: zf.read(n) for n in names}
    assert names == ["scenario/network.csv", "scenario/nodes.csv", "scenario/pledges.csv",
                     "scenario/scenario.yaml"]
    assert files["scenario/network.csv"] == (example_path / "network.csv").read_bytes()
    assert list(private_tmp.iterdir()) == []


def test_yaml_bytes_with_tables(tmp_path: Path) -> None:
    d = doc()
    d["costs"] = "costs.csv"
    content = yaml.safe_dump(d).encode()
    with pytest.raises(ScenarioError) as info:  # named, but not given
        load_scenario_bytes(content, "s.yaml")
    assert info.value.problems[0].field == "costs"
    s = load_scenario_bytes(content, "s.yaml", tables={"costs.csv": "site,sector,cost\n"})
    assert s.table_text("costs.csv") == "site,sector,cost\n"
    # Analyses that take paths get a private copy under the checked name.
    path = s.path_of("costs.csv")
    assert path is not None and path.read_text() == "site,sector,cost\n"
    with pytest.raises(ScenarioError):
        scenario_from_dict(d, tables={"../costs.csv": "x"})


def test_yaml_bytes_limits_apply() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_bytes(b"forcegen: 1\nname: &a [*a]\n", "bomb.yaml")
    assert "parse limit" in info.value.problems[0].message


def test_yaml_bytes_problems_keep_their_lines() -> None:
    # Uploads are read without the line map first; a problem must still name its line.
    d = doc()
    d["pledges"][1]["quantity"] = -1
    text = yaml.safe_dump(d, sort_keys=False)
    with pytest.raises(ScenarioError) as info:
        load_scenario_bytes(text.encode(), "s.yaml")
    (p,) = info.value.problems
    want = next(i for i, line in enumerate(text.splitlines(), 1) if "quantity: -1" in line)
    assert p.file == "s.yaml" and p.line == want and p.field == "quantity"
    assert load_scenario_bytes(yaml.safe_dump(doc()).encode(), "s.yaml").pledges
