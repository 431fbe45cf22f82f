"""Programme and roster planned together (``--roster --coupled``), checked from the JSON alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exercises import load_programme, plan_exercises
from forcegen.exercises.coupling import plan_together
from forcegen.exercises.roster_result import plan_roster

EX = Path(__file__).resolve().parents[2] / "examples" / "bng-nzl-exercises"
D = dt.date.fromisoformat


def _rests_in_exercises(doc: dict) -> list[tuple[str, str]]:
    """(unit, exercise) pairs where the unit trains in the rest after one of its tours."""
    out = []
    for tour in doc["roster"]["tours"]:
        rest_from = D(tour["end"]) + dt.timedelta(days=1)
        rest_end = D(tour["rest_until"])
        for ex in doc["exercises"]:
            if ex["held"] and tour["unit"] in ex["units"] and D(ex["start"]) <= rest_end \
                    and D(ex["end"]) >= rest_from:
                out.append((tour["unit"], ex["id"]))
    return out


def _run(*extra: str) -> dict:
    res = CliRunner().invoke(app, ["exercises", str(EX), "--roster", "--json",
                                   "--time-limit", "20", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def coupled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """One ``--roster --coupled`` run with its workbook (each run costs CP-SAT seconds)."""
    xlsx = tmp_path_factory.mktemp("coupled") / "programme.xlsx"
    return _run("--coupled", "--xlsx", str(xlsx)), xlsx


def test_coupled_roster_rests_no_unit_in_an_exercise_and_keeps_the_programme(
        coupled: tuple[dict, Path]) -> None:
    seq, co = _run(), coupled[0]
    # The example's sequential roster rests units in exercises (so the check is not vacuous).
    assert _rests_in_exercises(seq)
    assert _rests_in_exercises(co) == []
    coupling = co["roster"]["coupling"]
    assert len(coupling["sequential"]["rest_in_exercise"]) == len(_rests_in_exercises(seq))
    assert coupling["coupled"]["rest_in_exercise"] == []
    # The programme's value and lines are those of planning it alone (its objectives first).
    assert (co["value"], co["lines_certified"]) == (seq["value"], seq["lines_certified"])
    assert co["roster"]["shortfall"] == coupling["coupled"]["shortfall"]
    kept = coupling["rounds"][0]
    for r in coupling["rounds"][1:]:  # a round is kept only when nothing of the programme drops
        assert r["kept"] == (r["value"] >= kept["value"] and r["lines"] >= kept["lines"]
                             and r["shortfall"] < kept["shortfall"])
        kept = r if r["kept"] else kept
    assert co["roster"]["shortfall"] == kept["shortfall"]


def test_plan_together_matches_its_parts() -> None:
    prog = load_programme(EX)
    co = plan_together(prog, time_limit=20, rounds=1)
    alone = plan_exercises(prog, time_limit=20)
    assert co.exercises.plan.value == alone.plan.value
    seq = plan_roster(alone, time_limit=20)
    assert co.sequential.plan.shortfall == seq.plan.shortfall
    # Barring tours rested in exercises can only lengthen the roster's shortfall.
    assert co.roster.plan.shortfall >= seq.plan.shortfall


@pytest.mark.parametrize("args, words", [
    (["--coupled"], "--roster"),
    (["--roster", "--coupled", "--solver", "greedy"], "cp-sat"),
])
def test_coupled_needs_roster_and_cp_sat(args: list[str], words: str) -> None:
    res = CliRunner().invoke(app, ["exercises", str(EX), *args])
    assert res.exit_code == 2
    assert words in res.output


def test_a_round_is_a_valid_programme_that_keeps_the_rests_free() -> None:
    from forcegen.exercises.coupling import _rests, _round, training_days

    from ._check import violations

    prog = load_programme(EX)
    alone = plan_exercises(prog, time_limit=20)
    seq = plan_roster(alone, time_limit=20)
    assert _rests(seq)
    again = _round(prog, alone, [seq], 20)
    assert violations(again.problem, again.plan.schedule) == []  # rules of the file itself
    days = training_days(again)
    for unit, a, b in _rests(seq):  # the rests asked for hold no exercise of the unit
        assert all(d <= a or c >= b for c, d in days.get(unit, []))
    assert again.plan.bound == alone.plan.bound and again.plan.value <= again.plan.bound


def test_the_workbook_holds_the_coupling_figures(coupled: tuple[dict, Path]) -> None:
    from openpyxl import load_workbook

    doc, xlsx = coupled
    c = doc["roster"]["coupling"]
    wb = load_workbook(xlsx)
    assert {"standby", "coupling", "coupling rounds"} <= set(wb.sheetnames)
    figures = {r[0]: r[1] for r in wb["coupling"].iter_rows(min_row=2, values_only=True)}
    assert figures["Unit-months short, planned one after the other"] == \
        c["sequential"]["shortfall"]
    assert figures["Unit-months short, planned together"] == c["coupled"]["shortfall"] == \
        doc["roster"]["shortfall"]
    assert figures["Units resting in an exercise, one after the other"] == \
        len(c["sequential"]["rest_in_exercise"]) > 0
    assert figures["Units resting in an exercise, together"] == 0
    assert figures["Programme value kept"] == doc["value"]
    assert figures["Programme value, planned alone"] == c["rounds"][0]["value"]
    assert figures["Lines certified in time kept"] == doc["lines_certified"]
    assert figures["Rounds planned"] == len(c["rounds"])
    assert figures["Rounds kept"] == sum(r["kept"] for r in c["rounds"])
    rows = list(wb["coupling rounds"].iter_rows(values_only=True))
    assert rows[0] == ("Round", "Programme value", "Lines certified in time",
                       "Unit-months short", "Kept")
    assert [list(r) for r in rows[1:]] == [
        [r["round"], r["value"], r["lines"], r["shortfall"], "yes" if r["kept"] else "no"]
        for r in c["rounds"]]
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Standby unit-months short, planned together (one after the other)"] == \
        f"{c['coupled']['shortfall']} ({c['sequential']['shortfall']})"
