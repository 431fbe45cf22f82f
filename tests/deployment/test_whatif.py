"""What-ifs: lost port, nation withdrawn, C-day moved, prepositioned equipment; compared with
the base plan in the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment, plan_deployment
from forcegen.deployment.whatif import shift_c_day
from forcegen.exceptions import OptionError

from .test_derive import BASE, check_feasible


def _cli(f: Path, *args: str) -> tuple[int, Any]:
    res = CliRunner().invoke(app, ["deploy", str(f), "--json", "--time-limit", "10", *args])
    return res.exit_code, (json.loads(res.output) if res.exit_code == 0 else res.output)


@pytest.fixture()
def scen(tmp_path: Path) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(BASE)
    return f


def test_lost_port_reroutes_and_compares(scen: Path) -> None:
    base = load_deployment(scen)
    assert any(m.pod == "rzeszow" for m in base.movements)
    dep = load_deployment(scen, without=("rzeszow",))
    assert all("rzeszow" not in (m.poe, m.pod) for m in dep.movements)
    assert len(dep.movements) == len(base.movements)
    code, doc = _cli(scen, "--without", "rzeszow")
    assert code == 0
    assert check_feasible(doc, dep) == []
    w = doc["what_if"]
    assert w["changes"] == ["--without rzeszow"]
    assert w["delta"]["closure"] == doc["closure"] - w["base"]["closure"]
    # Losing a port can only keep or worsen the best closure (both proven optimal here).
    assert doc["status"] == w["base"]["status"] == "optimal" and w["delta"]["closure"] >= 0


def test_unknown_port_or_nation_is_refused(scen: Path) -> None:
    for args in (["--without", "atlantis"], ["--withdraw", "XYZ"],
                 ["--prepositioned", "FRIGATE"]):
        code, out = _cli(scen, *args)
        assert code == 2 and "Traceback" not in out, args
        assert args[1] in out


def test_withdrawn_nation_is_resourced(scen: Path) -> None:
    dep = load_deployment(scen, withdraw=("DEU",))
    assert {m.unit for m in dep.movements} == {"P1", "P2"}  # DEU's medical team is gone
    code, doc = _cli(scen, "--withdraw", "deu")
    assert code == 0 and doc["what_if"]["delta"]["lines"] == -2


def test_prepositioned_equipment_moves_only_personnel(scen: Path) -> None:
    dep = load_deployment(scen, prepositioned=("INF-MECH-BN",))
    (mech,) = [m for m in dep.movements if m.unit == "P2"]
    assert mech.extensions()["x-tons"] == pytest.approx(70.0)  # 700 people x 0.1 t
    base = next(m for m in load_deployment(scen).movements if m.unit == "P2")
    assert base.extensions()["x-tons"] > 9000
    # No longer outsize: flying is now allowed, and it is the fastest way.
    assert {x.id: x.mode for x in dep.lift}[next(iter(mech.lift))] == "air"


def test_c_day_shift_on_explicit_movements(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text("forcegen: 1\nc_day: 2027-03-01\nlift: [{id: C17, mode: air, capacity: 1}]\n"
                 "movements:\n  - {id: A, days: 2, available: 10, lift: {C17: 1}, nation: FRA}\n"
                 "  - {id: B, days: 2, available: 1, lift: {C17: 1}, nation: DEU, after: [A]}\n")
    dep = shift_c_day(load_deployment(f), 4)
    assert [m.available for m in dep.movements] == [6, 0]
    assert dep.date_of(0) == "2027-03-05"
    assert plan_deployment(dep, time_limit=5).plan.closure == 10
    code, doc = _cli(f, "--c-day-shift", "4")
    assert code == 0 and doc["what_if"]["delta"]["closure"] == -4
    # A withdrawn nation's explicit lines go, with the `after` references to them.
    dep = load_deployment(f, withdraw=("FRA",))
    assert [(m.id, m.after) for m in dep.movements] == [("B", [])]
    with pytest.raises(OptionError):
        load_deployment(f, prepositioned=("X",))


def test_explicit_line_through_a_lost_port_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text("forcegen: 1\nlift: [{id: C17, mode: air, capacity: 1}]\n"
                 "ports: [{id: pod, kind: airport}]\n"
                 "movements:\n  - {id: A, days: 2, lift: {C17: 1}, pod: pod}\n")
    with pytest.raises(OptionError, match="not re-routed: A"):
        load_deployment(f, without=("pod",))


def test_what_if_errors_name_arguments_and_the_cli_its_flags(tmp_path: Path) -> None:
    """``load_deployment`` speaks of ``without``/``prepositioned``; the CLI of its flags."""
    f = tmp_path / "scenario.yaml"
    f.write_text("forcegen: 1\nlift: [{id: C17, mode: air, capacity: 1}]\n"
                 "ports: [{id: pod, kind: airport}]\n"
                 "movements:\n  - {id: A, days: 2, lift: {C17: 1}, pod: pod}\n")
    for kw, word in (({"without": ("pod",)}, "without pod:"),
                     ({"prepositioned": ("X",)}, "prepositioned:")):
        with pytest.raises(OptionError) as exc:
            load_deployment(f, **kw)  # type: ignore[arg-type]
        assert str(exc.value).startswith(word) and "--" not in str(exc.value)
    for args, flag in ((("--without", "pod"), "--without pod:"),
                       (("--prepositioned", "X"), "--prepositioned:")):
        r = CliRunner().invoke(app, ["deploy", str(f), *args])
        assert r.exit_code == 2 and "Traceback" not in r.output
        assert flag in r.stderr, r.stderr
