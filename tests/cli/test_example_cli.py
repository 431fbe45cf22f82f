"""``forcegen example``: the bundled example is shipped in the package and can be copied out."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.data import example_path
from forcegen.scenario import load_scenario


def test_example_copies_a_valid_scenario(cli: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "mine"
    r = cli.invoke(app, ["example", str(dest)])
    assert r.exit_code == 0, r.output
    copied = load_scenario(dest)
    shipped = load_scenario(example_path())
    assert len(copied.pledges) == len(shipped.pledges) == 291
    assert (dest / "network.csv").read_bytes() == (example_path() / "network.csv").read_bytes()


def test_example_refuses_to_overwrite(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    r = cli.invoke(app, ["example", str(tmp_path / "taken")])
    assert r.exit_code == 2
    assert "already exists" in r.output


def test_example_unknown_name_is_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    r = cli.invoke(app, ["example", str(tmp_path / "x"), "--name", "nope"])
    assert r.exit_code == 2
    assert "reassurance-force" in r.output
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_wheel_carries_example_templates_and_migrations(tmp_path: Path) -> None:
    # A wheel install must serve and source offline: the example, web assets and migrations
    # are package data, not files of the checkout.
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(root)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("forcegen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "forcegen/data/examples/reassurance-force/scenario.yaml",
        "forcegen/data/examples/reassurance-force/network.csv",
        "forcegen/data/europe_countries.json",
        "forcegen/workspace/migrations/env.py",
        "forcegen/web/templates/base.html",
    ):
        assert needed in names, needed
    assert any(n.startswith("forcegen/workspace/migrations/versions/0002") for n in names)
    assert any(n.startswith("forcegen/web/static/") for n in names)
