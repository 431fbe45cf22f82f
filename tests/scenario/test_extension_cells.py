"""``x-`` extensions holding mappings or lists survive CSV folders, zips and workbooks."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from forcegen.scenario import load_scenario, scenario_to_bytes, write_scenario
from forcegen.scenario._tables import flatten, json_value, unflatten

from ._factory import doc

CERTIFIED = {"NRF": True, "EU-BG": "2027-05-03"}


def _folder(tmp_path: Path) -> Path:
    """The factory scenario with pledges in a CSV table whose x- cells hold JSON."""
    src = tmp_path / "src"
    src.mkdir()
    data = doc()
    pledges = data.pop("pledges")
    pledges[0]["x-certified"] = CERTIFIED
    pledges[1]["x-tags"] = ["a;b", 2, None]
    pledges[1]["x-plain"] = "{not json"
    data["pledges"] = "pledges.csv"
    data["x-top"] = {"k": [1, 2]}
    (src / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    rows = [flatten(p) for p in pledges]
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with (src / "pledges.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    return src


def _check(s: Any) -> None:
    a, b = s.pledges
    assert a.extensions() == {"x-certified": CERTIFIED}
    assert b.extensions() == {"x-note": "kept on export", "x-tags": ["a;b", 2, None],
                              "x-plain": "{not json"}


def test_csv_cells_hold_json(tmp_path: Path) -> None:
    src = _folder(tmp_path)
    text = (src / "pledges.csv").read_text()
    assert '"{""NRF"": true, ""EU-BG"": ""2027-05-03""}"' in text and "'NRF'" not in text
    _check(load_scenario(src))


@pytest.mark.parametrize("target", ["folder", "book.xlsx", "zip"])
def test_extension_mappings_round_trip(tmp_path: Path, target: str) -> None:
    original = load_scenario(_folder(tmp_path))
    if target == "zip":
        with zipfile.ZipFile(io.BytesIO(scenario_to_bytes(original, "zip"))) as zf:
            zf.extractall(tmp_path / "unzipped")
        again = load_scenario(tmp_path / "unzipped" / "scenario")
    else:
        again = load_scenario(write_scenario(original, tmp_path / target))
    _check(again)
    assert again.data == original.data
    assert again.data.model_extra == {"x-top": {"k": [1, 2]}}


def test_workbook_cell_is_json_text(tmp_path: Path) -> None:
    book = write_scenario(load_scenario(_folder(tmp_path)), tmp_path / "b.xlsx")
    ws = openpyxl.load_workbook(book)["pledges"]
    col = [c.value for c in ws[1]].index("x-certified")
    assert ws.cell(row=2, column=col + 1).value == '{"NRF": true, "EU-BG": "2027-05-03"}'


def test_json_value_keeps_anything_else_as_text() -> None:
    assert json_value('{"a": 1}') == {"a": 1}
    assert json_value(" [1, 2] ") == [1, 2]
    for text in ("plain", "{broken", "[1,", '"quoted"', "12", "[" * 40 + "]" * 40):
        assert json_value(text) == text
    # only x- columns are parsed; other cells are untouched
    assert unflatten({"name": '{"a": 1}', "x-m": '{"a": 1}'}) == {"name": '{"a": 1}',
                                                                  "x-m": {"a": 1}}
