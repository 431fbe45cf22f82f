"""``forcegen validate / export / source / compare`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_source_json_is_one_document_with_spec_fields(cli: CliRunner, example_path: Path) -> None:
    doc = _json(cli.invoke(app, ["source", str(example_path), "--json"]))
    assert doc["status"] == "optimal"
    assert set(doc["objective"]) >= {"fill", "cost"}
    assert doc["gap"] <= 1e-4
    assert {"pledge", "requirement", "units"} <= set(doc["assignments"][0])
    assert {"requirement", "missing", "reasons"} <= set(doc["shortfalls"][0])
    assert len(doc["input_hash"]) == 64
    # Units assigned add up to the reported fill.
    assert sum(a["units"] for a in doc["assignments"]) == doc["objective"]["fill"]
    # The plan document is read by API users too: options by name, never a CLI flag.
    messages = [r["message"] for s in doc["shortfalls"] for r in s["reasons"]]
    assert any("include provisional pledges" in m for m in messages)
    assert not any("--" in m for m in messages)


def test_terminal_table_adds_the_flag_that_fills_a_line() -> None:
    from forcegen.cli._common import flag_hint
    from forcegen.sourcing.plan import Reason

    assert flag_hint(Reason("not-approved", "m", detail={"fills_with": "offered"})) == (
        " (--include offered)")
    assert flag_hint(Reason("not-approved", "m", detail={"fills_with": None})) == ""
    assert flag_hint(Reason("caveat", "m", detail={"fills_with": "offered"})) == ""


def test_source_table_names_the_flag(cli: CliRunner, example_path: Path) -> None:
    from forcegen.cli._common import with_flag_hints
    from forcegen.scenario import load_scenario
    from forcegen.sourcing import solve

    plan = solve(load_scenario(example_path))
    shown = [r.message for s in with_flag_hints(plan).shortfalls for r in s.reasons]
    assert any(m.endswith("include provisional pledges (--include provisional)") for m in shown)
    # The plan itself keeps the core's words (it is also what --json prints).
    assert not any("--" in r.message for s in plan.shortfalls for r in s.reasons)


def test_what_if_switches_change_the_plan(cli: CliRunner, example_path: Path,
                                          tmp_path: Path) -> None:
    base = _json(cli.invoke(app, ["source", str(example_path), "--json",
                                  "--out", str(tmp_path / "a.json")]))
    what = _json(cli.invoke(app, ["source", str(example_path), "--json", "--withdraw",
                                  "NZL,FRA", "--include", "provisional",
                                  "--out", str(tmp_path / "b.json")]))
    assert not {a["nation"] for a in what["assignments"]} & {"NZL", "FRA"}
    assert base["input_hash"] != what["input_hash"]
    diff = _json(cli.invoke(app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                                  "--json"]))
    assert diff["fill"] == {"before": base["objective"]["fill"],
                            "after": what["objective"]["fill"]}
    fra = next(n for n in diff["nations"] if n["nation"] == "FRA")
    assert fra["personnel_after"] == 0 and fra["personnel_before"] > 0
    net = sum(c["delta"] for c in diff["gained"]) + sum(c["delta"] for c in diff["lost"])
    assert net == what["objective"]["fill"] - base["objective"]["fill"]
    table = cli.invoke(app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert table.exit_code == 0 and "Lines lost" in table.stdout


def test_reports_xlsx_and_charts(cli: CliRunner, example_path: Path, tmp_path: Path) -> None:
    r = cli.invoke(app, ["source", str(example_path), "--xlsx", str(tmp_path / "plan.xlsx"),
                         "--charts", str(tmp_path / "charts"), "--chart-format", "png"])
    assert r.exit_code == 0, r.output
    assert "Shortfalls" in r.stdout and "Burden sharing" in r.stdout
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert {"summary", "lines", "assignments", "shortfalls", "burden"} <= set(wb.sheetnames)
    assert wb["shortfalls"].max_row > 1
    for name in ("fill-by-category.png", "burden.png"):
        data = (tmp_path / "charts" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_validate_and_export(cli: CliRunner, example_path: Path, tmp_path: Path) -> None:
    r = cli.invoke(app, ["validate", str(example_path)])
    assert r.exit_code == 0 and "valid" in r.stdout
    r = cli.invoke(app, ["export", str(example_path), "--to", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 0, r.output
    assert cli.invoke(app, ["validate", str(tmp_path / "x.xlsx")]).exit_code == 0


def test_bad_input_exit_2_names_place_no_traceback(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(
        {"forcegen": 1, "nations": [{"code": "ZZZ"}], "pledges": [{"id": "P"}]}))
    for cmd in (["validate", str(tmp_path)], ["source", str(tmp_path), "--json"],
                ["export", str(tmp_path), "--to", str(tmp_path / "out")]):
        r = cli.invoke(app, cmd)
        assert r.exit_code == 2, (cmd, r.output)
        assert "Traceback" not in r.output
        assert "scenario.yaml" in r.output and "ZZZ" in r.output
        # The field is named (Rich would swallow "[code]" as markup if it were not escaped).
        assert "[code]" in r.output and "[quantity]" in r.output
        assert r.stdout.strip() == "" or not r.stdout.lstrip().startswith("{")
    assert not (tmp_path / "out").exists()


def test_bad_options_exit_2(cli: CliRunner, example_path: Path, tmp_path: Path) -> None:
    cases = [
        ["--withdraw", "ATL"],  # not a nation of the scenario
        ["--include", "maybe"],
        ["--ceiling", "POL=lots"],
        ["--time-limit", "-3"],
        ["--method", "magic"],
        ["--xlsx", str(tmp_path / "plan.csv")],
    ]
    for extra in cases:
        r = cli.invoke(app, ["source", str(example_path), *extra])
        assert r.exit_code == 2, (extra, r.output)
        assert "error" in r.output and "Traceback" not in r.output
    r = cli.invoke(app, ["compare", str(tmp_path / "none.json"), str(tmp_path / "none.json")])
    assert r.exit_code == 2
    (tmp_path / "bad.json").write_text("{not json")
    r = cli.invoke(app, ["compare", str(tmp_path / "bad.json"), str(tmp_path / "bad.json")])
    assert r.exit_code == 2 and "bad.json:1" in r.output


def test_console_script_runs_in_a_fresh_process(example_path: Path) -> None:
    """The installed entry point (not only the in-process runner) exits 2 on bad input."""
    r = subprocess.run([sys.executable, "-m", "forcegen", "validate", str(example_path / "nope")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no such file" in r.stderr


def test_planner_words_before_the_details(cli: CliRunner, example_path: Path) -> None:
    r = cli.invoke(app, ["source", str(example_path)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    head, sep, details = r.stdout.partition("Details:")
    assert sep, r.stdout  # solver facts are kept in one closing line
    assert "proven best" in head.splitlines()[0] and "Fill " in head
    for jargon in ("gap", "e+00", "decompose", "exact", "sha256", "SHA-256", "optimal"):
        assert jargon not in head, jargon
    assert "relative gap" in details and "input hash (SHA-256)" in details


def test_pledges_in_another_order_give_the_same_input_hash(
    cli: CliRunner, example_path: Path, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "reordered"
    shutil.copytree(example_path, copy)
    header, *rows = (copy / "pledges.csv").read_text().splitlines()
    (copy / "pledges.csv").write_text("\n".join([header, *reversed(rows)]) + "\n")
    base = _json(cli.invoke(app, ["source", str(example_path), "--json"]))
    other = _json(cli.invoke(app, ["source", str(copy), "--json"]))
    assert other["input_hash"] == base["input_hash"]
    assert other["assignments"] == base["assignments"]
