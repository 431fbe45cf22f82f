"""Reading every layout, and exporting without loss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from forcegen.exceptions import OptionError
from forcegen.scenario import load_scenario, scenario_from_dict, write_scenario

from ._factory import doc


def _write_yaml(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_example_loads_with_every_section(example_path: Path) -> None:
    s = load_scenario(example_path)
    assert len(s.nations) >= 35
    assert "USA" not in s.nation_by_code  # the United States was not invited
    assert {"GBR", "FRA", "UKR", "JPN", "KOR", "AUS", "NZL", "CAN"} <= set(s.nation_by_code)
    assert len(s.requirements) > 50 and len(s.pledges) > 150
    # Every reference resolves.
    assert all(p.nation in s.nation_by_code for p in s.pledges)
    assert all(r.sector in s.sector_by_id for r in s.requirements)
    assert all(r.capability in s.catalog for r in s.requirements)


def test_catalog_has_all_categories_and_symbols() -> None:
    from forcegen.scenario import builtin_catalog

    cat = builtin_catalog()
    assert len(cat) >= 55
    cats = {c.category for c in cat.values()}
    assert {"land", "air", "maritime", "medical", "logistics", "engineer", "cbrn", "cyber",
            "isr", "c2"} <= cats
    assert {c.role for c in cat.values()} == {"combat", "combat-support", "service-support"}
    for c in cat.values():
        assert c.symbol is not None and len(c.symbol) == 20 and c.symbol.isdigit(), c.code
        assert c.symbol[3] == "3", f"{c.code}: friendly standard identity expected"
        assert c.personnel and c.personnel > 0


def test_yaml_and_dict_agree(tmp_path: Path) -> None:
    a = scenario_from_dict(doc())
    b = load_scenario(_write_yaml(tmp_path / "s", doc()))
    assert a.data == b.data
    assert b.pledges[1].extensions() == {"x-note": "kept on export"}


@pytest.mark.parametrize("target", ["folder", "book.xlsx"])
def test_export_round_trips_the_example(example_path: Path, tmp_path: Path, target: str) -> None:
    original = load_scenario(example_path)
    out = write_scenario(original, tmp_path / target)
    again = load_scenario(out)
    assert again.data == original.data
    # and a second export of the re-read scenario is identical again
    again2 = load_scenario(write_scenario(again, tmp_path / ("2" + target)))
    assert again2.data == original.data


@pytest.mark.parametrize("target", ["folder", "book.xlsx"])
def test_export_round_trips_extensions_dates_caveats(tmp_path: Path, target: str) -> None:
    s = scenario_from_dict(doc())
    again = load_scenario(write_scenario(s, tmp_path / target))
    assert again.data == s.data
    assert again.pledges[1].extensions() == {"x-note": "kept on export"}
    assert str(again.requirements[0].start) == "2027-03-01"


def test_export_refuses_to_overwrite(tmp_path: Path) -> None:
    s = scenario_from_dict(doc())
    out = write_scenario(s, tmp_path / "x.xlsx")
    before = out.read_bytes()
    with pytest.raises(OptionError):
        write_scenario(s, out)
    assert out.read_bytes() == before


def test_csv_table_layout_is_kept(example_path: Path, tmp_path: Path) -> None:
    s = load_scenario(example_path)
    out = write_scenario(s, tmp_path / "copy")
    assert (out / "pledges.csv").is_file()
    assert yaml.safe_load((out / "scenario.yaml").read_text())["pledges"] == "pledges.csv"
    # referenced network files travel with the export
    assert (out / "network.csv").is_file() and (out / "nodes.csv").is_file()


def test_single_yaml_file_path(tmp_path: Path, example_path: Path) -> None:
    folder = tmp_path / "ex"
    shutil.copytree(example_path, folder)
    assert load_scenario(folder / "scenario.yaml").data == load_scenario(folder).data


def test_workbook_carries_side_tables(example_path: Path, tmp_path: Path) -> None:
    """An exported workbook holds network and nodes as sheets: alone, it is the whole scenario."""
    original = load_scenario(example_path)
    book = write_scenario(original, tmp_path / "out" / "book.xlsx")
    alone = tmp_path / "alone.xlsx"
    shutil.move(book, alone)
    shutil.rmtree(tmp_path / "out")
    again = load_scenario(alone)
    assert again.data == original.data
    for key in ("network", "nodes"):
        name = getattr(again.data, key)
        got = again.path_of(name)
        assert got is not None and got.read_text().splitlines() == \
            (example_path / name).read_text().splitlines()
