"""Bad deployment input: every problem names file, line, field and what was expected; exit 2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment
from forcegen.exceptions import Problem, ScenarioError

HEAD = """\
forcegen: 1
lift:
  - id: C17
    mode: air
    capacity: 4
ports:
  - id: rzeszow
    kind: airport
    throughput: 5
movements:
"""


def _write(tmp_path: Path, movements: str) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(HEAD + textwrap.dedent(movements))
    return f


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_deployment(path)
    return info.value.problems


def test_cycle_in_after_is_named(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - {id: A, days: 1, lift: {C17: 1}, after: [C]}
      - {id: B, days: 1, lift: {C17: 1}, after: [A]}
      - {id: C, days: 1, lift: {C17: 1}, after: [B]}
      - {id: D, days: 1, lift: {C17: 1}}
    """)
    (p,) = _problems(f)
    assert p.field == "after" and p.file == str(f)
    # The whole cycle, in waiting order, closed on its first member.
    assert "A -> C -> B -> A" in p.message
    assert p.line == 11


def test_self_reference_is_a_cycle(tmp_path: Path) -> None:
    (p,) = _problems(_write(tmp_path, "  - {id: A, days: 1, after: [A]}\n"))
    assert "A -> A" in p.message


def test_unknown_ids_name_the_item(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - id: A
        days: 1
        lift: {C130: 1}
        pod: krakow
      - id: B
        days: 1
        after: [Z]
    """)
    probs = {p.field: p for p in _problems(f)}
    assert "unknown lift type 'C130'" in probs["lift.C130"].message
    assert probs["lift.C130"].line == 13
    assert "unknown port 'krakow'" in probs["pod"].message and probs["pod"].line == 14
    assert "unknown movement 'Z'" in probs["after"].message and probs["after"].line == 17


def test_more_lift_than_exists_says_which(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - {id: A, days: 1, lift: {C17: 5}}
      - {id: B, days: 1, lift: {C17: 3}, pod: rzeszow, poe: rzeszow}
      - {id: C, days: 1, lift: {C17: 4}}
    """)
    probs = _problems(f)
    assert len(probs) == 1
    assert probs[0].field == "lift.C17" and probs[0].line == 11
    assert "'A' needs 5 C17 each day but only 4 exist" in probs[0].message


def test_port_throughput_too_small(tmp_path: Path) -> None:
    head_ports = HEAD.replace("throughput: 5", "throughput: 2")
    f = tmp_path / "scenario.yaml"
    f.write_text(head_ports + "  - {id: A, days: 1, lift: {C17: 3}, pod: rzeszow}\n")
    (p,) = _problems(f)
    assert p.field == "pod" and "throughput is 2" in p.message


def test_latest_before_available(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - {id: A, days: 3, available: 5, latest: 4}
      - {id: B, days: 3, available: 5, latest: 8}
    """)
    (p,) = _problems(f)
    assert p.field == "latest" and "'A'" in p.message and "available day 5" in p.message


def test_structure_errors_collected(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - {id: A, days: 1, colour: red}
      - {id: B, days: 1, lift: {C17: -1}}
      - {id: C, days: 1, available: soon}
    """)
    probs = _problems(f)
    assert [p.line for p in probs] == [11, 12, 13]  # one pass, every record
    assert "unknown field(s) 'colour'" in probs[0].message
    assert probs[1].field == "movements.lift.C17"
    assert "greater than or equal to 0" in probs[1].message
    assert probs[2].field == "movements.available" and "'soon'" in probs[2].message


def test_duplicates_and_missing_days(tmp_path: Path) -> None:
    f = _write(tmp_path, """\
      - {id: A, days: 1}
      - {id: A, days: 2}
      - {id: B}
    """)
    probs = _problems(f)
    text = " | ".join(str(p) for p in probs)
    assert "duplicate movements id 'A' (first on line 11)" in text
    assert "'B': `days` is required" in text


def test_cli_exit_2_and_stdout_empty(tmp_path: Path) -> None:
    f = _write(tmp_path, "  - {id: A, days: 1, after: [A]}\n")
    res = CliRunner().invoke(app, ["deploy", str(f), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "A -> A" in res.stderr and "scenario.yaml:11" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]  # nothing written


def test_cli_bad_options_exit_2(tmp_path: Path) -> None:
    f = _write(tmp_path, "  - {id: A, days: 1}\n")
    for args in (["--time-limit", "0"], ["--solver", "gurobi"]):
        res = CliRunner().invoke(app, ["deploy", str(f), *args])
        assert res.exit_code == 2, args
        assert "Traceback" not in res.output


def test_no_movements_section(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text("forcegen: 1\nlift: []\n")
    (p,) = _problems(f)
    assert "no `movements` and no `lift` section" in p.message
