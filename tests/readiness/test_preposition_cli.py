"""``forcegen preposition`` / ``forcegen robustness`` through the command line."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from forcegen.cli import preposition_cmds
from forcegen.cli.main import app as main_app
from forcegen.exceptions import InputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "orlib"

SCENARIO = """\
forcegen: 1
name: tiny
sectors:
  - {id: north, at: [23.0, 52.0], demand: 2, stocks: {ammunition: 100, fuel: 300}}
  - {id: south, at: [24.0, 48.5], demand: 1, stocks: {ammunition: 50, medical: 10}}
  - {id: east, at: [26.0, 50.5], demand: 1.5, stocks: {fuel: 200}}
depot_sites:
  - {id: rzeszow, at: [22.02, 50.04], capacity: 400, fixed_cost: 2000000}
  - {id: lublin, at: [22.57, 51.25], capacity: 300, fixed_cost: 1500000, existing: true}
  - {id: kosice, at: [21.26, 48.72], capacity: 500, fixed_cost: 1000000}
  - {id: suceava, at: [26.25, 47.65], capacity: 300, fixed_cost: 1200000}
x-disruptions:
  - {name: Rzeszów depot struck, depots: [rzeszow]}
"""


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    preposition_cmds.register(app)
    return app


def run(args: list[str]) -> tuple[int, str, BaseException | None]:
    res = CliRunner().invoke(_app(), args)
    return res.exit_code, res.stdout, res.exception


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    (tmp_path / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path


def test_json_has_the_spec_fields(scenario: Path) -> None:
    code, out, _ = run(["preposition", str(scenario), "--depots", "2", "--json"])
    assert code == 0
    doc = json.loads(out)  # exactly one JSON document on stdout
    for key in ("status", "objective", "total", "depots", "allocation", "gap"):
        assert key in doc
    assert doc["status"] == "optimal"
    assert "lublin" in doc["depots"] and len(doc["depots"]) == 2  # existing stays open
    assert {a["sector"] for a in doc["allocation"]} == {"north", "south", "east"}
    assert doc["total"] == pytest.approx(doc["objective"] * 4.5)


def test_capacitated_and_stocks(scenario: Path) -> None:
    code, out, _ = run(["preposition", str(scenario), "--json"])
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "capacitated" and "lublin" in doc["depots"]
    code, out, _ = run(["preposition", str(scenario), "--stocks", "--budget", "5000000",
                        "--json"])
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "stocks"
    assert doc["spent"] <= 5_000_000 + 1e-6
    assert doc["positioned"] + sum(s["missing"] for s in doc["shortfalls"]) == pytest.approx(660)


@pytest.mark.parametrize(
    "args, match",
    [
        (["--depots", "9"], "between 1 and"),
        (["--depots", "2", "--objective", "coverage"], "needs within H"),
        (["--depots", "2", "--objective", "fastest"], "objective"),
        (["--stocks"], "--budget"),
    ],
)
def test_bad_options_raise_input_errors(scenario: Path, args: list[str], match: str) -> None:
    _code, _, exc = run(["preposition", str(scenario), *args])
    assert isinstance(exc, InputError)
    assert match in str(exc)


def test_bad_costs_csv_names_row(scenario: Path) -> None:
    text = SCENARIO.replace("name: tiny", "name: tiny\ncosts: costs.csv")
    (scenario / "scenario.yaml").write_text(text, encoding="utf-8")
    (scenario / "costs.csv").write_text("site,sector,cost\nlublin,north,-1\nnowhere,east,2\n")
    _, _, exc = run(["preposition", str(scenario), "--depots", "1"])
    assert isinstance(exc, InputError)
    assert "costs.csv:2 [cost]" in str(exc) and "costs.csv:3 [site]" in str(exc)


def test_map_is_written(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    code, _, exc = run(["preposition", str(scenario), "--depots", "2", "--map", str(out)])
    assert code == 0, exc
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_robustness_json_and_named_scenario(scenario: Path) -> None:
    code, out, exc = run(["robustness", str(scenario), "--sites", "rzeszow,lublin",
                          "--samples", "2000", "--fail-prob", "0", "--scenario",
                          "Rzeszów depot struck", "--json"])
    assert code == 0, exc
    doc = json.loads(out)
    assert doc["depots"] == ["lublin"]
    south = next(s for s in doc["sectors"] if s["sector"] == "south")
    assert south["median"] == south["worst"]  # deterministic without random losses
    _, _, exc = run(["robustness", str(scenario), "--scenario", "nowhere"])
    assert isinstance(exc, InputError) and "Rzeszów depot struck" in str(exc)


def test_orlib_through_the_cli(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("o2s", ROOT / "bench" / "orlib_to_scenario.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pmed = mod.convert(DATA / "pmed1.txt", tmp_path)
    cap = mod.convert(DATA / "cap41.txt", tmp_path)
    code, out, _ = run(["preposition", str(pmed), "--depots", "5", "--json"])
    assert code == 0 and json.loads(out)["total"] == pytest.approx(5819)
    code, out, _ = run(["preposition", str(cap), "--json"])
    assert code == 0 and json.loads(out)["objective"] == pytest.approx(1040444.375, abs=0.01)


def test_objective_help_says_what_runs(scenario: Path) -> None:
    # --help named "average" as the default, while without --depots capacitated siting ran.
    res = CliRunner().invoke(_app(), ["preposition", "--help"])
    text = " ".join(w for w in res.stdout.split() if w not in "│╭╮╰╯─")
    said = re.search(r"default:? (\w+)", text[text.index("--objective"):])
    assert said is not None
    code, out, _ = run(["preposition", str(scenario), "--depots", "2", "--json"])
    _, named, _ = run(["preposition", str(scenario), "--depots", "2", "--json",
                       "--objective", said.group(1)])
    assert code == 0 and json.loads(out) | {"seconds": 0} == json.loads(named) | {"seconds": 0}
    code, out, _ = run(["preposition", str(scenario), "--json"])
    assert code == 0 and json.loads(out)["kind"] == "capacitated"
    assert "Without --depots the sites are chosen by capacitated siting" in text


def test_objective_without_depots_is_not_silently_ignored(scenario: Path) -> None:
    _, _, exc = run(["preposition", str(scenario), "--objective", "average"])
    # The library names the parameter; the CLI (forcegen.cli.main) names its flag.
    assert isinstance(exc, InputError) and "objective average needs depots P" in str(exc)
    res = CliRunner().invoke(main_app, ["preposition", str(scenario), "--objective", "average"])
    assert res.exit_code == 2
    assert "--objective average needs --depots P" in " ".join(res.stderr.split())
